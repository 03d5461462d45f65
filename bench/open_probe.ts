/**
 * The time to open a fresh directory: `MultiRecordLog.open(dir)` on an
 * empty directory that exists, in a process that has opened a log before
 * (modules loaded, CRC chosen), then `close()` and removal outside the timed
 * part. Prints the median and quartiles in µs, and the same for
 * open + `createQueue` (which fsyncs). Runs on Deno, Bun and Node (the npm
 * build):
 *
 *   deno run -A bench/open_probe.ts
 *   bun bench/open_probe.ts
 *   node npm/bench/open_probe.js
 *
 * Environment: PROBE_ITER (default 200).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { MultiRecordLog } from "../mod.ts";
import { now, RUNTIME } from "./harness.ts";

const iter = Number(process.env.PROBE_ITER ?? 200);
const base = mkdtempSync(join(tmpdir(), "mrl-open-probe-"));

/** µs of `work` on a fresh directory, `iter` times (after 5 untimed rounds). */
async function timeOpens(work: (dir: string) => Promise<MultiRecordLog>): Promise<number[]> {
  const times: number[] = [];
  for (let i = -5; i < iter; i++) {
    const dir = join(base, `d${i + 5}`);
    mkdirSync(dir);
    const t0 = now();
    const log = await work(dir);
    const t1 = now();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
    if (i >= 0) times.push((t1 - t0) * 1000);
  }
  return times.sort((a, b) => a - b);
}

function quartiles(sorted: number[]): string {
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `median ${at(0.5).toFixed(0)} µs (p25 ${at(0.25).toFixed(0)}, p75 ${at(0.75).toFixed(0)})`;
}

try {
  const open = await timeOpens((dir) => MultiRecordLog.open(dir));
  const create = await timeOpens(async (dir) => {
    const log = await MultiRecordLog.open(dir);
    await log.createQueue("q");
    return log;
  });
  console.log(`${RUNTIME} open of a fresh directory: ${quartiles(open)}`);
  console.log(`${RUNTIME} open + createQueue (fsync): ${quartiles(create)}`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
