/**
 * The benchmark workloads (see the Performance issue and README): the Rust
 * crate's own append benchmark (w0, its scope), durable appends and group commit,
 * recovery speed, memory per retained byte, and append latency under load.
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  constants as fsConstants,
  existsSync,
  fdatasyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { MultiRecordLog, type OpenOptions, type PersistPolicy } from "../mod.ts";
import { collectGarbage, now, percentile, type Result, result, withScratch } from "./harness.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Deterministic filler bytes. */
function payload(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 131 + seed * 7) & 0xff;
  return out;
}

function iterations(fallback: number): number {
  const n = Number(process.env.BENCH_ITER);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** One row of the Rust crate's append benchmark (its `benches/bench.rs`, plus its fsync rows). */
export interface CrateCombo {
  /** "flush": the default persist policy (always/flush); "fsync": always/fsync. */
  policy: "flush" | "fsync";
  /** Bytes per record. */
  record_size: number;
  /** Records per append call. */
  batch: number;
  /** Bytes appended per iteration. */
  total_bytes: number;
}

/**
 * The crate's scope, in the order `mrl-oracle bench` prints it: 4 MiB in
 * records of 256 B and 16 KiB, 1, 16 and 256 per append, default policy;
 * then 1 MiB of 256 B records, 1 and 256 per append, always/fsync.
 */
export const CRATE_SCOPE: readonly CrateCombo[] = [
  ...[256, 16384].flatMap((record_size) =>
    [1, 16, 256].map((batch): CrateCombo => ({
      policy: "flush",
      record_size,
      batch,
      total_bytes: 4 * MiB,
    }))
  ),
  { policy: "fsync", record_size: 256, batch: 1, total_bytes: MiB },
  { policy: "fsync", record_size: 256, batch: 256, total_bytes: MiB },
];

/** "w0 flush 256 B x1", "w0 fsync 256 B x256", "w0 flush 16 KiB x16". */
export function crateComboName(combo: CrateCombo): string {
  const size = combo.record_size % 1024 === 0
    ? `${combo.record_size / 1024} KiB`
    : `${combo.record_size} B`;
  return `w0 ${combo.policy} ${size} x${combo.batch}`;
}

/** The open options of a crate combo: "flush" is the default policy (always/flush), as in the crate. */
const CRATE_OPTIONS: Record<CrateCombo["policy"], OpenOptions> = {
  flush: {},
  fsync: { persistPolicy: { kind: "always", action: "fsync" } },
};

/**
 * Workload 0, the crate's scope (`mrl-oracle bench` measures the Rust crate
 * the same way): per combo and iteration, a fresh directory, then open +
 * create one queue + appends of `total_bytes`, timed together; the same
 * payload (zero bytes, allocated once per combo) for every record; close
 * and removal outside the timed part. No forced garbage collection between
 * iterations: on Deno it made the timed part 1.5-2x slower on this
 * project's machine (2 cores), and the crate's scope has nothing like it.
 * No warm-up either, as in the crate's. Median of 9 (BENCH_ITER overrides),
 * in MiB/s.
 */
export async function crateScope(): Promise<Result[]> {
  const results: Result[] = [];
  for (const combo of CRATE_SCOPE) {
    const { record_size, batch, total_bytes } = combo;
    const options = CRATE_OPTIONS[combo.policy];
    const appends = total_bytes / record_size / batch;
    const record = new Uint8Array(record_size);
    const payloads = Array.from({ length: batch }, () => record);
    const samples: number[] = [];
    const floorSamples: number[] = [];
    for (let it = 0; it < iterations(9); it++) {
      await withScratch(async (dir) => {
        floorSamples.push(bareWriteFloor(dir, combo));
        const start = now();
        const log = await MultiRecordLog.open(dir, options);
        await log.createQueue("q1");
        for (let i = 0; i < appends; i++) await log.appendRecords("q1", payloads);
        const seconds = (now() - start) / 1000;
        await log.close();
        samples.push(total_bytes / MiB / seconds);
      });
    }
    const floor = result("floor", "MiB/s", floorSamples).median;
    results.push({ ...result(crateComboName(combo), "MiB/s", samples), combo, floor });
  }
  return results;
}

/**
 * The bare `writeSync` floor of a crate combo on this runtime, in MiB/s of
 * payload: what appending costs with no library at all. A fresh file of the
 * wal file size (sparse, as a new wal file), then one `writeSync` per append
 * of as many bytes as the log writes for it (AppendRecords record, item and
 * frame headers), plus an `fdatasync` per append under "fsync"; no checksum,
 * no copy, nothing kept. Timed from the file's creation to the last write,
 * in the same iteration as ours, so that both see the machine alike.
 */
function bareWriteFloor(dir: string, combo: CrateCombo): number {
  const { record_size, batch, total_bytes } = combo;
  const recordBytes = 19 + 2 + batch * (12 + record_size); // queue "q1"
  const framed = recordBytes + 7 * Math.ceil(recordBytes / (32768 - 7));
  const bytes = new Uint8Array(framed).fill(1);
  const appends = total_bytes / record_size / batch;
  const path = join(dir, "floor");
  const start = now();
  const fd = openSync(path, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL);
  try {
    ftruncateSync(fd, 128 * MiB);
    for (let i = 0; i < appends; i++) {
      writeSync(fd, bytes, 0, framed);
      if (combo.policy === "fsync") fdatasyncSync(fd);
    }
    return total_bytes / MiB / ((now() - start) / 1000);
  } finally {
    closeSync(fd);
    rmSync(path);
  }
}

/**
 * Workload 2: policy always/fsync, 256 B records, 1 MiB in all: batches of 1
 * and 256 from one appender, then 64 concurrent appenders (64 queues, each
 * awaiting its own appends of one record).
 */
export async function durableAppends(): Promise<Result[]> {
  const policy: PersistPolicy = { kind: "always", action: "fsync" };
  const total = MiB / 256;
  const record = payload(256, 1);
  const run = async (appenders: number, batch: number): Promise<number> => {
    return await withScratch(async (dir) => {
      const log = await MultiRecordLog.open(dir, { persistPolicy: policy });
      const queues = Array.from({ length: appenders }, (_, i) => `q${i}`);
      for (const q of queues) await log.createQueue(q);
      const payloads = Array.from({ length: batch }, () => record);
      const perAppender = total / appenders;
      const start = now();
      await Promise.all(queues.map(async (q) => {
        for (let done = 0; done < perAppender; done += batch) await log.appendRecords(q, payloads);
      }));
      const seconds = (now() - start) / 1000;
      await log.close();
      return total / seconds;
    });
  };
  const results: Result[] = [];
  const single: number[] = [];
  for (let it = 0; it < iterations(3); it++) single.push(await run(1, 1));
  results.push(
    result("w2 fsync 256B x1, 1 appender", "records/s", single, "rust 1.7 MiB/s = 6963 records/s"),
  );
  const batched: number[] = [];
  for (let it = 0; it < iterations(3); it++) batched.push(await run(1, 256));
  results.push(result("w2 fsync 256B x256, 1 appender", "records/s", batched, "rust 233 MiB/s"));
  const concurrent: number[] = [];
  for (let it = 0; it < iterations(3); it++) concurrent.push(await run(64, 1));
  const ratio = Math.round((median(concurrent) / median(single)) * 10) / 10;
  results.push(
    result("w2 fsync 256B x1, 64 appenders", "records/s", concurrent, `${ratio}x one appender`),
  );
  return results;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/**
 * Workload 3: recovery of a 1 GiB log (16 KiB records over 8 queues, half of
 * them partly truncated): open and iterate every record. The log is built
 * once in the scratch base directory and reused (by every runtime); one
 * unmeasured open warms the page cache first.
 */
export async function recovery(): Promise<Result[]> {
  const size = Number(process.env.BENCH_RECOVERY_BYTES ?? GiB);
  const dir = await recoveryLog(size);
  const samples: number[] = [];
  let records = 0;
  for (let it = -1; it < iterations(3); it++) {
    collectGarbage();
    const start = now();
    const log = await MultiRecordLog.open(dir);
    let bytes = 0;
    records = 0;
    for (const q of log.listQueues()) {
      for (const r of log.range(q)) {
        bytes += r.payload.length;
        records++;
      }
    }
    const seconds = (now() - start) / 1000;
    await log.close();
    if (bytes === 0) throw new Error("nothing recovered");
    if (it >= 0) samples.push(size / 1e6 / seconds);
  }
  return [
    result(
      `w3 recovery ${Math.round(size / MiB)} MiB, 16 KiB records`,
      "MB/s",
      samples,
      `${records} records kept`,
    ),
  ];
}

/** Builds (once) the log workload 3 replays; resolves to its directory. */
export async function recoveryLog(size: number): Promise<string> {
  const dir = join(process.env.BENCH_DIR ?? tmpdir(), `mrl-bench-recovery-${size}`);
  const done = join(dir, "complete");
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  const log = await MultiRecordLog.open(dir, { persistPolicy: { kind: "never" } });
  const queues = Array.from({ length: 8 }, (_, i) => `queue-${i}`);
  for (const q of queues) await log.createQueue(q);
  const batch = Array.from({ length: 64 }, (_, i) => payload(16384, i));
  for (let written = 0, round = 0; written < size; round++, written += 64 * 16384) {
    await log.appendRecords(queues[round % 8], batch);
  }
  const perQueue = size / 16384 / 8;
  for (let i = 0; i < 4; i++) await log.truncate(queues[i], Math.floor((perQueue * i) / 8));
  await log.close();
  writeFileSync(done, "");
  return dir;
}

function rss(): number {
  return process.memoryUsage().rss;
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/** A log of workload 4 and what it retains. */
export interface RetainedLog {
  log: MultiRecordLog;
  /** The 100 queues holding the records. */
  queues: string[];
  /** RSS and JS heap used once the queues exist, before the appends. */
  baseRss: number;
  baseHeap: number;
  /** Payload bytes appended. */
  retained: number;
}

/**
 * Workload 4's log in `dir`: BENCH_MEMORY_BYTES (default 1 GiB) of 256 B
 * records over 100 queues, appended 256 at a time (policy never), then
 * flushed, with a garbage collection before and after.
 */
export async function retainedLog(dir: string): Promise<RetainedLog> {
  const total = Number(process.env.BENCH_MEMORY_BYTES ?? GiB);
  const log = await MultiRecordLog.open(dir, { persistPolicy: { kind: "never" } });
  const queues = Array.from({ length: 100 }, (_, i) => `tenant-${i}`);
  for (const q of queues) await log.createQueue(q);
  collectGarbage();
  const baseRss = rss();
  const baseHeap = heapUsed();
  const batch = Array.from({ length: 256 }, (_, i) => payload(256, i));
  let retained = 0;
  for (let round = 0; retained < total; round++) {
    await log.appendRecords(queues[round % 100], batch);
    retained += 256 * 256;
  }
  await log.persist("flush");
  collectGarbage();
  return { log, queues, baseRss, baseHeap, retained };
}

/**
 * Workloads 4 and 5: retain 1 GiB of 256 B records over 100 queues; report
 * (RSS - baseline) / payload bytes and JS heap used; append latency of single
 * 256 B appends (default policy) while it is retained; then truncate half
 * and report memory again.
 */
export async function memoryAndLatency(): Promise<Result[]> {
  return await withScratch(async (dir) => {
    const { log, queues, baseRss, baseHeap, retained } = await retainedLog(dir);
    const results: Result[] = [];
    const ratio = (rss() - baseRss) / retained;
    const usage = log.resourceUsage();
    results.push(
      result(
        "w4 memory: (RSS - baseline) / payload, 1 GiB of 256 B",
        "x",
        [ratio],
        `heap +${((heapUsed() - baseHeap) / MiB).toFixed(1)} MiB; allocated/payload ${
          (usage.memoryAllocatedBytes / retained).toFixed(3)
        }`,
      ),
    );

    // Workload 5: single appends while 1 GiB is retained (default policy: always/flush).
    const latencyLog = log;
    const one = payload(256, 42);
    const latencies: number[] = [];
    const appendsForLatency = Number(process.env.BENCH_LATENCY_APPENDS ?? 20000);
    await latencyLog.createQueue("latency");
    for (let i = 0; i < appendsForLatency; i++) {
      const start = now();
      await latencyLog.appendRecord("latency", one);
      await latencyLog.persist("flush");
      latencies.push((now() - start) * 1000);
    }
    latencies.sort((a, b) => a - b);
    results.push({
      ...result("w5 latency: 256 B append + flush, 1 GiB retained", "µs", latencies),
      note: `p99 ${percentile(latencies, 99).toFixed(1)} µs, max ${
        latencies.at(-1)!.toFixed(1)
      } µs`,
    });

    for (const q of queues) {
      const last = log.lastPosition(q)!;
      await log.truncate(q, Math.floor(last / 2));
    }
    // Positions are contiguous: count from the summary, without materializing 2M records (their
    // garbage would be measured too); the runtimes give collected memory back over a few moments.
    const { queues: kept } = log.summary();
    const remaining = queues.reduce((sum, q) => sum + (kept[q].end! - kept[q].start + 1) * 256, 0);
    for (let i = 0; i < 3; i++) {
      collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const after = (rss() - baseRss) / remaining;
    const usageAfter = log.resourceUsage();
    results.push(
      result(
        "w4 memory after truncating half: (RSS - baseline) / remaining",
        "x",
        [after],
        `heap +${((heapUsed() - baseHeap) / MiB).toFixed(1)} MiB; allocated/remaining ${
          (usageAfter.memoryAllocatedBytes / remaining).toFixed(3)
        }`,
      ),
    );
    await log.close();
    return results;
  });
}

/**
 * Workload 6 (compaction): a quiet queue retaining 4 MiB of 16 KiB records
 * pins files while a streaming queue writes and truncates 64 MiB through
 * 8 MiB files; compact() relocates the quiet queue. Reports the cost per MiB
 * relocated, and the latency of 256 B appends called while it runs.
 */
export async function compaction(): Promise<Result[]> {
  const perMiB: number[] = [];
  const latencies: number[] = [];
  for (let it = 0; it < iterations(5); it++) {
    await withScratch(async (dir) => {
      const log = await MultiRecordLog.open(dir, { fileSize: 8 * MiB, compaction: false });
      await log.createQueue("quiet");
      await log.createQueue("stream");
      const quietBatch = Array.from({ length: 64 }, (_, i) => payload(16384, i));
      for (let i = 0; i < 4; i++) await log.appendRecords("quiet", quietBatch);
      const streamBatch = Array.from({ length: 64 }, (_, i) => payload(16384, 100 + i));
      for (let i = 0; i < 64; i++) await log.appendRecords("stream", streamBatch);
      await log.truncate("stream", log.lastPosition("stream")! - 10);
      const one = payload(256, 7);
      let running = true;
      const appender = (async () => {
        while (running) {
          const start = now();
          await log.appendRecord("stream", one);
          latencies.push((now() - start) * 1000);
        }
      })();
      await new Promise((r) => setTimeout(r, 1));
      const start = now();
      const outcome = await log.compact();
      const ms = now() - start;
      running = false;
      await appender;
      if (outcome.bytesRelocated === 0) throw new Error("compaction relocated nothing");
      perMiB.push(ms / (outcome.bytesRelocated / MiB));
      await log.close();
    });
  }
  latencies.sort((a, b) => a - b);
  return [
    result("w6 compaction: cost per MiB relocated (4 MiB quiet queue)", "ms/MiB", perMiB),
    {
      ...result("w6 compaction: 256 B append latency while appending through it", "µs", latencies),
      note: `p99 ${percentile(latencies, 99).toFixed(1)} µs, max ${
        latencies.at(-1)!.toFixed(0)
      } µs`,
    },
  ];
}

/** A recovery row of workload 7: a log of `mib` MiB of `size`-byte records over `queues` queues. */
export interface RecoveryRow {
  mib: number;
  size: number;
  queues: number;
}

/** Workload 7's recovery rows, as the Performance issue measures them against the crate. */
export const RECOVERY_ROWS: readonly RecoveryRow[] = [
  { mib: 512, size: 16384, queues: 8 },
  { mib: 256, size: 256, queues: 8 },
];

/** "w7 recovery 512 MiB of 16 KiB records, 8 queues". */
export function recoveryRowName(row: RecoveryRow): string {
  const size = row.size % 1024 === 0 ? `${row.size / 1024} KiB` : `${row.size} B`;
  return `w7 recovery ${row.mib} MiB of ${size} records, ${row.queues} queues`;
}

/** The `mrl-oracle` program (MRL_ORACLE), when it is given: the Rust crate, measured in the same process's run. */
const ORACLE = process.env.MRL_ORACLE;

/** Runs `mrl-oracle ARGS` and returns its last line of output, parsed as JSON (undefined for none). */
function oracle(args: string[]): { median_s?: number } | undefined {
  const run = spawnSync(ORACLE!, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (run.error || run.status !== 0) {
    throw new Error(`mrl-oracle ${args[0]} failed: ${run.error?.message ?? `exit ${run.status}`}`);
  }
  const lines = run.stdout.trim().split("\n").filter((line) => line !== "");
  return lines.length > 0 ? JSON.parse(lines[lines.length - 1]) : undefined;
}

/**
 * The log of a recovery row, written once under the scratch base directory
 * (and reused by every runtime): by the Rust crate (`mrl-oracle fill`) when
 * MRL_ORACLE is given, else by this library the same way (batches of 16,
 * round-robin over the queues, nothing persisted until the close).
 */
async function recoveryRowLog(row: RecoveryRow): Promise<string> {
  const writer = ORACLE !== undefined ? "crate" : "mrl";
  const name = `mrl-bench-w7-${writer}-${row.mib}-${row.size}`;
  const dir = join(process.env.BENCH_DIR ?? tmpdir(), name);
  const done = `${dir}.complete`;
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  if (ORACLE !== undefined) {
    mkdirSync(dir, { recursive: true });
    oracle(["fill", dir, String(row.mib), String(row.size), String(row.queues)]);
  } else {
    const log = await MultiRecordLog.open(dir, { persistPolicy: { kind: "never" } });
    const queues = Array.from({ length: row.queues }, (_, i) => `queue-${i}`);
    for (const q of queues) await log.createQueue(q);
    const batch = Array.from({ length: 16 }, (_, i) => payload(row.size, i));
    for (let written = 0, i = 0; written < row.mib * MiB; i++, written += 16 * row.size) {
      await log.appendRecords(queues[i % row.queues], batch);
    }
    await log.close();
  }
  writeFileSync(done, "");
  return dir;
}

/** The Rust crate's `MultiRecordLog::open` of `dir`, median seconds of `n` (undefined without MRL_ORACLE). */
function crateOpenSeconds(dir: string, n: number): number | undefined {
  return ORACLE === undefined ? undefined : oracle(["recover", dir, String(n)])?.median_s;
}

/**
 * Workload 7, the rest of the crate's matrix: the open of a fresh directory
 * (an empty one that exists), the reopen of an empty log, and the recovery
 * of each {@link RECOVERY_ROWS} log, timed as `mrl-oracle recover` times the
 * crate: `MultiRecordLog.open` alone (close untimed), after one untimed open
 * that warms the page cache. With MRL_ORACLE, the crate's figure of the
 * same row, measured right after ours (`mrl-oracle recover`), is in `rust`.
 * The reopen of an empty log is the one open both can be timed on alike.
 */
export async function openAndRecovery(): Promise<Result[]> {
  const results: Result[] = [];
  await withScratch(async (base) => {
    const fresh: number[] = [];
    const reopen: number[] = [];
    const empty = join(base, "empty");
    await (await MultiRecordLog.open(empty)).close();
    for (let i = -5; i < iterations(200); i++) {
      const dir = join(base, `fresh-${i + 5}`);
      mkdirSync(dir);
      let t = now();
      let log = await MultiRecordLog.open(dir);
      const openedFresh = now() - t;
      await log.close();
      rmSync(dir, { recursive: true, force: true });
      t = now();
      log = await MultiRecordLog.open(empty);
      const reopened = now() - t;
      await log.close();
      if (i >= 0) {
        fresh.push(openedFresh * 1000);
        reopen.push(reopened * 1000);
      }
    }
    results.push(result("w7 open of a fresh directory", "µs", fresh));
    const crate = crateOpenSeconds(empty, 200);
    results.push({
      ...result("w7 reopen of an empty log", "µs", reopen),
      ...(crate !== undefined ? { rust: Math.round(crate * 1e7) / 10 } : {}),
    });
  });
  for (const row of RECOVERY_ROWS) {
    const dir = await recoveryRowLog(row);
    const samples: number[] = [];
    let records = 0;
    for (let it = -1; it < iterations(5); it++) {
      collectGarbage();
      const start = now();
      const log = await MultiRecordLog.open(dir);
      const seconds = (now() - start) / 1000;
      records = 0;
      for (const q of Object.values(log.summary().queues)) {
        if (q.end !== undefined) records += q.end - q.start + 1;
      }
      await log.close();
      if (records === 0) throw new Error(`nothing recovered from ${dir}`);
      if (it >= 0) samples.push(row.mib / seconds);
    }
    const crate = crateOpenSeconds(dir, iterations(5));
    results.push({
      ...result(recoveryRowName(row), "MiB/s", samples, `${records} records`),
      ...(crate !== undefined ? { rust: Math.round((row.mib / crate) * 10) / 10 } : {}),
    });
  }
  return results;
}
