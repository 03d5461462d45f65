/**
 * I/O faults through the port: each failed call rejects with an error that
 * carries the OS code, nothing it did becomes visible, the log refuses
 * further writes until reopened, and reopening recovers what reached the disk.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IoError, LogFailedError, MultiRecordLog, type PersistPolicy } from "../../mod.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { bytes } from "../helpers/temp.ts";
import { contents } from "../helpers/log.ts";

const DIR = "/wal";
const FILE_SIZE = 32768 * 4;

function open(fs: MemoryFileSystem, persistPolicy?: PersistPolicy): Promise<MultiRecordLog> {
  return MultiRecordLog.open(DIR, { fs, fileSize: FILE_SIZE, persistPolicy });
}

async function withTwoRecords(
  persistPolicy?: PersistPolicy,
): Promise<[MemoryFileSystem, MultiRecordLog]> {
  const fs = new MemoryFileSystem();
  const log = await open(fs, persistPolicy);
  await log.createQueue("q");
  await log.appendRecords("q", [bytes("a"), bytes("b")]);
  return [fs, log];
}

const isIo = (code: string) => (err: unknown) =>
  err instanceof IoError && err.code === "IO_ERROR" && err.osCode === code &&
  /wal-0/.test(err.message);

test("faults: a failed write rejects the append with IoError(EIO); nothing of it is visible", async () => {
  const [fs, log] = await withTwoRecords();
  fs.inject({ op: "write", nth: 1, code: "EIO" });
  await assert.rejects(log.appendRecord("q", bytes("c")), isIo("EIO"));
  assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"]]);
  assert.equal(log.lastPosition("q"), 1);
  await log.close();
});

test("faults: after a failed write the log refuses writes with LogFailedError until reopened", async () => {
  const [fs, log] = await withTwoRecords();
  fs.inject({ op: "write", nth: 1, code: "EIO" });
  await log.appendRecord("q", bytes("c")).catch(() => {});
  const failed = (err: unknown) =>
    err instanceof LogFailedError && err.code === "LOG_FAILED" &&
    (err.cause as IoError).osCode === "EIO";
  await assert.rejects(log.appendRecord("q", bytes("d")), failed);
  await assert.rejects(log.createQueue("other"), failed);
  await assert.rejects(log.truncate("q", 0), failed);
  await assert.rejects(log.persist("fsync"), failed);
  assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"]], "reads still work");
  await log.close();
  const reopened = await open(fs);
  assert.deepEqual(contents(reopened, "q"), [[0, "a"], [1, "b"]]);
  assert.equal((await reopened.appendRecord("q", bytes("c"))).lastPosition, 2);
  await reopened.close();
});

test("faults: appends called together with a failing one all fail; none is visible", async () => {
  const [fs, log] = await withTwoRecords();
  fs.inject({ op: "write", nth: 1, code: "EIO" });
  const results = await Promise.allSettled([
    log.appendRecord("q", bytes("c")),
    log.appendRecord("q", bytes("d")),
  ]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"]]);
  await log.close();
});

test("faults: a failed fdatasync under always/fsync rejects the append; after a power loss only what was synced is there", async () => {
  const [fs, log] = await withTwoRecords({ kind: "always", action: "fsync" });
  fs.inject({ op: "datasync", nth: 1, code: "EIO" });
  await assert.rejects(log.appendRecord("q", bytes("c")), isIo("EIO"));
  assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"]]);
  await log.close();
  const reopened = await open(fs.powerLoss());
  assert.deepEqual(contents(reopened, "q"), [[0, "a"], [1, "b"]]);
  await reopened.close();
});

test("faults: a torn write leaves a partial frame that replay drops; appending then continues", async () => {
  const [fs, log] = await withTwoRecords();
  fs.inject({ op: "write", nth: 1, code: "EIO", tornBytes: 12 });
  await assert.rejects(log.appendRecord("q", bytes("a longer third record")), isIo("EIO"));
  await log.close();
  let reopened = await open(fs);
  assert.deepEqual(contents(reopened, "q"), [[0, "a"], [1, "b"]]);
  assert.deepEqual(reopened.recovery.issues.map((i) => i.reason), ["bad-checksum"]);
  await reopened.appendRecord("q", bytes("c"));
  await reopened.close();
  reopened = await open(fs);
  assert.deepEqual(contents(reopened, "q"), [[0, "a"], [1, "b"], [2, "c"]]);
  await reopened.close();
});

test("faults: a full disk rejects appends with ENOSPC; acknowledged records stay readable; writing resumes after reopening with space", async () => {
  const [fs, log] = await withTwoRecords();
  fs.spaceLeft = 2000;
  const acknowledged: string[] = ["a", "b"];
  let error: unknown;
  for (let i = 0; i < 100 && error === undefined; i++) {
    try {
      await log.appendRecord("q", bytes(`record ${i} `.padEnd(256, "x")));
      acknowledged.push(`record ${i} `.padEnd(256, "x"));
    } catch (err) {
      error = err;
    }
  }
  assert.ok(isIo("ENOSPC")(error), String(error));
  // Each append writes 7 + 11 + 1 + 12 + 256 = 287 new bytes (one writeSync under always/flush):
  // 6 take 1722 of the 2000 bytes, the 7th finds 278 left and fails whole.
  assert.equal(acknowledged.length, 2 + 6);
  assert.deepEqual(contents(log, "q").map(([, t]) => t), acknowledged);
  await log.close();
  fs.spaceLeft = undefined;
  const reopened = await open(fs);
  assert.deepEqual(contents(reopened, "q").map(([, t]) => t), acknowledged);
  assert.equal((await reopened.appendRecord("q", bytes("more"))).lastPosition, acknowledged.length);
  await reopened.close();
});

test("faults: a failed open of a wal file makes open() reject with IoError naming the file", async () => {
  const [fs, log] = await withTwoRecords();
  await log.close();
  fs.inject({ op: "open", nth: 1, code: "EIO" });
  await assert.rejects(open(fs), isIo("EIO"));
  const reopened = await open(fs);
  assert.deepEqual(contents(reopened, "q"), [[0, "a"], [1, "b"]]);
  await reopened.close();
});

test("faults: a failed directory sync when a new file is created fails the append and the log", async () => {
  const [fs, log] = await withTwoRecords();
  fs.inject({ op: "syncDir", nth: 1, code: "EIO" });
  // Bigger than what is left of the first file: needs wal file 1.
  await assert.rejects(
    log.appendRecord("q", new Uint8Array(FILE_SIZE)),
    (err) => err instanceof IoError,
  );
  assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"]]);
  await assert.rejects(log.appendRecord("q", bytes("c")), LogFailedError);
  await log.close();
});

test("faults: a wal file that cannot be deleted does not fail the truncation; the next collection deletes it", async () => {
  const [fs, log] = await withTwoRecords();
  await log.appendRecord("q", new Uint8Array(FILE_SIZE)); // rolls to wal file 1
  assert.deepEqual(fs.files(DIR), ["wal-00000000000000000000", "wal-00000000000000000001"]);
  fs.inject({ op: "remove", nth: 1, code: "EIO" });
  assert.equal((await log.truncate("q", 2)).evictedRecords, 3);
  assert.deepEqual(fs.files(DIR).length, 2);
  assert.equal((await log.truncate("q", 2)).evictedRecords, 0);
  assert.deepEqual(fs.files(DIR), ["wal-00000000000000000001"]);
  await log.appendRecord("q", bytes("still writable"));
  await log.close();
});

test("faults: a failed fdatasync while collecting garbage fails the log, not the truncation that triggered it", async () => {
  const [fs, log] = await withTwoRecords();
  await log.appendRecord("q", new Uint8Array(FILE_SIZE));
  fs.inject({ op: "datasync", nth: 1, code: "EIO" });
  assert.equal((await log.truncate("q", 2)).evictedRecords, 3);
  await assert.rejects(log.appendRecord("q", bytes("c")), LogFailedError);
  await log.close();
  const reopened = await open(fs);
  assert.deepEqual(contents(reopened, "q"), []);
  assert.equal(reopened.lastPosition("q"), 2);
  await reopened.close();
});

test("faults: a failed write rejects the truncation with IoError; the records are still there", async () => {
  const [fs, log] = await withTwoRecords();
  fs.inject({ op: "write", nth: 1, code: "ENOSPC" });
  await assert.rejects(log.truncate("q", 0), isIo("ENOSPC"));
  assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"]]);
  await assert.rejects(log.truncate("q", 0), LogFailedError);
  await log.close();
});

test("faults: a failed write rejects the deletion with IoError; the queue still exists", async () => {
  const [fs, log] = await withTwoRecords();
  fs.inject({ op: "write", nth: 1, code: "EIO" });
  await assert.rejects(log.deleteQueue("q"), isIo("EIO"));
  assert.equal(log.queueExists("q"), true);
  assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"]]);
  await log.close();
  const reopened = await open(fs);
  assert.deepEqual(contents(reopened, "q"), [[0, "a"], [1, "b"]]);
  await reopened.close();
});

test("faults: a failed write rejects the queue creation with IoError; the queue does not exist", async () => {
  const [fs, log] = await withTwoRecords();
  fs.inject({ op: "write", nth: 1, code: "EIO" });
  await assert.rejects(log.createQueue("new"), isIo("EIO"));
  assert.equal(log.queueExists("new"), false);
  await log.close();
});

test("faults: a writable open that fails while cutting the dropped tail (at the extension back to full size) leaves the file whole blocks long, and every record before the cut is read back", async () => {
  const fs = new MemoryFileSystem();
  const log = await open(fs);
  await log.createQueue("q");
  for (let i = 0; i < 40; i++) await log.appendRecord("q", new Uint8Array(1000).fill(i));
  await log.close();
  // Block 1 zeroed: replay ends in block 0, inside a record whose later frames were there.
  fs.corrupt(`${DIR}/wal-00000000000000000000`, 32768, new Uint8Array(32768));
  const before = await MultiRecordLog.open(DIR, { fs, fileSize: FILE_SIZE, readOnly: true });
  const kept = contents(before, "q");
  await before.close();
  assert.equal(kept.length, 31);
  // The open's cut: zeros over the rest of the resume block, a cut at its end, the extension (2nd).
  fs.inject({ op: "truncate", nth: 2, code: "EIO" });
  await assert.rejects(open(fs), isIo("EIO"));
  fs.clearFaults();
  assert.equal(fs.bytes(`${DIR}/wal-00000000000000000000`).length % 32768, 0);
  const after = await open(fs);
  assert.deepEqual(contents(after, "q"), kept);
  await after.close();
});
