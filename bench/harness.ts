/**
 * Benchmark plumbing shared by the workloads: runtime detection, timing,
 * statistics, the printed table and the JSON file. Runtime-neutral
 * (node: modules only), so the same code runs on Deno, Bun and Node.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** The runtime running the benchmark. */
export const RUNTIME = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** One measured figure. */
export interface Result {
  runtime: string;
  workload: string;
  /** What `median`, `min` and `max` count, e.g. "MiB/s", "ms", "records/s", "µs". */
  unit: string;
  median: number;
  min: number;
  max: number;
  samples: number;
  /** Free-form extra figures. */
  note?: string;
  /**
   * For w0 (the crate's scope): the row, named as `mrl-oracle bench` names
   * it, so that bench/run_all.mjs can set the Rust crate's figure beside it.
   */
  combo?: { policy: string; record_size: number; batch: number; total_bytes: number };
  /**
   * For w0: the bare `writeSync` floor of the same row on this runtime (no
   * library: the same bytes, one write per append), MiB/s, median, measured
   * alternately with ours in the same iterations.
   */
  floor?: number;
  /** For w7 with MRL_ORACLE: the Rust crate's figure of the same row, in the same unit, measured in the same run. */
  rust?: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(sortedValues: number[], p: number): number {
  const i = Math.min(
    sortedValues.length - 1,
    Math.max(0, Math.ceil((p / 100) * sortedValues.length) - 1),
  );
  return sortedValues[i];
}

/** Summarises samples into a Result. */
export function result(workload: string, unit: string, samples: number[], note?: string): Result {
  return {
    runtime: RUNTIME,
    workload,
    unit,
    median: round(median(samples)),
    min: round(Math.min(...samples)),
    max: round(Math.max(...samples)),
    samples: samples.length,
    note,
  };
}

function round(x: number): number {
  return Math.abs(x) >= 100 ? Math.round(x * 10) / 10 : Math.round(x * 1000) / 1000;
}

/** A fresh scratch directory below BENCH_DIR (or the OS temp dir); removed by the callback's end. */
export async function withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const base = process.env.BENCH_DIR ?? tmpdir();
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, "mrl-bench-"));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asks the runtime for a garbage collection when it allows it (for memory figures). */
export function collectGarbage(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun) g.Bun.gc(true);
  else if (g.gc) g.gc();
}

export function now(): number {
  return performance.now();
}

/** Prints results as a table. */
export function printTable(results: Result[]): void {
  const header = ["runtime", "workload", "median", "min", "max", "unit", "n", "note"];
  const rows = results.map((r) => [
    r.runtime,
    r.workload,
    String(r.median),
    String(r.min),
    String(r.max),
    r.unit,
    String(r.samples),
    r.note ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log(line(header));
  console.log("| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |");
  for (const row of rows) console.log(line(row));
}

/** Writes results to bench/results/<runtime>.json (or BENCH_OUT). */
export function writeJson(results: Result[], file?: string): string {
  const path = file ?? process.env.BENCH_OUT ?? join("bench", "results", `${RUNTIME}.json`);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(
    path,
    JSON.stringify({ runtime: RUNTIME, date: new Date().toISOString(), results }, null, 2),
  );
  return path;
}
