/** Reopening after damage: corruption loses only the records it touches, and writing resumes safely. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { open as openFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CorruptLogError, MultiRecordLog } from "../../mod.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import { FrameWriter } from "../../src/format/frame_writer.ts";
import { writeControlRecord } from "../../src/format/record.ts";
import { RECORD_POSITION } from "../../src/format/constants.ts";
import { tempDir } from "../helpers/temp.ts";

const WAL0 = "wal-00000000000000000000";

/** 8-byte payload holding the position, big-endian. */
function positionPayload(position: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(position));
  return out;
}

async function overwrite(path: string, offset: number, data: Uint8Array): Promise<void> {
  const file = await openFile(path, "r+");
  try {
    await file.write(data, 0, data.length, offset);
  } finally {
    await file.close();
  }
}

async function writeRecords(dir: string, count: number): Promise<number> {
  const log = await MultiRecordLog.open(dir, { persistPolicy: { kind: "never" } });
  await log.createQueue("q");
  for (let i = 0; i < count; i++) await log.appendRecord("q", positionPayload(i));
  await log.close();
  // End of the data: each record takes 7 + 11 + 1 + 12 + 8 = 39 bytes; "create" takes 19.
  return 19 + 39 * count;
}

test("recovery: 36 bytes overwritten in the middle lose only the records they touch", async () => {
  const dir = await tempDir();
  try {
    await writeRecords(dir.path, 8192);
    await overwrite(join(dir.path, WAL0), 10240, new Uint8Array(36).fill(0x5a));
    const log = await MultiRecordLog.open(dir.path);
    const records = [...log.range("q")];
    assert.ok(records.length > 4096, `only ${records.length} records came back`);
    assert.ok(records.length < 8192, "the damaged records are gone");
    for (const r of records) assert.deepEqual(r.payload, positionPayload(r.position));
    assert.equal(records.at(-1)!.position, 8191);
    assert.ok(log.recovery.issueCount > 0);
    assert.equal(log.recovery.issues[0].file, WAL0);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("recovery: a flipped payload byte drops exactly that record and reports a bad checksum", async () => {
  const dir = await tempDir();
  try {
    await writeRecords(dir.path, 100);
    // Record 10 starts at 19 + 39 * 10; its payload is the last 8 bytes.
    const at = 19 + 39 * 10 + 31 + 3;
    const wal = join(dir.path, WAL0);
    const data = await readFile(wal);
    await overwrite(wal, at, new Uint8Array([data[at] ^ 0xff]));
    const log = await MultiRecordLog.open(dir.path);
    const positions = [...log.range("q")].map((r) => r.position);
    assert.deepEqual(positions, [...Array(100).keys()].filter((p) => p !== 10));
    assert.deepEqual(log.recovery.issues, [{
      file: WAL0,
      offset: 19 + 39 * 10,
      reason: "bad-checksum",
    }]);
    assert.deepEqual(log.recovery.byFile, { [WAL0]: { "bad-checksum": 1 } });
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("recovery: a torn frame at the end loses nothing acknowledged, and later writes are read back", async () => {
  const dir = await tempDir();
  try {
    const end = await writeRecords(dir.path, 50);
    // A header promising 100 bytes of which only 50 were written.
    const torn = new Uint8Array(7 + 50).fill(0x33);
    torn.set([1, 2, 3, 4, 100, 0, 1]);
    await overwrite(join(dir.path, WAL0), end, torn);
    let log = await MultiRecordLog.open(dir.path);
    assert.equal([...log.range("q")].length, 50);
    assert.deepEqual(log.recovery.issues.map((i) => i.reason), ["bad-checksum"]);
    await log.appendRecord("q", positionPayload(50));
    await log.close();
    log = await MultiRecordLog.open(dir.path);
    const records = [...log.range("q")];
    assert.deepEqual(records.map((r) => r.position), [...Array(51).keys()]);
    for (const r of records) assert.deepEqual(r.payload, positionPayload(r.position));
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("recovery: after a damaged last block, writing resumes at the next block so new records are readable", async () => {
  const dir = await tempDir();
  try {
    const end = await writeRecords(dir.path, 20);
    // A frame header whose length crosses the block end: the reader skips the rest of this block.
    await overwrite(join(dir.path, WAL0), end, new Uint8Array([9, 9, 9, 9, 0xff, 0xff, 1]));
    let log = await MultiRecordLog.open(dir.path);
    assert.deepEqual(log.recovery.issues.map((i) => i.reason), ["bad-frame"]);
    await log.appendRecord("q", positionPayload(20));
    await log.close();
    log = await MultiRecordLog.open(dir.path);
    assert.deepEqual([...log.range("q")].map((r) => r.position), [...Array(21).keys()]);
    await log.close();
    const data = await readFile(join(dir.path, WAL0));
    assert.equal(data[32768 + 6], 1, "the new record starts the second block with a FULL frame");
  } finally {
    await dir.cleanup();
  }
});

test("recovery: stale bytes past the point where writing resumes can never be read back", async () => {
  const dir = await tempDir();
  try {
    const end = await writeRecords(dir.path, 10);
    // Simulate a crash that lost one record's bytes (zeros) but left a later, stale record intact.
    const wal = join(dir.path, WAL0);
    const data = new Uint8Array(await readFile(wal));
    const stale = data.slice(19 + 39 * 9, end); // record 9
    data.fill(0, 19 + 39 * 9, end);
    data.set(stale, end + 39 * 5); // a valid frame further on, past the zeros
    await writeFile(wal, data);
    let log = await MultiRecordLog.open(dir.path);
    assert.equal(log.lastPosition("q"), 8);
    await log.appendRecord("q", positionPayload(9));
    await log.close();
    log = await MultiRecordLog.open(dir.path);
    assert.deepEqual([...log.range("q")].map((r) => r.position), [...Array(10).keys()]);
    assert.deepEqual(log.recovery.issues, []);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("recovery: a clean log reports no issues and counts what it replayed", async () => {
  const dir = await tempDir();
  try {
    await writeRecords(dir.path, 10);
    const log = await MultiRecordLog.open(dir.path);
    assert.deepEqual(log.recovery, {
      filesRead: 1,
      recordsReplayed: 11,
      issues: [],
      issueCount: 0,
      byFile: {},
    });
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("recovery: a position above Number.MAX_SAFE_INTEGER on disk fails open with CorruptLogError naming the queue", async () => {
  const dir = await tempDir();
  try {
    // A RecordPosition for queue "huge" at 2^60, written with the codec into an otherwise empty wal file.
    const crc = await loadCrc32();
    const block = new Uint8Array(32768);
    let at = 0;
    const sink = {
      get buffer() {
        return block;
      },
      spaceInBlock: () => 32768 - at,
      reserve: (n: number) => {
        const start = at;
        at += n;
        return start;
      },
    };
    const frames = new FrameWriter(sink, crc);
    writeControlRecord(frames, RECORD_POSITION, new TextEncoder().encode("huge"), 1);
    block[7 + 1 + 7] = 0x10; // high byte of the u64 position: 2^60 + 1
    const crcValue = crc(block, 6, at);
    new DataView(block.buffer).setUint32(0, crcValue, true);
    await writeFile(join(dir.path, WAL0), block);
    const err = await MultiRecordLog.open(dir.path).catch((e) => e);
    assert.ok(err instanceof CorruptLogError, String(err));
    assert.equal(err.code, "CORRUPT_LOG");
    assert.equal(err.file, WAL0);
    assert.match(err.message, /"huge"/);
  } finally {
    await dir.cleanup();
  }
});
