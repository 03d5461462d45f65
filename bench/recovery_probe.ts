/**
 * Recovery and memory probe (performance issue 13), runnable on Deno, Bun
 * and Node (compiled): times `MultiRecordLog.open` + reading every record of
 * workload 3's log, a plain read loop over the same files (the floor), and
 * workload 4's memory after truncating half. Prints figures; writes nothing
 * under bench/results.
 *
 *   deno run -A --v8-flags=--expose-gc bench/recovery_probe.ts [recovery|floor|memory] ...
 *   bun bench/recovery_probe.ts recovery
 *
 * Environment: BENCH_DIR, BENCH_RECOVERY_BYTES (default 1 GiB), PROBE_ITER
 * (default 5), BENCH_MEMORY_BYTES.
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { MultiRecordLog } from "../mod.ts";
import { collectGarbage, median, now, RUNTIME } from "./harness.ts";
import { memoryAndLatency, recoveryLog, retainedLog } from "./workloads.ts";

const MiB = 1024 * 1024;
const size = Number(process.env.BENCH_RECOVERY_BYTES ?? 1024 * MiB);
const iter = Number(process.env.PROBE_ITER ?? 5);
const base = process.env.BENCH_DIR ?? tmpdir();

/** Opens workload 3's log and reads every record: ms to open, ms to open and read, payload bytes read. */
async function openAndRead(): Promise<{ open: number; total: number; bytes: number }> {
  const dir = await recoveryLog(size);
  const t0 = now();
  const log = await MultiRecordLog.open(dir);
  const t1 = now();
  let bytes = 0;
  for (const q of log.listQueues()) for (const r of log.range(q)) bytes += r.payload.length;
  const t2 = now();
  await log.close();
  return { open: t1 - t0, total: t2 - t0, bytes };
}

async function timeRecovery(): Promise<void> {
  await openAndRead(); // builds the log if need be (workload 3's builder) and warms the page cache
  const open: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < iter; i++) {
    collectGarbage();
    const t = await openAndRead();
    if (t.bytes === 0) throw new Error("nothing recovered");
    open.push(t.open);
    total.push(t.total);
  }
  const mbs = (ms: number) => (size / MiB / (ms / 1000)).toFixed(0);
  console.log(
    `[${RUNTIME}] recovery ${size / MiB} MiB: open ${median(open).toFixed(0)} ms, ` +
      `open+read ${median(total).toFixed(0)} ms = ${mbs(median(total))} MiB/s ` +
      `(all: ${total.map((t) => mbs(t)).join(" ")})`,
  );
}

async function timeFloor(): Promise<void> {
  const dir = await recoveryLog(size);
  const buf = new Uint8Array(1024 * 1024);
  const times: number[] = [];
  for (let i = 0; i < iter; i++) {
    const t0 = now();
    let sum = 0;
    for (const name of readdirSync(dir).filter((n) => n.startsWith("wal-")).sort()) {
      const fd = openSync(join(dir, name), "r");
      let at = 0;
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, at);
        if (n <= 0) break;
        at += n;
        sum += buf[0];
      }
      closeSync(fd);
    }
    times.push(now() - t0);
    if (sum < 0) console.log(sum);
  }
  const ms = median(times);
  console.log(
    `[${RUNTIME}] plain readSync loop, 1 MiB buffer: ${ms.toFixed(0)} ms = ${
      (size / MiB / (ms / 1000)).toFixed(0)
    } MiB/s`,
  );
}

async function memory(): Promise<void> {
  for (const r of await memoryAndLatency()) {
    if (r.workload.startsWith("w4")) {
      console.log(`[${RUNTIME}] ${r.workload}: ${r.median} ${r.unit} (${r.note})`);
    }
  }
}

/** Workload 4 without its latency part: memory after truncating half, at once and after more collections. */
async function memoryDetail(): Promise<void> {
  const dir = mkdtempSync(join(base, "mrl-probe-mem-"));
  try {
    const { log, queues, baseRss, retained } = await retainedLog(dir);
    const status = () => {
      const text = readFileSync("/proc/self/status", "utf8");
      return ["RssAnon", "RssFile", "RssShmem"].map((k) =>
        text.match(new RegExp(`${k}:\\s+(\\d+)`))?.[0]
      ).join(", ");
    };
    console.log(
      `[${RUNTIME}] full: ${
        ((process.memoryUsage().rss - baseRss) / retained).toFixed(3)
      } x; ${status()}`,
    );
    for (const q of queues) await log.truncate(q, Math.floor(log.lastPosition(q)! / 2));
    const { queues: kept } = log.summary();
    const remaining = queues.reduce((sum, q) => sum + (kept[q].end! - kept[q].start + 1) * 256, 0);
    collectGarbage();
    const ratio = () => ((process.memoryUsage().rss - baseRss) / remaining).toFixed(3);
    console.log(`[${RUNTIME}] after truncating half, at once: ${ratio()} x; ${status()}`);
    for (let i = 0; i < 4; i++) {
      collectGarbage();
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`[${RUNTIME}] after 4 more collections: ${ratio()} x; ${status()}`);
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One open + read of workload 3's log, the first in this process (the log must exist: run `recovery` once). */
async function timeFreshOpen(): Promise<void> {
  const { open, total, bytes } = await openAndRead();
  console.log(
    `[${RUNTIME}] first open in the process: open ${open.toFixed(0)} ms, open+read ${
      total.toFixed(0)
    } ms = ${(size / MiB / (total / 1000)).toFixed(0)} MiB/s (${bytes} bytes)`,
  );
}

const args = process.argv.slice(2);
for (const a of args.length > 0 ? args : ["recovery", "floor"]) {
  if (a === "recovery") await timeRecovery();
  else if (a === "floor") await timeFloor();
  else if (a === "fresh") await timeFreshOpen();
  else if (a === "memory") await memory();
  else if (a === "memory-detail") await memoryDetail();
}
