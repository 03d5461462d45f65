/**
 * A fault at every single file-system call of a log's life: the salvage at
 * open, appends that roll to new files (sync of the full file, creation of
 * the next, its preallocation, the directory sync, the close of the full
 * file), garbage collection, and a compaction (temporary file, rename). For
 * each call, in turn, the run is repeated with that call failing. Whatever
 * fails: every rejection is a documented error, the log refuses writes after
 * a failed one (LogFailedError), `close()` releases every handle, no handle
 * is ever closed twice, and reopening (as is, and after a power loss)
 * recovers every acknowledged record, byte for byte.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IoError, LogFailedError, MrlError, MultiRecordLog } from "../../mod.ts";
import { type Fault, MemoryFileSystem } from "../helpers/memory_fs.ts";
import { pseudoRandomBytes } from "../helpers/temp.ts";

const DIR = "/wal";
const FILE_SIZE = 4 * 32768;
const OPS: Fault["op"][] = [
  "open",
  "write",
  "truncate",
  "datasync",
  "syncDir",
  "close",
  "rename",
  "remove",
];

/** The payload of record `position` of `queue` (distinct per record, so a splice shows). */
function payload(queue: string, position: number): Uint8Array {
  return pseudoRandomBytes(queue === "quiet" ? 1000 : 9000, position * 7 + queue.length);
}

/**
 * A log whose queue "quiet" holds 70 records, then block 1 of wal file 0
 * zeroed: replay ends in block 0, and the bytes in block 2 are unread (a
 * writable open salvages them before cutting).
 */
async function damagedLog(): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  const log = await MultiRecordLog.open(DIR, { fs, fileSize: FILE_SIZE });
  await log.createQueue("quiet");
  for (let i = 0; i < 70; i++) await log.appendRecord("quiet", payload("quiet", i));
  await log.close();
  fs.corrupt(`${DIR}/wal-00000000000000000000`, 32768, new Uint8Array(32768));
  return fs;
}

/** Records per queue, as position -> payload. */
type Acked = Map<string, Map<number, Uint8Array>>;

/** What a fault-free open of `fs` reads (the records the run starts from). */
async function recoverable(fs: MemoryFileSystem): Promise<Acked> {
  const log = await MultiRecordLog.open(DIR, { fs, fileSize: FILE_SIZE, readOnly: true });
  const out: Acked = new Map();
  for (const q of log.listQueues()) {
    out.set(q, new Map([...log.range(q)].map((r) => [r.position, r.payload.slice()])));
  }
  await log.close();
  return out;
}

interface Outcome {
  /** Records acknowledged (and not truncated away by a truncation submitted). */
  acked: Acked;
  /** Every record ever submitted, acknowledged or not. */
  tried: Acked;
  /** Rejections seen, in order. */
  errors: unknown[];
  /** What `close()` rejected with, if it did. */
  closeError?: unknown;
}

/**
 * Opens the damaged log under always/fsync, appends 9 KB records to "busy"
 * (rolling to new files), truncates it (garbage collection), compacts (the
 * quiet queue pins wal file 0), appends again, then closes. Stops writing at
 * the first rejection, after checking the next write is refused.
 */
async function run(fs: MemoryFileSystem, start: Acked): Promise<Outcome> {
  const acked: Acked = new Map([...start].map(([q, r]) => [q, new Map(r)]));
  const tried: Acked = new Map([...start].map(([q, r]) => [q, new Map(r)]));
  const errors: unknown[] = [];
  let log: MultiRecordLog;
  try {
    log = await MultiRecordLog.open(DIR, {
      fs,
      fileSize: FILE_SIZE,
      persistPolicy: { kind: "always", action: "fsync" },
      compaction: false,
    });
  } catch (err) {
    errors.push(err);
    return { acked, tried, errors };
  }
  let next = 0;
  const append = async (): Promise<void> => {
    const position = next++;
    const bytes = payload("busy", position);
    tried.get("busy")!.set(position, bytes);
    await log.appendRecord("busy", bytes, { position });
    acked.get("busy")!.set(position, bytes);
  };
  const steps: (() => Promise<unknown>)[] = [
    async () => {
      tried.set("busy", new Map());
      await log.createQueue("busy");
      acked.set("busy", new Map());
    },
    ...Array.from({ length: 30 }, () => append),
    () => {
      // Once submitted, the truncation may take effect even if it is not acknowledged.
      for (const p of acked.get("busy")!.keys()) if (p <= 25) acked.get("busy")!.delete(p);
      return log.truncate("busy", 25);
    },
    () => log.compact(),
    ...Array.from({ length: 5 }, () => append),
  ];
  try {
    for (const step of steps) await step();
  } catch (err) {
    errors.push(err);
    // The log takes no more writes once one failed.
    await append().catch((later) => errors.push(later));
  }
  let closeError: unknown;
  await log.close().catch((err) => closeError = err);
  return { acked, tried, errors, closeError };
}

/** Checks that `fs` opens (no faults) with every acknowledged record, and only submitted ones. */
async function checkRecovers(fs: MemoryFileSystem, outcome: Outcome, what: string): Promise<void> {
  const log = await MultiRecordLog.open(DIR, { fs, fileSize: FILE_SIZE });
  try {
    for (const [queue, records] of outcome.acked) {
      assert.ok(log.queueExists(queue), `${what}: queue ${queue} lost`);
      const found = new Map([...log.range(queue)].map((r) => [r.position, r.payload.slice()]));
      for (const [position, bytes] of records) {
        assert.deepEqual(found.get(position), bytes, `${what}: ${queue} @ ${position} lost`);
      }
      for (const [position, bytes] of found) {
        assert.deepEqual(
          bytes,
          outcome.tried.get(queue)?.get(position),
          `${what}: ${queue} @ ${position}`,
        );
      }
    }
  } finally {
    await log.close();
  }
}

test("step faults: a fault at any call of open (salvage), appends (rolls), garbage collection, compaction and close loses no acknowledged record, closes every handle once, and leaves the log reopenable", async () => {
  const start = await recoverable(await damagedLog());
  assert.equal(start.get("quiet")!.size, 31, "the damage leaves records 0..30");
  // A fault-free run: how many calls of each kind there are to fail, and that it does what it says.
  const clean = await damagedLog();
  const before = new Map(clean.calls);
  const cleanOutcome = await run(clean, start);
  assert.deepEqual(cleanOutcome.errors, []);
  const steps = clean.ops.join("\n");
  assert.match(steps, /^create salvage-wal-00000000000000000000-offset-65536$/m, "salvage");
  assert.match(steps, /^create wal-00000000000000000002$/m, "rolls");
  assert.match(steps, /^rename wal-compaction.tmp wal-\d{20}$/m, "compaction");
  assert.match(steps, /^remove wal-00000000000000000000$/m, "garbage collection");
  let runs = 0;
  for (const op of OPS) {
    const count = (clean.calls.get(op) ?? 0) - (before.get(op) ?? 0);
    assert.ok(count > 0, `no ${op} call to fail`);
    for (let nth = 1; nth <= count; nth++) {
      const what = `${op} #${nth}`;
      const fs = await damagedLog();
      fs.inject({ op, nth, code: "EIO" });
      const outcome = await run(fs, start);
      fs.clearFaults();
      runs++;
      for (const err of outcome.errors) {
        assert.ok(err instanceof MrlError, `${what}: undocumented error ${err}`);
      }
      const [first, second] = outcome.errors;
      if (first instanceof IoError && second !== undefined && second !== first) {
        assert.ok(
          second instanceof LogFailedError || second instanceof IoError,
          `${what}: after a failed write, ${second}`,
        );
      }
      assert.equal(outcome.closeError, undefined, `${what}: close() rejected`);
      assert.equal(fs.doubleCloses, 0, `${what}: a handle closed twice`);
      assert.equal(fs.openHandles, 0, `${what}: a handle left open after close()`);
      await checkRecovers(fs.powerLoss(), outcome, `${what}, after a power loss`);
      await checkRecovers(fs, outcome, what);
    }
  }
  assert.ok(runs > 100, `${runs} runs`);
});
