/**
 * Disk mode (`payloads: "disk"`) on a large log: figures, not a test.
 *
 *   deno run -A bench/disk_mode.ts [DIR] [--gib 4] [--big 0]
 *   bun bench/disk_mode.ts ...
 *   node npm/bench/disk_mode.js ...        (after deno task build:npm)
 *
 * Part one (a log of `--gib` GiB of 1 KiB records in 4 queues, built in
 * DIR, default $TMPDIR/mrl-disk-bench, and kept for the next run):
 * `mrl verify` on it, run by the same runtime; the disk-mode open in a
 * fresh process (time, and resident memory it added); a scan of every record
 * and random point reads, their bytes checked; and appends of 64 MiB in
 * 1 KiB records, 64 per append, in disk mode and in memory mode alternately
 * (fresh directories, open included).
 *
 * Part two, with `--big N`: writes N GiB of 4 KiB records in one queue
 * while a follower reads 10 records and truncates behind itself every 32
 * appends (a slow consumer: it falls behind), then closes, reopens in disk
 * mode and reads the rest; prints the peak resident memory (VmHWM). Run it
 * under a memory cap to show the bound, e.g. as root with cgroup v1:
 *   mkdir /sys/fs/cgroup/memory/mrl && echo 1G > /sys/fs/cgroup/memory/mrl/memory.limit_in_bytes
 *   sh -c 'echo $$ > /sys/fs/cgroup/memory/mrl/cgroup.procs && exec deno run -A bench/disk_mode.ts --gib 0 --big 48'
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { MultiRecordLog, type OpenOptions } from "../mod.ts";
import { RUNTIME } from "./harness.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    gib: { type: "string", default: "4" },
    big: { type: "string", default: "0" },
    "measure-open": { type: "boolean", default: false },
  },
  allowPositionals: true,
});
const dir = positionals[0] ?? join(tmpdir(), "mrl-disk-bench");
const root = new URL("..", import.meta.url).pathname;

/** Peak resident memory of this process (VmHWM), MiB; the current RSS where /proc is missing. */
function peakRss(): number {
  try {
    const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) =>
      l.startsWith("VmHWM:")
    );
    if (line !== undefined) return Number(line.split(/\s+/)[1]) / 1024;
  } catch { /* not Linux */ }
  return process.memoryUsage().rss / MiB;
}

const rss = () => process.memoryUsage().rss / MiB;
/** Every record of part one's log. */
const RECORD = new Uint8Array(1024).map((_, i) => i * 7);
/** Whether `payload` is RECORD: every byte for point reads; length and five bytes in scans. */
function isRecord(payload: Uint8Array, whole: boolean): boolean {
  if (payload.length !== RECORD.length) return false;
  if (whole) return payload.every((b, i) => b === RECORD[i]);
  return [0, 1, 511, 1022, 1023].every((i) => payload[i] === RECORD[i]);
}
const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Builds `bytes` of 1 KiB records in 4 queues, 64 per append, round-robin. */
async function build(path: string, bytes: number): Promise<number> {
  mkdirSync(path, { recursive: true });
  const log = await MultiRecordLog.open(path, {
    payloads: "disk",
    persistPolicy: { kind: "never" },
    compaction: false,
  });
  const batch = Array.from({ length: 64 }, () => RECORD);
  for (let q = 0; q < 4; q++) await log.createQueue(`queue-${q}`);
  const t0 = performance.now();
  for (let i = 0; i < bytes / (64 * 1024); i++) await log.appendRecords(`queue-${i % 4}`, batch);
  await log.close();
  return bytes / MiB / seconds(t0);
}

/** How this runtime runs `script` (a path). */
function runCommand(script: string): string[] {
  return RUNTIME === "deno" ? [process.execPath, "run", "-A", script] : [process.execPath, script];
}

/** `mrl verify DIR` run by this runtime, in seconds. */
function verifySeconds(path: string): number | string {
  // On Node this file runs from the npm build, whose root holds src/cli/bin.js.
  const bin = join(root, RUNTIME === "node" ? "src/cli/bin.js" : "src/cli/bin.ts");
  const command = runCommand(bin);
  const t0 = performance.now();
  const run = spawnSync(command[0], [...command.slice(1), "verify", path], { stdio: "ignore" });
  return run.status === 0 ? seconds(t0) : `failed (exit ${run.status})`;
}

/** What a disk-mode open of `path` takes, in a fresh process (this script with --measure-open). */
interface OpenFigures {
  seconds: number;
  /** Resident memory the open added, and the memory the log says it holds (the index). */
  addedMiB: number;
  allocatedMiB: number;
}

function measureOpenInChild(path: string): OpenFigures {
  const command = runCommand(new URL(import.meta.url).pathname);
  const run = spawnSync(command[0], [...command.slice(1), "--measure-open", path], {
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`--measure-open failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as OpenFigures;
}

async function measureOpen(path: string): Promise<void> {
  // The library's own start-up (modules, SQLite) is not the open's: an empty log first.
  const warm = mkdtempSync(join(tmpdir(), "mrl-disk-warm-"));
  await (await MultiRecordLog.open(warm)).close();
  rmSync(warm, { recursive: true, force: true });
  const before = rss();
  const t0 = performance.now();
  const log = await MultiRecordLog.open(path, { payloads: "disk" });
  const figures: OpenFigures = {
    seconds: seconds(t0),
    addedMiB: rss() - before,
    allocatedMiB: log.resourceUsage().memoryAllocatedBytes / MiB,
  };
  await log.close();
  console.log(JSON.stringify(figures));
}

async function partOne(gib: number): Promise<void> {
  const bytes = gib * GiB;
  if (!existsSync(join(dir, "wal-00000000000000000000"))) {
    console.log(`building ${gib} GiB of 1 KiB records in ${dir} ...`);
    console.log(`  written in disk mode at ${(await build(dir, bytes)).toFixed(0)} MiB/s`);
  }
  const verify = verifySeconds(dir);
  const opened = measureOpenInChild(dir);
  const log = await MultiRecordLog.open(dir, { payloads: "disk" });
  let t0 = performance.now();
  let records = 0;
  let read = 0;
  let wrong = 0;
  for (const queue of log.listQueues()) {
    for (const r of log.range(queue)) {
      records++;
      read += r.payload.length;
      if (!isRecord(r.payload, false)) wrong++;
    }
  }
  const scan = read / MiB / seconds(t0);
  const queues = log.listQueues();
  const points = 20_000;
  t0 = performance.now();
  let found = 0;
  for (let i = 0; i < points; i++) {
    const queue = queues[i % queues.length];
    const position = Math.floor(Math.random() * (log.lastPosition(queue)! + 1));
    for (const r of log.range(queue, { start: position, end: position + 1 })) {
      found++;
      if (!isRecord(r.payload, true)) wrong++;
    }
  }
  const point = seconds(t0) / points * 1e6;
  await log.close();
  const verifyText = typeof verify === "number" ? `${verify.toFixed(2)} s` : verify;
  const open = opened.seconds;
  const ratio = typeof verify === "number" ? ` (${(open / verify).toFixed(2)}x verify)` : "";
  console.log(`${RUNTIME}: log of ${(read / GiB).toFixed(2)} GiB, ${records} records`);
  console.log(
    `  mrl verify: ${verifyText}; disk-mode open in a fresh process: ${open.toFixed(2)} s${ratio}`,
  );
  console.log(
    `  resident memory the open added: ${opened.addedMiB.toFixed(0)} MiB ` +
      `(${(opened.addedMiB * MiB / read * 100).toFixed(1)}% of the log); the log's own count: ` +
      `${opened.allocatedMiB.toFixed(0)} MiB`,
  );
  console.log(`  scan: ${scan.toFixed(0)} MiB/s; random point reads: ${point.toFixed(1)} µs each`);
  console.log(
    `  bytes checked: ${records} records scanned, ${found} of ${points} point reads found, ` +
      `${wrong} wrong`,
  );
  await appendsBothModes();
}

/** 64 MiB of 1 KiB records, 64 per append, open included; disk and memory mode alternately. */
async function appendsBothModes(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), "mrl-disk-appends-"));
  const record = new Uint8Array(1024);
  const batch = Array.from({ length: 64 }, () => record);
  const times: Record<"disk" | "memory", number[]> = { disk: [], memory: [] };
  try {
    for (let it = 0; it < 6; it++) {
      const order: ("disk" | "memory")[] = it % 2 === 0 ? ["disk", "memory"] : ["memory", "disk"];
      for (const payloads of order) {
        const path = join(base, `${payloads}-${it}`);
        const options: OpenOptions = { payloads };
        const t0 = performance.now();
        const log = await MultiRecordLog.open(path, options);
        await log.createQueue("q");
        for (let i = 0; i < 1024; i++) await log.appendRecords("q", batch);
        times[payloads].push(seconds(t0));
        await log.close();
        rmSync(path, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
  const disk = 64 / median(times.disk);
  const memory = 64 / median(times.memory);
  console.log(
    `  appends (1 KiB x64, 64 MiB, median of 6): disk ${disk.toFixed(0)} MiB/s, ` +
      `memory ${memory.toFixed(0)} MiB/s (disk ÷ memory ${(disk / memory).toFixed(2)})`,
  );
}

/** Part two: a log of `gib` GiB with a slow follower, truncated behind it, then reopened. */
async function partTwo(gib: number): Promise<void> {
  const path = mkdtempSync(join(tmpdir(), "mrl-disk-big-"));
  try {
    const log = await MultiRecordLog.open(path, { payloads: "disk", compaction: false });
    await log.createQueue("q");
    const record = new Uint8Array(4096).fill(1);
    const batch = Array.from({ length: 64 }, () => record);
    const appends = Math.floor(gib * GiB / (64 * 4096));
    const following = log.follow("q");
    let consumed = -1;
    const t0 = performance.now();
    for (let i = 0; i < appends; i++) {
      await log.appendRecords("q", batch);
      if (i % 32 === 31) {
        for (let k = 0; k < 10; k++) consumed = (await following.next()).value!.position;
        await log.truncate("q", consumed);
      }
    }
    await following.return?.();
    const written = seconds(t0);
    const behind = log.lastPosition("q")! - consumed;
    await log.close();
    const t1 = performance.now();
    const reopened = await MultiRecordLog.open(path, { payloads: "disk" });
    const open = seconds(t1);
    let left = 0;
    for (const r of reopened.range("q")) left += r.payload.length;
    await reopened.close();
    console.log(
      `${RUNTIME}: wrote ${gib} GiB in ${written.toFixed(1)} s ` +
        `(${(gib * 1024 / written).toFixed(0)} MiB/s) with a follower ${behind} records behind; ` +
        `reopened in ${open.toFixed(2)} s and read the ${(left / GiB).toFixed(2)} GiB left; ` +
        `peak resident memory ${peakRss().toFixed(0)} MiB`,
    );
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

const gib = Number(values.gib);
if (values["measure-open"]) await measureOpen(dir);
else if (gib > 0) await partOne(gib);
const big = Number(values.big);
if (big > 0 && !values["measure-open"]) await partTwo(big);
