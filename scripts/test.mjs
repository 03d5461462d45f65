#!/usr/bin/env node
// Runs the test suite on every runtime and prints one total line that CI reads:
// "N passed, N failed". Exits non-zero if any runtime fails (or runs no test).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const bin = (name) => {
  const local = join("node_modules", ".bin", name);
  return existsSync(local) ? local : name;
};

/** Each runtime: the command, and how to read its closing counts. */
const runtimes = [
  {
    name: "deno",
    cmd: [bin("deno"), "test", "-A", "--no-prompt", "tests/"],
    // "ok | 17 passed | 0 failed (6s)" or "FAILED | 16 passed | 1 failed (6s)"
    parse: (out) => {
      const m = [...out.matchAll(/\|\s*(\d+) passed(?: \([^)]*\))?\s*\|\s*(\d+) failed/g)].pop();
      return m && { passed: Number(m[1]), failed: Number(m[2]) };
    },
  },
];

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
let broken = false;

for (const runtime of runtimes) {
  if (only.length > 0 && !only.includes(runtime.name)) continue;
  console.log(`\n===== ${runtime.name}: ${runtime.cmd.join(" ")} =====`);
  const { code, output } = await run(runtime.cmd);
  // deno-lint-ignore no-control-regex
  const counts = runtime.parse(output.replace(/\x1b\[[0-9;]*m/g, ""));
  if (!counts) {
    console.log(`===== ${runtime.name}: no test summary found (exit ${code}) =====`);
    broken = true;
    continue;
  }
  passed += counts.passed;
  failed += counts.failed;
  const ok = code === 0 && counts.failed === 0 && counts.passed > 0;
  if (!ok) broken = true;
  console.log(
    `===== ${runtime.name}: ${counts.passed} passed, ${counts.failed} failed (exit ${code}) =====`,
  );
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(broken || failed > 0 ? 1 : 0);

function run([command, ...args]) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
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
