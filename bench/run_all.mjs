#!/usr/bin/env node
// `deno task bench`: runs the benchmarks on Deno, Bun and Node (the npm build),
// one after the other, then prints one table of medians and writes
// bench/results/all.json. Arguments are passed on (e.g. `w1 w3`).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const bin = (
  name,
) => (existsSync(join("node_modules", ".bin", name)) ? join("node_modules", ".bin", name) : name);
// Each workload runs in a process of its own, so that memory figures start from a clean baseline.
const args = process.argv.slice(2).length > 0
  ? process.argv.slice(2)
  : ["w1", "w2", "w3", "w4", "w6"];
const build = spawnSync(bin("deno"), ["run", "-A", "scripts/build_npm.ts", "--no-test"], {
  stdio: "inherit",
});
if (build.status !== 0) process.exit(1);
const runs = [
  ["deno", [bin("deno"), "run", "-A", "--v8-flags=--expose-gc", "bench/run.ts"]],
  ["bun", [bin("bun"), "bench/run.ts"]],
  ["node", ["node", "--expose-gc", "npm/bench/run.js"]],
];
const all = [];
for (const [runtime, [command, ...rest]] of runs) {
  for (const workload of args) {
    console.log(`\n===== ${runtime} ${workload} =====`);
    const out = join("bench", "results", `${runtime}-${workload}.json`);
    const run = spawnSync(command, [...rest, workload], {
      stdio: "inherit",
      env: { ...process.env, BENCH_OUT: out },
    });
    if (run.status !== 0) {
      console.error(`${runtime}: benchmark ${workload} failed (exit ${run.status})`);
      process.exit(1);
    }
    all.push(...JSON.parse(readFileSync(out, "utf8")).results);
  }
}
writeFileSync(join("bench", "results", "all.json"), JSON.stringify(all, null, 2));
const workloads = [...new Set(all.map((r) => r.workload))];
console.log("\n| workload | unit | deno | bun | node | reference |");
console.log("| --- | --- | ---: | ---: | ---: | --- |");
for (const w of workloads) {
  const cell = (rt) => String(all.find((r) => r.workload === w && r.runtime === rt)?.median ?? "");
  const any = all.find((r) => r.workload === w);
  console.log(
    `| ${w} | ${any.unit} | ${cell("deno")} | ${cell("bun")} | ${cell("node")} | ${
      any.note ?? ""
    } |`,
  );
}
