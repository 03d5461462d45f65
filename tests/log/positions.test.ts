/**
 * Positions near 2^53: JavaScript numbers name positions exactly up to
 * Number.MAX_SAFE_INTEGER (2^53 - 1); the Rust crate's are u64.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MultiRecordLog, PositionOutOfRangeError } from "../../mod.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import { FrameWriter } from "../../src/format/frame_writer.ts";
import {
  RECORD_APPEND,
  RECORD_DELETE_QUEUE,
  RECORD_POSITION,
  RECORD_TRUNCATE,
} from "../../src/format/constants.ts";
import { ascii, concat, MemorySink } from "../helpers/frames.ts";
import { contents, usedLength, walBytes, walFiles } from "../helpers/log.ts";
import { bytes, tempDir } from "../helpers/temp.ts";

const BLOCK = 32768;
const WAL0 = "wal-00000000000000000000";
const TOP = Number.MAX_SAFE_INTEGER; // 2^53 - 1

function u64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

/** A record as the Rust crate writes it, with any u64 positions; `items` only for appends. */
function record(kind: number, queue: string, position: bigint, items: [bigint, string][] = []) {
  const name = ascii(queue);
  const parts = [Uint8Array.of(kind), u64(position), Uint8Array.of(name.length, 0), name];
  for (const [p, payload] of items) {
    const data = ascii(payload);
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, data.length, true);
    parts.push(u64(p), len, data);
  }
  return concat(...parts);
}

const append = (queue: string, ...items: [bigint, string][]) =>
  record(RECORD_APPEND, queue, items[0][0], items);

/** Writes wal file 0 of `dir` holding `records`: 2 blocks, the second all zeros (file size 65536). */
async function writeWal(dir: string, records: Uint8Array[]): Promise<void> {
  const sink = new MemorySink();
  const out = new FrameWriter(sink, await loadCrc32());
  for (const r of records) {
    out.begin(r.length);
    out.putBytes(r);
    out.end();
  }
  const file = new Uint8Array(2 * BLOCK);
  file.set(sink.bytes());
  await writeFile(join(dir, WAL0), file);
}

test("positions: range accepts end 2^53 and yields the record at 2^53 - 1", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 2 * BLOCK });
    await log.createQueue("q");
    await log.appendRecord("q", bytes("top"), { position: TOP - 1 });
    await log.appendRecord("q", bytes("last"));
    assert.deepEqual(
      [...log.range("q", { start: TOP - 1, end: 2 ** 53 })].map((r) => r.position),
      [TOP - 1, TOP],
    );
    assert.deepEqual([...log.range("q", { end: TOP })].map((r) => r.position), [TOP - 1]);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("positions: range end above 2^53 (or not an integer) is an InvalidArgumentError naming end", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 2 * BLOCK });
    await log.createQueue("q");
    for (const end of [2 ** 53 + 2, 2 ** 60, -1, 1.5, NaN]) {
      assert.throws(
        () => log.range("q", { end }),
        { name: "InvalidArgumentError", argument: "end", kind: "range" },
        String(end),
      );
    }
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("positions: truncate and append refuse positions past 2^53 - 1 with an InvalidArgumentError", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 2 * BLOCK });
    await log.createQueue("q");
    const past = { name: "InvalidArgumentError", code: "INVALID_ARGUMENT", kind: "range" };
    await assert.rejects(log.truncate("q", 2 ** 53), { ...past, argument: "position" });
    await assert.rejects(log.appendRecord("q", bytes("x"), { position: 2 ** 53 }), {
      ...past,
      argument: "position",
    });
    await log.appendRecord("q", bytes("top"), { position: TOP });
    await assert.rejects(log.appendRecord("q", bytes("x")), { ...past, argument: "payloads" }); // would be at 2^53
    assert.equal(log.lastPosition("q"), TOP);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("positions: a queue emptied at 2^53 - 1 keeps its next position 2^53 after garbage collection and a reopen", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 2 * BLOCK });
    await log.createQueue("q");
    await log.createQueue("filler");
    await log.appendRecord("q", bytes("top"), { position: TOP });
    await log.truncate("q", TOP);
    // Roll past wal file 0 and free it: collection writes RecordPosition(q, 2^53) first.
    for (let i = 0; i < 4; i++) await log.appendRecord("filler", new Uint8Array(30_000));
    await log.truncate("filler", log.lastPosition("filler")!);
    // 19 + 24 + 34 + 19 bytes, then 4 records of 30036 (and 7 more for each block they cross)
    // end in wal file 1: file 0 is deleted, file 1 is being written.
    assert.deepEqual(await walFiles(dir.path), ["wal-00000000000000000001"]);
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path);
    assert.equal(reopened.lastPosition("q"), TOP);
    assert.deepEqual(reopened.summary().queues.q, {
      start: 2 ** 53,
      end: undefined,
      fileNumber: undefined,
    });
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("positions: a Rust-written queue with a record at 2^60 is refused on every call with PositionOutOfRangeError; other queues work", async () => {
  const dir = await tempDir();
  try {
    await writeWal(dir.path, [
      record(RECORD_POSITION, "ok", 0n),
      append("ok", [0n, "a"]),
      record(RECORD_POSITION, "huge", 0n),
      append("huge", [2n ** 60n, "x"], [2n ** 60n + 1n, "y"]),
      append("ok", [1n, "b"]),
    ]);
    const log = await MultiRecordLog.open(dir.path);
    assert.deepEqual(log.listQueues().sort(), ["huge", "ok"]);
    assert.deepEqual(contents(log, "ok"), [[0, "a"], [1, "b"]]);
    assert.deepEqual(Object.keys(log.summary().queues), ["ok"]);
    const refused = (err: unknown) => {
      assert.ok(err instanceof PositionOutOfRangeError, String(err));
      assert.equal(err.code, "POSITION_OUT_OF_RANGE");
      assert.equal(err.queue, "huge");
      assert.equal(err.position, 2n ** 60n);
      assert.equal(err.file, WAL0);
      assert.match(err.message, /"huge" holds position 1152921504606846976/);
      return true;
    };
    assert.throws(() => log.range("huge"), refused);
    assert.throws(() => log.lastPosition("huge"), refused);
    assert.throws(() => log.lastRecord("huge"), refused);
    assert.throws(() => log.queueExists("huge"), refused);
    await assert.rejects(log.follow("huge").next(), refused);
    await assert.rejects(log.appendRecord("huge", bytes("z")), refused);
    await assert.rejects(log.truncate("huge", 0), refused);
    await assert.rejects(log.createQueue("huge"), refused);
    await assert.rejects(log.deleteQueue("huge"), refused);
    await log.appendRecord("ok", bytes("c"));
    await log.close();
    const again = await MultiRecordLog.open(dir.path, { readOnly: true });
    assert.deepEqual(contents(again, "ok"), [[0, "a"], [1, "b"], [2, "c"]]);
    assert.throws(() => again.range("huge"), refused);
    await again.close();
  } finally {
    await dir.cleanup();
  }
});

test("positions: an out-of-range queue keeps every wal file: collection and compaction delete none", async () => {
  const dir = await tempDir();
  try {
    await writeWal(dir.path, [append("huge", [2n ** 60n, "x"]), record(RECORD_POSITION, "ok", 0n)]);
    const written = await walBytes(dir.path);
    const log = await MultiRecordLog.open(dir.path);
    for (let i = 0; i < 6; i++) await log.appendRecord("ok", new Uint8Array(30_000));
    await log.truncate("ok", log.lastPosition("ok")!);
    assert.deepEqual((await log.compact()).filesDeleted, 0);
    assert.equal((await walFiles(dir.path))[0], WAL0);
    await log.close();
    // The records naming "huge" and "ok" are still in the file, byte for byte.
    const kept = usedLength(written);
    assert.deepEqual((await walBytes(dir.path)).subarray(0, kept), written.subarray(0, kept));
    const reopened = await MultiRecordLog.open(dir.path);
    assert.throws(() => reopened.range("huge"), PositionOutOfRangeError);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("positions: a truncation at 2^53 on disk leaves a next position above 2^53: the queue is out of range", async () => {
  const dir = await tempDir();
  try {
    await writeWal(dir.path, [append("q", [5n, "a"]), record(RECORD_TRUNCATE, "q", 2n ** 53n)]);
    const log = await MultiRecordLog.open(dir.path);
    const err = (() => {
      try {
        log.lastPosition("q");
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof PositionOutOfRangeError, String(err));
    assert.equal(err.position, 2n ** 53n);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("positions: a RecordPosition of 2^53 on disk is exact: the queue opens, empty, last position 2^53 - 1", async () => {
  const dir = await tempDir();
  try {
    await writeWal(dir.path, [record(RECORD_POSITION, "q", 2n ** 53n)]);
    const log = await MultiRecordLog.open(dir.path);
    assert.equal(log.lastPosition("q"), TOP);
    await assert.rejects(log.appendRecord("q", bytes("x")), {
      name: "InvalidArgumentError",
      argument: "payloads",
    });
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("positions: a DeleteQueue whose (informational) position is above 2^53 deletes the queue", async () => {
  const dir = await tempDir();
  try {
    await writeWal(dir.path, [
      append("q", [2n ** 60n, "x"]),
      record(RECORD_DELETE_QUEUE, "q", 2n ** 60n + 1n),
    ]);
    const log = await MultiRecordLog.open(dir.path);
    assert.deepEqual(log.listQueues(), []);
    await log.createQueue("q");
    assert.equal(log.lastPosition("q"), undefined);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("positions: a RecordPosition with an exact position after an out-of-range one resets the queue", async () => {
  const dir = await tempDir();
  try {
    await writeWal(dir.path, [
      record(RECORD_POSITION, "q", 2n ** 64n - 1n),
      record(RECORD_POSITION, "q", 7n),
      append("q", [7n, "seven"]),
    ]);
    const log = await MultiRecordLog.open(dir.path);
    assert.deepEqual(contents(log, "q"), [[7, "seven"]]);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});
