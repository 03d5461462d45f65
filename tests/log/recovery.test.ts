/** Reopening after damage: corruption loses only the records it touches, and writing resumes safely. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  open as openFile,
  readdir,
  readFile,
  rename,
  rm,
  truncate,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { CorruptLogError, IoError, type LogReader, MultiRecordLog } from "../../mod.ts";
import { tempDir } from "../helpers/temp.ts";
import { recordEnd, walFiles, writeAcrossThreeFiles } from "../helpers/log.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { runMrl } from "../helpers/cli.ts";

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

/** Cuts a file to `length` bytes. */
function cut(path: string, length: number): Promise<void> {
  return truncate(path, length);
}

/** Every file of a directory with its bytes. */
async function snapshot(dir: string): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = new Uint8Array(await readFile(join(dir, name)));
  }
  return out;
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
    // Records take 39 bytes after the 19 of "create": record 262 spans [10237, 10276), so the
    // 36 bytes [10240, 10276) are all its own, from the last CRC byte on. Its header then
    // promises 0x5a5a bytes, past the block end: the rest of block 0 is dropped (records
    // 262..838, and the FIRST frame of 839, which block 0 ends with), and so is the LAST frame
    // of 839 that starts block 1. Records 840.. are in later blocks, untouched.
    await overwrite(join(dir.path, WAL0), 10240, new Uint8Array(36).fill(0x5a));
    const log = await MultiRecordLog.open(dir.path);
    const records = [...log.range("q")];
    assert.deepEqual(
      records.map((r) => r.position),
      [...Array(8192).keys()].filter((p) => p < 262 || p > 839),
    );
    assert.equal(records.length, 8192 - 578);
    for (const r of records) assert.deepEqual(r.payload, positionPayload(r.position));
    assert.deepEqual(log.recovery.issues, [
      { file: WAL0, offset: 19 + 39 * 262, reason: "bad-frame" },
      { file: WAL0, offset: 32768, reason: "orphan-frame" },
    ]);
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

test("recovery: a bad frame header ending the log is cut (kept in a salvage file): writing resumes in its place, and reopening reports nothing", async () => {
  const dir = await tempDir();
  try {
    const end = await writeRecords(dir.path, 20);
    // A frame header whose length crosses the block end: the reader skips the rest of this block.
    const header = new Uint8Array([9, 9, 9, 9, 0xff, 0xff, 1]);
    await overwrite(join(dir.path, WAL0), end, header);
    let log = await MultiRecordLog.open(dir.path);
    assert.deepEqual(log.recovery.issues, [{ file: WAL0, offset: end, reason: "bad-frame" }]);
    const salvage = `salvage-wal-00000000000000000000-offset-${end}`;
    assert.deepEqual(log.recovery.droppedTail, {
      file: WAL0,
      offset: end,
      bytes: 32768 - end, // the rest of the block the reader skipped
      salvageFiles: [salvage],
    });
    const kept = new Uint8Array(await readFile(join(dir.path, salvage)));
    assert.deepEqual(kept.subarray(0, 7), header);
    assert.equal(kept.length, 32768 - end);
    await log.appendRecord("q", positionPayload(20));
    await log.close();
    log = await MultiRecordLog.open(dir.path);
    assert.deepEqual([...log.range("q")].map((r) => r.position), [...Array(21).keys()]);
    assert.deepEqual([log.recovery.issues, log.recovery.droppedTail], [[], undefined]);
    await log.close();
    const data = await readFile(join(dir.path, WAL0));
    assert.equal(data[end + 6], 1, "the new record is a FULL frame where the bad header was");
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
      walRecordsReplayed: 11,
      payloadRecordsReplayed: 10,
      issues: [],
      issueCount: 0,
      byFile: {},
    });
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

// Damage that ends the log early (a zeroed block or frame header, a file cut inside a block):
// reported as damage, kept in salvage files by a writable open, never replayed.

const FOUR_BLOCKS = 4 * 32768;
const WAL1 = "wal-00000000000000000001";
const WAL2 = "wal-00000000000000000002";
const WAL3 = "wal-00000000000000000003";
const WAL4 = "wal-00000000000000000004";
const WAL5 = "wal-00000000000000000005";

/** A 1000-byte payload: the position (u32, big-endian), then "a"s (so the data ends on a non-zero byte). */
function kilobytePayload(position: number): Uint8Array {
  const out = new Uint8Array(1000).fill(0x61);
  new DataView(out.buffer).setUint32(0, position);
  return out;
}

/**
 * 300 records of 1000 bytes in files of 4 blocks: each record takes 1031 bytes (a record
 * split across blocks 7 more), so file 0 holds records 0..126, file 1 127..253, file 2 the
 * rest (47238 bytes). Block 0 of file 0 holds "create" and records 0..30 whole.
 */
async function write300(dir: string): Promise<void> {
  const log = await MultiRecordLog.open(dir, {
    fileSize: FOUR_BLOCKS,
    persistPolicy: { kind: "never" },
  });
  await log.createQueue("q");
  for (let i = 0; i < 300; i++) await log.appendRecord("q", kilobytePayload(i));
  await log.close();
}

/** The records of queue "q" as [position, payload] pairs. */
function records(log: LogReader): [number, Uint8Array][] {
  return [...log.range("q")].map((r) => [r.position, r.payload.slice()]);
}

/** Names of the salvage files in a directory, sorted. */
/** 300 kilobyte records in 4-block files on an in-memory file system, then block 1 of wal 0 zeroed. */
async function zeroedBlockInMemory(): Promise<{ fs: MemoryFileSystem; dirPath: string }> {
  const fs = new MemoryFileSystem();
  const dirPath = "/wal";
  const log = await MultiRecordLog.open(dirPath, { fs, fileSize: FOUR_BLOCKS });
  await log.createQueue("q");
  for (let i = 0; i < 300; i++) await log.appendRecord("q", kilobytePayload(i));
  await log.close();
  fs.corrupt(`${dirPath}/${WAL0}`, 32768, new Uint8Array(32768));
  return { fs, dirPath };
}

async function salvageFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.startsWith("salvage-")).sort();
}

/** The unread-bytes entries a zeroed block 1 of file 0 gives, for the 300-record log. */
const ZEROED_BLOCK_ISSUES = [
  // Blocks 2 and 3 of file 0: 66 frames (63 records, 3 of them split across blocks).
  { file: WAL0, offset: 65536, reason: "bytes-after-end", bytes: 65536, frames: 66 },
  // The whole of file 1: 127 records, 4 split across blocks.
  { file: WAL1, offset: 0, reason: "bytes-after-end", bytes: 131072, frames: 131 },
  // File 2 up to its last record.
  { file: WAL2, offset: 0, reason: "bytes-after-end", bytes: 47238, frames: 47 },
] as const;

test("recovery: wal records and payload records are counted apart (a batch of 40 is one wal record)", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("q");
    for (let batch = 0; batch < 3; batch++) {
      await log.appendRecords("q", Array.from({ length: 40 }, (_, i) => positionPayload(i)));
    }
    await log.truncate("q", 99);
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { readOnly: true });
    assert.equal(reopened.recovery.walRecordsReplayed, 5);
    assert.equal(reopened.recovery.payloadRecordsReplayed, 120);
    assert.equal([...reopened.range("q")].length, 20);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("recovery: a zeroed block in the middle of a file reports the bytes after the end: file, offset, byte count, frames that check out", async () => {
  const dir = await tempDir();
  try {
    await write300(dir.path);
    await overwrite(join(dir.path, WAL0), 32768, new Uint8Array(32768));
    const log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS, readOnly: true });
    assert.deepEqual(records(log).map(([p]) => p), [...Array(31).keys()]);
    assert.deepEqual(log.recovery, {
      filesRead: 1,
      walRecordsReplayed: 32,
      payloadRecordsReplayed: 31,
      issues: ZEROED_BLOCK_ISSUES,
      issueCount: 3,
      byFile: {
        [WAL0]: { "bytes-after-end": 1 },
        [WAL1]: { "bytes-after-end": 1 },
        [WAL2]: { "bytes-after-end": 1 },
      },
      // Record 31 began at the end of block 0 (offset 31980): its FIRST frame is cut short.
      droppedTail: { file: WAL0, offset: 31980, bytes: 788 },
    });
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("recovery: a read-only open of a log with bytes after the end changes no byte and no file", async () => {
  const dir = await tempDir();
  try {
    await write300(dir.path);
    await overwrite(join(dir.path, WAL0), 32768, new Uint8Array(32768));
    const before = await snapshot(dir.path);
    const log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS, readOnly: true });
    assert.equal(log.recovery.issueCount, 3);
    await log.close();
    assert.deepEqual(await snapshot(dir.path), before);
  } finally {
    await dir.cleanup();
  }
});

test("recovery: a writable open keeps the bytes after the end in salvage files, byte-equal, and returns the records a read-only open returns", async () => {
  const dir = await tempDir();
  try {
    await write300(dir.path);
    await overwrite(join(dir.path, WAL0), 32768, new Uint8Array(32768));
    const original = await snapshot(dir.path);
    const readOnly = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS, readOnly: true });
    const expected = records(readOnly);
    await readOnly.close();

    const log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS });
    assert.deepEqual(records(log), expected);
    const names = [
      "salvage-wal-00000000000000000000-offset-65536",
      "salvage-wal-00000000000000000001-offset-0",
      "salvage-wal-00000000000000000002-offset-0",
    ];
    assert.deepEqual(
      log.recovery.issues,
      ZEROED_BLOCK_ISSUES.map((issue, i) => ({ ...issue, salvageFile: names[i] })),
    );
    // The FIRST frame of record 31, which block 0 ends with, is kept too.
    const tail = "salvage-wal-00000000000000000000-offset-31980";
    assert.deepEqual(log.recovery.droppedTail, {
      file: WAL0,
      offset: 31980,
      bytes: 788,
      salvageFiles: [tail],
    });
    await log.close();
    assert.deepEqual(await salvageFiles(dir.path), [tail, ...names].sort());
    for (const [i, issue] of ZEROED_BLOCK_ISSUES.entries()) {
      const kept = new Uint8Array(await readFile(join(dir.path, names[i])));
      assert.deepEqual(
        kept,
        original[issue.file].subarray(issue.offset, issue.offset + issue.bytes),
      );
    }
    assert.deepEqual(
      new Uint8Array(await readFile(join(dir.path, tail))),
      original[WAL0].subarray(31980, 32768),
    );
  } finally {
    await dir.cleanup();
  }
});

test("recovery: after a writable open has salvaged them, the bytes are cut: reopening reports nothing and adds no salvage file", async () => {
  const dir = await tempDir();
  try {
    await write300(dir.path);
    await overwrite(join(dir.path, WAL0), 32768, new Uint8Array(32768));
    const first = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS });
    const expected = records(first);
    await first.close();
    const salvaged = await salvageFiles(dir.path);
    for (let i = 0; i < 2; i++) {
      const log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS });
      assert.deepEqual(records(log), expected);
      assert.deepEqual(log.recovery.issues, []);
      await log.close();
    }
    assert.deepEqual(await salvageFiles(dir.path), salvaged);
    assert.deepEqual(await walFiles(dir.path), [WAL0], "the later files were removed");
  } finally {
    await dir.cleanup();
  }
});

test("recovery: new records written after a salvage are read back, and the salvaged ones never are", async () => {
  const dir = await tempDir();
  try {
    await write300(dir.path);
    await overwrite(join(dir.path, WAL0), 32768, new Uint8Array(32768));
    let log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS });
    // Enough to roll into new files 1 and 2: nothing stale may come back from them.
    for (let i = 0; i < 300; i++) await log.appendRecord("q", kilobytePayload(1000 + i));
    await log.close();
    log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS });
    const positions = records(log).map(([p]) => p);
    assert.deepEqual(positions, [...Array(331).keys()]);
    for (const [p, payload] of records(log)) {
      assert.deepEqual(payload, kilobytePayload(p < 31 ? p : 1000 + p - 31));
    }
    // Record 31's FIRST frame, cut short at the end of block 0, was cut: new records begin there.
    assert.deepEqual(log.recovery.issues, []);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("recovery: a zeroed frame header mid-block reports the frames after it that still check out", async () => {
  const dir = await tempDir();
  try {
    await writeRecords(dir.path, 100);
    // Record 10's header (39 bytes a record, "create" first): records 11..99 follow in the block.
    await overwrite(join(dir.path, WAL0), 19 + 39 * 10, new Uint8Array(7));
    const log = await MultiRecordLog.open(dir.path, { readOnly: true });
    assert.deepEqual([...log.range("q")].map((r) => r.position), [...Array(10).keys()]);
    assert.deepEqual(log.recovery.issues, [{
      file: WAL0,
      offset: 19 + 39 * 10 + 7,
      reason: "bytes-after-end",
      bytes: 39 * 90 - 7,
      frames: 89,
    }]);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("recovery: the last wal file cut inside a block reports the partial block, and a writable open salvages it", async () => {
  const dir = await tempDir();
  try {
    // 1000 records of 39 bytes: block 0 holds records 0..838 and the FIRST frame of 839,
    // block 1 starts with its LAST frame (18 bytes), then records 840.. whole.
    await writeRecords(dir.path, 1000);
    const wal = join(dir.path, WAL0);
    const end = 32768 + 18 + 39 * 128; // just after record 967
    await cut(wal, end);
    const original = new Uint8Array(await readFile(wal));
    const issue = {
      file: WAL0,
      offset: 32768,
      reason: "partial-block",
      bytes: end - 32768,
      frames: 129, // the LAST frame of record 839, and records 840..967
    };
    const readOnly = await MultiRecordLog.open(dir.path, { readOnly: true });
    assert.deepEqual([...readOnly.range("q")].map((r) => r.position), [...Array(839).keys()]);
    assert.deepEqual(readOnly.recovery.issues, [issue]);
    await readOnly.close();
    const log = await MultiRecordLog.open(dir.path);
    assert.deepEqual([...log.range("q")].map((r) => r.position), [...Array(839).keys()]);
    const name = "salvage-wal-00000000000000000000-offset-32768";
    assert.deepEqual(log.recovery.issues, [{ ...issue, salvageFile: name }]);
    await log.close();
    assert.deepEqual(
      new Uint8Array(await readFile(join(dir.path, name))),
      original.subarray(32768, end),
    );
  } finally {
    await dir.cleanup();
  }
});

test("recovery: a wal file cut inside a block in the middle of the log reports the partial block; reopening keeps one salvage copy", async () => {
  const dir = await tempDir();
  try {
    await write300(dir.path);
    const wal = join(dir.path, WAL0);
    await cut(wal, 3 * 32768 + 10000);
    const readOnly = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS, readOnly: true });
    const issue = {
      file: WAL0,
      offset: 3 * 32768,
      reason: "partial-block",
      bytes: 10000,
      frames: 10,
    };
    assert.deepEqual(readOnly.recovery.issues.at(-1), issue);
    assert.deepEqual(readOnly.recovery.byFile[WAL0], { "partial-block": 1 });
    await readOnly.close();
    const name = "salvage-wal-00000000000000000000-offset-98304";
    for (let i = 0; i < 2; i++) {
      const log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS });
      assert.deepEqual(log.recovery.issues.at(-1), { ...issue, salvageFile: name });
      await log.close();
    }
    assert.deepEqual(await salvageFiles(dir.path), [name]);
  } finally {
    await dir.cleanup();
  }
});

test("recovery: wal files shorter than the file size that end at a block boundary are no damage", async () => {
  const dir = await tempDir();
  try {
    // Written with files of 2 blocks, read as files of 4: every file but the last ends early,
    // at a block boundary, as compaction leaves the file it ends.
    const log = await MultiRecordLog.open(dir.path, { fileSize: 2 * 32768 });
    await log.createQueue("q");
    for (let i = 0; i < 300; i++) await log.appendRecord("q", kilobytePayload(i));
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS, readOnly: true });
    assert.deepEqual(reopened.recovery, {
      filesRead: 5,
      walRecordsReplayed: 301,
      payloadRecordsReplayed: 300,
      issues: [],
      issueCount: 0,
      byFile: {},
    });
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("recovery: when a salvage copy cannot be written, the open fails and the wal files keep their bytes", async () => {
  const { fs, dirPath } = await zeroedBlockInMemory();
  const before = fs.files(dirPath).map((n) => [n, fs.bytes(`${dirPath}/${n}`)]);
  fs.inject({ op: "write", nth: 1, code: "ENOSPC" });
  const err = await MultiRecordLog.open(dirPath, { fs, fileSize: FOUR_BLOCKS }).catch((e) => e);
  assert.ok(err instanceof IoError, String(err));
  assert.equal(err.osCode, "ENOSPC");
  for (const [name, bytes] of before) {
    if (String(name).startsWith("wal-")) assert.deepEqual(fs.bytes(`${dirPath}/${name}`), bytes);
  }
  fs.clearFaults();
  const reopened = await MultiRecordLog.open(dirPath, { fs, fileSize: FOUR_BLOCKS });
  assert.deepEqual(
    reopened.recovery.issues.map((i) => "salvageFile" in i ? i.salvageFile : undefined),
    [
      "salvage-wal-00000000000000000000-offset-65536.2",
      "salvage-wal-00000000000000000001-offset-0",
      "salvage-wal-00000000000000000002-offset-0",
    ],
  );
  await reopened.close();
});

test("recovery: salvage copies are durable before the wal files are cut", async () => {
  const { fs, dirPath } = await zeroedBlockInMemory();
  const tail = fs.bytes(`${dirPath}/${WAL0}`).slice(65536);
  const wal1 = fs.bytes(`${dirPath}/${WAL1}`);
  // Cut the power at the first truncation of a wal file (the writer cutting the tail).
  let after: MemoryFileSystem | undefined;
  fs.onCall = (op) => {
    if (op === "truncate" && after === undefined) after = fs.powerLoss();
  };
  await (await MultiRecordLog.open(dirPath, { fs, fileSize: FOUR_BLOCKS })).close();
  assert.ok(after !== undefined);
  assert.deepEqual(after.bytes(`${dirPath}/salvage-wal-00000000000000000000-offset-65536`), tail);
  assert.deepEqual(after.bytes(`${dirPath}/salvage-wal-00000000000000000001-offset-0`), wal1);
});

test("recovery: records a writer appends while a read-only open replays are not reported as bytes after the end", async () => {
  const mem = new MemoryFileSystem();
  const writer = await MultiRecordLog.open("/wal", { fs: mem, fileSize: FOUR_BLOCKS });
  await writer.createQueue("q");
  for (let i = 0; i < 10; i++) await writer.appendRecord("q", kilobytePayload(i));
  // The read-only open opens wal file 0 three times: to read its size (file_size.ts), to replay
  // it, then to look past its end. The writer appends between the last two.
  let opens = 0;
  const fs = {
    openFile: async (path: string, mode: "read" | "readwrite" | "create") => {
      if (path.endsWith(WAL0) && ++opens === 3) await writer.appendRecord("q", kilobytePayload(10));
      return await mem.openFile(path, mode);
    },
    readDir: (path: string) => mem.readDir(path),
    stat: (path: string) => mem.stat(path),
    mkdir: (path: string) => mem.mkdir(path),
    remove: (path: string) => mem.remove(path),
    syncDir: (path: string) => mem.syncDir(path),
  };
  const reader = await MultiRecordLog.open("/wal", { fs, fileSize: FOUR_BLOCKS, readOnly: true });
  assert.equal(opens, 3);
  assert.deepEqual([...reader.range("q")].map((r) => r.position), [...Array(10).keys()]);
  assert.deepEqual(reader.recovery.issues, []);
  await reader.close();
  await writer.close();
});

test("recovery: garbage collection and compaction leave salvage files in place", async () => {
  const dir = await tempDir();
  try {
    await write300(dir.path);
    await overwrite(join(dir.path, WAL0), 32768, new Uint8Array(32768));
    const log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS, compaction: false });
    const salvaged = await snapshot(dir.path);
    for (const name of Object.keys(salvaged)) {
      if (!name.startsWith("salvage-")) delete salvaged[name];
    }
    assert.equal(Object.keys(salvaged).length, 4);
    await log.createQueue("quiet");
    await log.appendRecord("quiet", kilobytePayload(0)); // pins every file from the current one on
    for (let i = 0; i < 600; i++) await log.appendRecord("q", kilobytePayload(i));
    await log.truncate("q", log.lastPosition("q")!);
    // Writing resumed at 31980 in file 0, where record 31's cut-short FIRST frame was (files 1
    // and 2 were salvaged and removed); quiet's record and 600 of 1031 bytes end before 655360,
    // in file 4. quiet pins file 0, so nothing was collected; compaction rewrites quiet into
    // file 5 and deletes files 0..4.
    let end = recordEnd(recordEnd(31980, 11 + 5), 11 + 5 + 12 + 1000);
    for (let i = 0; i < 600; i++) end = recordEnd(end, 11 + 1 + 12 + 1000);
    assert.equal(Math.ceil(recordEnd(end, 11 + 1) / FOUR_BLOCKS), 5);
    assert.deepEqual(await walFiles(dir.path), [WAL0, WAL1, WAL2, WAL3, WAL4]);
    const { filesDeleted } = await log.compact();
    assert.equal(filesDeleted, 5);
    assert.deepEqual(await walFiles(dir.path), [WAL5]);
    await log.close();
    const after = await snapshot(dir.path);
    for (const [name, bytes] of Object.entries(salvaged)) {
      assert.deepEqual(after[name], bytes, name);
    }
  } finally {
    await dir.cleanup();
  }
});

test("recovery: a wal file numbered above 2^53 - 1 (a u64 the Rust crate reads) refuses the open, writable or read-only, naming it; nothing changes", async () => {
  const dir = await tempDir();
  try {
    await writeRecords(dir.path, 3);
    const big = "wal-18446744073709551615";
    await writeFile(join(dir.path, big), new Uint8Array(32768).fill(7));
    const before = await snapshot(dir.path);
    for (const readOnly of [false, true]) {
      const err = await MultiRecordLog.open(dir.path, { readOnly }).catch((e) => e);
      assert.ok(err instanceof CorruptLogError, `readOnly ${readOnly}: ${err}`);
      assert.equal(err.code, "CORRUPT_LOG");
      assert.equal(err.file, big);
      assert.match(err.message, /wal file wal-18446744073709551615 is numbered above 2\^53 - 1/);
    }
    assert.deepEqual(await snapshot(dir.path), before);
  } finally {
    await dir.cleanup();
  }
});

/** The open's view of a log: q's records as [position, length], and the report's issues. */
async function openedView(
  path: string,
  readOnly: boolean,
): Promise<
  { records: [number, number][]; issues: unknown[]; issueCount: number; byFile: unknown }
> {
  const log = await MultiRecordLog.open(path, { readOnly });
  try {
    const { issues, issueCount, byFile } = log.recovery;
    return {
      records: [...log.range("q")].map((r) => [r.position, r.payload.length]),
      issues,
      issueCount,
      byFile,
    };
  } finally {
    await log.close();
  }
}

const GAP_AT_WAL1 = {
  file: WAL1,
  offset: 0,
  reason: "missing-file",
  files: 1,
  next: WAL2,
  // A's FIRST and 3 MIDDLE frames in wal-00, and B's LAST frame opening wal-02.
  frames: 5,
};

test("recovery: a deleted middle wal file whose neighbours' frames add up to a record is reported, and nothing is joined across it", async () => {
  const dir = await tempDir();
  try {
    await writeAcrossThreeFiles(dir.path);
    await rm(join(dir.path, WAL1));
    for (const readOnly of [true, false]) {
      assert.deepEqual(await openedView(dir.path, readOnly), {
        records: [[2, 5]], // "after"; A and B are lost, no spliced record
        issues: [{ ...GAP_AT_WAL1, emptyFiles: [] }],
        issueCount: 1,
        byFile: { [WAL1]: { "missing-file": 1 } },
      }, `readOnly ${readOnly}`);
    }
  } finally {
    await dir.cleanup();
  }
});

test("recovery: an empty (0-byte) wal file between files with data is a gap: reported, nothing joined across it", async () => {
  const dir = await tempDir();
  try {
    await writeAcrossThreeFiles(dir.path);
    await cut(join(dir.path, WAL1), 0);
    for (const readOnly of [true, false]) {
      assert.deepEqual(await openedView(dir.path, readOnly), {
        records: [[2, 5]],
        issues: [{ ...GAP_AT_WAL1, emptyFiles: [WAL1] }],
        issueCount: 1,
        byFile: { [WAL1]: { "missing-file": 1 } },
      }, `readOnly ${readOnly}`);
    }
  } finally {
    await dir.cleanup();
  }
});

test("recovery: several missing numbers are one gap, counted in files", async () => {
  const dir = await tempDir();
  try {
    await writeAcrossThreeFiles(dir.path);
    await rename(join(dir.path, WAL2), join(dir.path, WAL4));
    await rm(join(dir.path, WAL1));
    const { records, issues } = await openedView(dir.path, true);
    assert.deepEqual(records, [[2, 5]]);
    assert.deepEqual(issues, [{ ...GAP_AT_WAL1, files: 3, next: WAL4, emptyFiles: [] }]);
  } finally {
    await dir.cleanup();
  }
});

test("recovery: missing files at the front of the log are no damage (garbage collection deletes the oldest)", async () => {
  const dir = await tempDir();
  try {
    const { b } = await writeAcrossThreeFiles(dir.path);
    await rm(join(dir.path, WAL0));
    const { records, issues } = await openedView(dir.path, true);
    // A's LAST frame opens wal-01: the rest of a record whose start was deleted.
    assert.deepEqual(records, [[1, b.length], [2, 5]]);
    assert.deepEqual(issues, []);
  } finally {
    await dir.cleanup();
  }
});

// A log that ends in frames replay drops (an unfinished record, a torn frame): writing resumes
// where they begin, and they are cut, kept in a salvage file first.

/**
 * "q" created, then a 100,000-byte record and a 60,000-byte one in files of 4 blocks: the
 * second begins at 100,071 in wal-00 (a FIRST frame to the end of the file) and ends in
 * wal-01. Returns wal-00's bytes.
 */
async function writeRecordIntoSecondFile(dir: string): Promise<Uint8Array> {
  const log = await MultiRecordLog.open(dir, { fileSize: FOUR_BLOCKS });
  await log.createQueue("q");
  await log.appendRecord("q", new Uint8Array(100_000).fill(1));
  await log.appendRecord("q", new Uint8Array(60_000).fill(2));
  await log.close();
  assert.equal(recordEnd(19, 11 + 1 + 12 + 100_000), 100_071);
  return new Uint8Array(await readFile(join(dir, WAL0)));
}

for (const emptied of ["cut to 0 bytes", "zeroed"]) {
  test(`recovery: a log ending in an unfinished record (its last frames lost with wal-01, ${emptied}) resumes where it began: reopening after an append reports no damage`, async () => {
    const dir = await tempDir();
    try {
      const wal0 = await writeRecordIntoSecondFile(dir.path);
      if (emptied === "zeroed") await writeFile(join(dir.path, WAL1), new Uint8Array(FOUR_BLOCKS));
      else await cut(join(dir.path, WAL1), 0);
      let log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS });
      const salvage = "salvage-wal-00000000000000000000-offset-100071";
      // An unfinished record at the end is what a crash while writing leaves: no damage.
      assert.deepEqual(log.recovery.issues, []);
      assert.deepEqual(log.recovery.droppedTail, {
        file: WAL0,
        offset: 100_071,
        bytes: FOUR_BLOCKS - 100_071,
        salvageFiles: [salvage],
      });
      assert.deepEqual(
        new Uint8Array(await readFile(join(dir.path, salvage))),
        wal0.subarray(100_071),
      );
      assert.deepEqual(await walFiles(dir.path), [WAL0], "wal-01 removed after the salvage");
      await log.appendRecord("q", new Uint8Array(10).fill(3));
      await log.close();
      log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS });
      assert.deepEqual(
        [...log.range("q")].map((r) => [r.position, r.payload.length, r.payload[0]]),
        [[0, 100_000, 1], [1, 10, 3]],
      );
      assert.deepEqual([log.recovery.issues, log.recovery.droppedTail], [[], undefined]);
      await log.close();
      assert.deepEqual(await salvageFiles(dir.path), [salvage]);
      assert.deepEqual(await runMrl(["verify", dir.path]), {
        code: 0,
        out: "1 file(s), 3 record(s) replayed, no damage\n",
        err: "",
      });
    } finally {
      await dir.cleanup();
    }
  });
}

test("recovery: a torn last frame (its last 200 payload bytes zero) is reported once, at the first open, then cut: later opens report nothing", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS });
    await log.createQueue("q");
    for (let i = 0; i < 3; i++) await log.appendRecord("q", kilobytePayload(i));
    await log.close();
    const last = 19 + 2 * 1031; // the third record's FULL frame, 1031 bytes
    await overwrite(join(dir.path, WAL0), last + 1031 - 200, new Uint8Array(200));
    const torn = new Uint8Array(await readFile(join(dir.path, WAL0))).slice(last, last + 1031);
    // A read-only open tells, and changes nothing.
    const before = await snapshot(dir.path);
    const reader = await MultiRecordLog.open(dir.path, { readOnly: true });
    assert.deepEqual(reader.recovery.issues, [{
      file: WAL0,
      offset: last,
      reason: "bad-checksum",
    }]);
    assert.deepEqual(reader.recovery.droppedTail, { file: WAL0, offset: last, bytes: 1031 });
    await reader.close();
    assert.deepEqual(await snapshot(dir.path), before);
    const salvage = `salvage-wal-00000000000000000000-offset-${last}`;
    for (let open = 1; open <= 3; open++) {
      const writer = await MultiRecordLog.open(dir.path, { fileSize: FOUR_BLOCKS });
      assert.deepEqual(
        [writer.recovery.issues, writer.recovery.droppedTail],
        open === 1
          ? [
            [{ file: WAL0, offset: last, reason: "bad-checksum" }],
            { file: WAL0, offset: last, bytes: 1031, salvageFiles: [salvage] },
          ]
          : [[], undefined],
        `open ${open}`,
      );
      assert.deepEqual([...writer.range("q")].map((r) => r.position), [0, 1]);
      await writer.close();
    }
    assert.deepEqual(new Uint8Array(await readFile(join(dir.path, salvage))), torn);
    assert.equal((await runMrl(["verify", dir.path])).code, 0);
  } finally {
    await dir.cleanup();
  }
});

test("recovery: the dropped tail is durable in its salvage file before any wal file is removed or cut", async () => {
  const fs = new MemoryFileSystem();
  const log = await MultiRecordLog.open("/wal", { fs, fileSize: FOUR_BLOCKS });
  await log.createQueue("q");
  await log.appendRecord("q", new Uint8Array(100_000).fill(1));
  await log.appendRecord("q", new Uint8Array(60_000).fill(2));
  await log.close();
  fs.corrupt(`/wal/${WAL1}`, 0, new Uint8Array(FOUR_BLOCKS));
  const tail = fs.bytes(`/wal/${WAL0}`).slice(100_071);
  let after: MemoryFileSystem | undefined;
  fs.onCall = (op) => {
    if ((op === "remove" || op === "truncate") && after === undefined) after = fs.powerLoss();
  };
  await (await MultiRecordLog.open("/wal", { fs, fileSize: FOUR_BLOCKS })).close();
  assert.ok(after !== undefined);
  assert.deepEqual(after.bytes(`/wal/salvage-wal-00000000000000000000-offset-100071`), tail);
});
