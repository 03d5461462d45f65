/**
 * Runs the benchmarks on the current runtime, prints a table and writes
 * bench/results/<runtime>.json.
 *
 *   deno run -A bench/run.ts [w0] [w2] [w3] [w4] [w6] [w7]
 *     (w4 includes workload 5; w6 is compaction; w7 the open and the recovery against the crate)
 *   bun bench/run.ts ...
 *   node --expose-gc npm/bench/run.js ...             (after deno task build:npm)
 *
 * w0 is the Rust crate's own append benchmark (its scope; `w1` is an alias:
 * w0 replaced the former w1). No argument runs them all.
 *
 * Environment: BENCH_ITER (iterations), BENCH_DIR (scratch directory),
 * BENCH_RECOVERY_BYTES, BENCH_MEMORY_BYTES, BENCH_LATENCY_APPENDS.
 */
import process from "node:process";
import { printTable, type Result, RUNTIME, writeJson } from "./harness.ts";
import {
  compaction,
  crateScope,
  durableAppends,
  memoryAndLatency,
  openAndRecovery,
  recovery,
} from "./workloads.ts";

const all: Record<string, () => Promise<Result[]>> = {
  w0: crateScope,
  w2: durableAppends,
  w3: recovery,
  w4: memoryAndLatency,
  w6: compaction,
  w7: openAndRecovery,
};
/** Former names: w1 (4 MiB appends, flush) is part of w0. */
const aliases: Record<string, string> = { w1: "w0" };

const chosen = process.argv.slice(2).map((a) => aliases[a] ?? a).filter((a) => a in all);
const names = chosen.length > 0 ? [...new Set(chosen)] : Object.keys(all);
const results: Result[] = [];
for (const name of names) {
  console.error(`[${RUNTIME}] running ${name}...`);
  results.push(...(await all[name]()));
}
printTable(results);
console.log(`written ${writeJson(results)}`);
