/**
 * Runs the benchmarks on the current runtime, prints a table and writes
 * bench/results/<runtime>.json.
 *
 *   deno run -A bench/run.ts [w1] [w2] [w3] [w4] [w6]     (w4 includes workload 5; w6 is compaction)
 *   bun bench/run.ts ...
 *   node npm/bench/run.js ...                         (after deno task build:npm)
 *
 * Environment: BENCH_ITER (iterations), BENCH_DIR (scratch directory),
 * BENCH_RECOVERY_BYTES, BENCH_MEMORY_BYTES, BENCH_LATENCY_APPENDS.
 */
import process from "node:process";
import { printTable, type Result, RUNTIME, writeJson } from "./harness.ts";
import {
  appendMatrix,
  compaction,
  durableAppends,
  memoryAndLatency,
  recovery,
} from "./workloads.ts";

const all: Record<string, () => Promise<Result[]>> = {
  w1: appendMatrix,
  w2: durableAppends,
  w3: recovery,
  w4: memoryAndLatency,
  w6: compaction,
};

const chosen = process.argv.slice(2).filter((a) => a in all);
const names = chosen.length > 0 ? chosen : Object.keys(all);
const results: Result[] = [];
for (const name of names) {
  console.error(`[${RUNTIME}] running ${name}...`);
  results.push(...(await all[name]()));
}
printTable(results);
console.log(`written ${writeJson(results)}`);
