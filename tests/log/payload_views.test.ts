/**
 * Payloads handed out by reads are views of the log's memory, not copies.
 * Writing into one is against the contract; what it does is documented
 * (README, "Reading"; `range()` and `lastRecord()`), and pinned here: the
 * record changes in this process at once, the wal file keeps the appended
 * bytes, and a compaction that relocates the record persists the changed
 * bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog } from "../../mod.ts";
import { bytes, pseudoRandomBytes, tempDir, text } from "../helpers/temp.ts";

const FILE_SIZE = 32768 * 2;

/**
 * A writer (left open, compaction by hand) on `dir`: "quiet" holds
 * "original" in file 0, "busy" filled files 0 to 4 and keeps only its last
 * record, so compact() relocates "quiet" and frees the old files.
 */
async function logToCompact(dir: string): Promise<MultiRecordLog> {
  const log = await MultiRecordLog.open(dir, { fileSize: FILE_SIZE, compaction: false });
  await log.createQueue("quiet");
  await log.createQueue("busy");
  await log.appendRecord("quiet", bytes("original"));
  for (let i = 0; i < 15; i++) await log.appendRecord("busy", pseudoRandomBytes(20_000, i + 1));
  await log.truncate("busy", 13);
  return log;
}

/** The payloads of `queue` in the log at `dir` as a fresh read-only open replays them. */
async function onDisk(dir: string, queue: string): Promise<string[]> {
  const reader = await MultiRecordLog.open(dir, { fileSize: FILE_SIZE, readOnly: true });
  try {
    return [...reader.range(queue)].map((r) => text(r.payload));
  } finally {
    await reader.close();
  }
}

test("payload views: writing into one changes the record this process reads (range, lastRecord); the wal file keeps the appended bytes", async () => {
  const dir = await tempDir();
  try {
    const log = await logToCompact(dir.path);
    try {
      const view = [...log.range("quiet")][0].payload;
      view[0] = "X".charCodeAt(0);
      assert.equal(text([...log.range("quiet")][0].payload), "Xriginal");
      assert.equal(text(log.lastRecord("quiet")!.payload), "Xriginal");
      assert.deepEqual(await onDisk(dir.path, "quiet"), ["original"]);
    } finally {
      await log.close();
    }
    assert.deepEqual(await onDisk(dir.path, "quiet"), ["original"]);
  } finally {
    await dir.cleanup();
  }
});

test("payload views: a compaction that relocates a record written into persists the changed bytes (a valid record: reopens return them)", async () => {
  const dir = await tempDir();
  try {
    const log = await logToCompact(dir.path);
    try {
      log.lastRecord("quiet")!.payload[0] = "X".charCodeAt(0);
      const outcome = await log.compact();
      assert.equal(outcome.recordsRelocated, 1);
    } finally {
      await log.close();
    }
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: FILE_SIZE, readOnly: true });
    try {
      assert.deepEqual([...reopened.range("quiet")].map((r) => text(r.payload)), ["Xriginal"]);
      assert.deepEqual(reopened.recovery.issues, []);
    } finally {
      await reopened.close();
    }
  } finally {
    await dir.cleanup();
  }
});
