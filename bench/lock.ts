/**
 * What taking a log directory's ownership costs: acquire + release of the
 * lock (SQLite's exclusive lock on `.mrl.lock`, and the holder record),
 * median of 2000 rounds, in microseconds. Only an open pays it.
 *
 * Run: deno run -A bench/lock.ts | bun bench/lock.ts | node npm/bench/lock.js
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireDirLock } from "../src/ownership/dir_lock.ts";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

async function medianMicros(rounds = 2000): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "mrl-lock-bench-"));
  try {
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      const lock = await acquireDirLock(dir);
      await lock.release();
      times.push((performance.now() - start) * 1000);
    }
    times.sort((a, b) => a - b);
    return Math.round(times[times.length >> 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${runtime}: directory lock ${await medianMicros()} µs (acquire + release, median)`);
