#!/usr/bin/env node
// `npm test`: runs the whole suite on Node (against the npm build), Deno and
// Bun, then the npm consumer test, and prints one total line that CI reads:
// "N passed, N failed". Exits non-zero if any block fails or runs no test.
// `npm test -- deno bun` runs only the named blocks.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = (name) => {
  const local = join("node_modules", ".bin", name);
  return existsSync(local) ? local : name;
};

/** "# pass 12" / "# fail 0" (node --test, TAP reporter). */
const tapCounts = (out) => {
  const pass = [...out.matchAll(/^# pass (\d+)$/gm)].pop();
  const fail = [...out.matchAll(/^# fail (\d+)$/gm)].pop();
  return pass && fail && { passed: Number(pass[1]), failed: Number(fail[1]) };
};

const blocks = [
  {
    // Builds npm/ with tsc, then runs the compiled suite with node --test.
    name: "node",
    cmd: [bin("deno"), "run", "-A", "scripts/build_npm.ts"],
    parse: tapCounts,
  },
  {
    // The suite plus the examples in the doc comments.
    name: "deno",
    cmd: [bin("deno"), "test", "-A", "--no-prompt", "--doc", "tests/", "mod.ts", "src/"],
    // "ok | 17 passed | 0 failed (6s)" or "FAILED | 16 passed | 1 failed (6s)"
    parse: (out) => {
      const m = [...out.matchAll(/\|\s*(\d+) passed(?: \([^)]*\))?\s*\|\s*(\d+) failed/g)].pop();
      return m && { passed: Number(m[1]), failed: Number(m[2]) };
    },
  },
  {
    name: "bun",
    cmd: [bin("bun"), "test", "./tests/"],
    // " 266 pass" / " 0 fail"
    parse: (out) => {
      const pass = [...out.matchAll(/^\s*(\d+) pass$/gm)].pop();
      const fail = [...out.matchAll(/^\s*(\d+) fail$/gm)].pop();
      return pass && fail && { passed: Number(pass[1]), failed: Number(fail[1]) };
    },
  },
  {
    // npm pack + install + use from .mjs + tsc nodenext check (needs the node block's build).
    name: "npm-consumer",
    cmd: ["node", "--test", "--test-reporter=tap", "scripts/consumer.test.mjs"],
    parse: tapCounts,
  },
];

const only = process.argv.slice(2);
// Every runtime's temporary files go to one directory, removed at the end.
const scratch = mkdtempSync(join(tmpdir(), "mrl-npm-test-"));
const env = { ...process.env, NO_COLOR: "1", TMPDIR: scratch, TMP: scratch, TEMP: scratch };
let passed = 0;
let failed = 0;
let broken = false;
const lines = [];

for (const block of blocks) {
  if (only.length > 0 && !only.includes(block.name)) continue;
  console.log(`\n===== ${block.name}: ${block.cmd.join(" ")} =====`);
  const { code, output } = await run(block.cmd);
  // deno-lint-ignore no-control-regex
  const counts = block.parse(output.replace(/\x1b\[[0-9;]*m/g, ""));
  let line;
  if (!counts) {
    line = `${block.name}: no test summary found (exit ${code})`;
    broken = true;
  } else {
    passed += counts.passed;
    failed += counts.failed;
    if (code !== 0 || counts.failed > 0 || counts.passed === 0) broken = true;
    line = `${block.name}: ${counts.passed} passed, ${counts.failed} failed (exit ${code})`;
  }
  lines.push(line);
  console.log(`===== ${line} =====`);
}

rmSync(scratch, { recursive: true, force: true });
console.log("\n" + lines.join("\n"));
console.log(`${passed} passed, ${failed} failed`);
process.exit(broken || failed > 0 ? 1 : 0);

function run([command, ...args]) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let output = "";
    const take = (stream, sink) =>
      stream.on("data", (chunk) => {
        output += chunk;
        sink.write(chunk);
      });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
    child.on("error", (err) => {
      output += String(err);
      resolve({ code: 1, output });
    });
  });
}
