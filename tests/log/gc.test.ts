/** Deleting wal files no queue needs (file GC), and positions surviving it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog } from "../../mod.ts";
import { pseudoRandomBytes, tempDir } from "../helpers/temp.ts";
import { walFiles } from "../helpers/log.ts";

const TWO_BLOCKS = 2 * 32768;
const F = (n: number) => `wal-${String(n).padStart(20, "0")}`;

/**
 * Files of two blocks. "create a" takes 19 bytes; a record with payload P
 * takes 31 + P bytes (frame 7, record header 11, name 1, item header 12).
 * Records 0..4 fill whole blocks: 0 ends block 0, 1 ends block 1 (file 0
 * full), 2 is block 0 of file 1 but, as in the Rust crate, counts as written
 * in file 0 (the current file when it was appended: rolling is lazy),
 * 3 is in file 1, 4 is block 0 of file 2 and counts for file 1.
 */
async function fiveBlockRecords(dir: string): Promise<MultiRecordLog> {
  const log = await MultiRecordLog.open(dir, { fileSize: TWO_BLOCKS });
  await log.createQueue("a");
  await log.appendRecord("a", pseudoRandomBytes(32768 - 19 - 31, 0));
  for (let i = 1; i <= 4; i++) await log.appendRecord("a", pseudoRandomBytes(32768 - 31, i));
  return log;
}

test("gc: files are kept while a retained record was written in them", async () => {
  const dir = await tempDir();
  try {
    const log = await fiveBlockRecords(dir.path);
    assert.deepEqual(await walFiles(dir.path), [F(0), F(1), F(2)]);
    assert.deepEqual(log.summary().queues.a, { start: 0, end: 4, fileNumber: 0 });
    await log.truncate("a", 1); // record 2 still counts for file 0
    assert.deepEqual(await walFiles(dir.path), [F(0), F(1), F(2)]);
    assert.deepEqual(log.summary().queues.a, { start: 2, end: 4, fileNumber: 0 });
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("gc: a file is deleted as soon as no retained record was written in it", async () => {
  const dir = await tempDir();
  try {
    const log = await fiveBlockRecords(dir.path);
    await log.truncate("a", 2);
    assert.deepEqual(await walFiles(dir.path), [F(1), F(2)]);
    assert.deepEqual(log.summary().queues.a, { start: 3, end: 4, fileNumber: 1 });
    assert.equal(log.resourceUsage().diskUsedBytes, 2 * TWO_BLOCKS);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("gc: the file being written is never deleted, even when nothing is retained", async () => {
  const dir = await tempDir();
  try {
    const log = await fiveBlockRecords(dir.path);
    await log.truncate("a", 4);
    assert.deepEqual(await walFiles(dir.path), [F(2)]);
    assert.deepEqual(log.summary().queues.a, { start: 5, end: undefined, fileNumber: undefined });
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("gc: an emptied queue keeps its next position across the deletion and a reopen", async () => {
  const dir = await tempDir();
  try {
    const log = await fiveBlockRecords(dir.path);
    await log.createQueue("never-used");
    await log.truncate("a", 4);
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: TWO_BLOCKS });
    assert.deepEqual(reopened.listQueues().sort(), ["a", "never-used"]);
    assert.equal(reopened.lastPosition("a"), 4);
    assert.equal((await reopened.appendRecord("a", new Uint8Array([9]))).lastPosition, 5);
    assert.equal(reopened.lastPosition("never-used"), undefined);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("gc: truncating one queue does not delete files another queue still needs", async () => {
  const dir = await tempDir();
  try {
    const log = await fiveBlockRecords(dir.path);
    await log.createQueue("b");
    await log.appendRecord("b", new Uint8Array([1])); // written in file 2
    await log.truncate("a", 4);
    assert.deepEqual(await walFiles(dir.path), [F(2)]);
    for (let i = 0; i < 4; i++) await log.appendRecord("a", pseudoRandomBytes(32768 - 31, 10 + i));
    const files = await walFiles(dir.path);
    assert.deepEqual(files, [F(2), F(3), F(4)]);
    await log.truncate("a", 100);
    assert.deepEqual(
      await walFiles(dir.path),
      [F(2), F(3), F(4)],
      "b's record pins file 2 and so later ones",
    );
    await log.truncate("b", 0);
    assert.deepEqual(await walFiles(dir.path), [F(4)]);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("gc: deleting a queue deletes the files only it needed", async () => {
  const dir = await tempDir();
  try {
    const log = await fiveBlockRecords(dir.path);
    await log.deleteQueue("a");
    assert.deepEqual(await walFiles(dir.path), [F(2)]);
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: TWO_BLOCKS });
    assert.deepEqual(reopened.listQueues(), []);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("gc: a queue's records survive many rolls and deletions, each with its payload intact", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: TWO_BLOCKS, compaction: false });
    await log.createQueue("stream");
    await log.createQueue("slow"); // pins file 0 until its truncation (compaction off: GC alone)
    await log.appendRecord("slow", pseudoRandomBytes(100, 999));
    for (let i = 0; i < 200; i++) {
      await log.appendRecord("stream", pseudoRandomBytes(3000, i));
      if (i % 10 === 9) await log.truncate("stream", i - 5);
    }
    await log.truncate("slow", 0); // the last truncation in the loop kept 195..199
    // 24 + 22 + 134 bytes, then 3036 a stream record (and 24 a truncation): record 195 starts
    // at about 592,800 and the last byte is at about 608,000, both in file 9 (589,824 to 655,360).
    assert.deepEqual(await walFiles(dir.path), [F(9)], "only the file being written remains");
    assert.deepEqual(log.summary().queues.stream, { start: 195, end: 199, fileNumber: 9 });
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: TWO_BLOCKS });
    const records = [...reopened.range("stream")];
    assert.deepEqual(records.map((r) => r.position), [195, 196, 197, 198, 199]);
    for (const r of records) assert.deepEqual(r.payload, pseudoRandomBytes(3000, r.position));
    assert.equal(reopened.lastPosition("slow"), 0);
    assert.deepEqual(reopened.recovery.issues, [], "a record cut by file deletion is no damage");
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});
