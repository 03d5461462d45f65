/**
 * The record codec (docs/FORMAT.md, "Records"): what writeControlRecord and
 * writeAppendRecord put in the log, what decodeRecord makes of it, u64
 * positions, and malformed records.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameWriter } from "../../src/format/frame_writer.ts";
import { FRAME_END_OF_LOG, FRAME_OK, FrameReader } from "../../src/format/frame_reader.ts";
import { RecordAssembler } from "../../src/format/record_assembler.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import {
  appendRecordSize,
  controlRecordSize,
  DecodedRecord,
  decodeRecord,
  readU32,
  readU64,
  readU64BigInt,
  writeAppendRecord,
  writeControlRecord,
} from "../../src/format/record.ts";
import {
  BLOCK_SIZE,
  FRAME_HEADER_SIZE,
  RECORD_APPEND,
  RECORD_DELETE_QUEUE,
  RECORD_POSITION,
  RECORD_TRUNCATE,
} from "../../src/format/constants.ts";
import { MemorySink, pattern } from "../helpers/frames.ts";

const crc32 = await loadCrc32();

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Little-endian u64 bytes of a safe integer, computed with BigInt. */
function u64(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}

function u16(value: number): number[] {
  return [value & 0xff, value >>> 8];
}

/**
 * Runs `write` against a fresh sink, then reads the log back with the frame
 * reader and the assembler. Returns the single record found and what `write` returned.
 */
function roundTrip(write: (out: FrameWriter) => number): { record: Uint8Array; written: number } {
  const sink = new MemorySink();
  const written = write(new FrameWriter(sink, crc32));
  assert.equal(sink.length, written, "end() counts every byte handed to the sink");
  const reader = new FrameReader(crc32);
  const assembler = new RecordAssembler();
  const records: Uint8Array[] = [];
  // The written blocks, then an all-zero one: the end of the log.
  outer: for (const block of [...sink.blocks(), new Uint8Array(BLOCK_SIZE)]) {
    reader.cursor = 0;
    for (;;) {
      const outcome = reader.read(block);
      if (outcome === FRAME_END_OF_LOG) break outer;
      if (outcome !== FRAME_OK) break;
      const record = assembler.push(reader.type, block, reader.payloadStart, reader.payloadEnd);
      if (record !== undefined) records.push(record.slice());
    }
  }
  assert.equal(records.length, 1);
  return { record: records[0], written };
}

function decoded(record: Uint8Array): Record<string, number> | false {
  const out = new DecodedRecord();
  return decodeRecord(record, out) ? { ...out } : false;
}

/** The items of a decoded AppendRecords body. */
function items(record: Uint8Array, d: DecodedRecord): { position: number; payload: Uint8Array }[] {
  const list = [];
  let at = d.bodyStart;
  for (let i = 0; i < d.itemCount; i++) {
    const len = readU32(record, at + 8);
    list.push({ position: readU64(record, at), payload: record.slice(at + 12, at + 12 + len) });
    at += 12 + len;
  }
  return list;
}

// ---------------------------------------------------------------------------
// Control records

const CONTROL_KINDS = [
  ["Truncate", RECORD_TRUNCATE],
  ["RecordPosition", RECORD_POSITION],
  ["DeleteQueue", RECORD_DELETE_QUEUE],
] as const;

for (const [name, kind] of CONTROL_KINDS) {
  test(`record codec: a ${name} record (kind ${kind}) is kind u8 · position u64 · queue_len u16 · queue, and decodes back`, () => {
    const queue = utf8("orders");
    const { record, written } = roundTrip((out) => writeControlRecord(out, kind, queue, 42));
    assert.deepEqual(record, Uint8Array.of(kind, ...u64(42), ...u16(6), ...queue));
    assert.equal(written, FRAME_HEADER_SIZE + 11 + 6);
    assert.deepEqual(decoded(record), {
      kind,
      position: 42,
      queueStart: 11,
      queueEnd: 17,
      bodyStart: 17,
      itemCount: 0,
    });
  });
}

test("record codec: a control record position above 2^32 is written as a little-endian u64 and decodes back", () => {
  const position = 2 ** 32 + 5;
  const { record } = roundTrip((out) =>
    writeControlRecord(out, RECORD_POSITION, utf8("q"), position)
  );
  assert.deepEqual(record, Uint8Array.of(RECORD_POSITION, 5, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0x71));
  assert.deepEqual(decoded(record), {
    kind: RECORD_POSITION,
    position,
    queueStart: 11,
    queueEnd: 12,
    bodyStart: 12,
    itemCount: 0,
  });
});

test("record codec: position Number.MAX_SAFE_INTEGER round-trips exactly", () => {
  const { record } = roundTrip((out) =>
    writeControlRecord(out, RECORD_TRUNCATE, utf8("q"), Number.MAX_SAFE_INTEGER)
  );
  assert.deepEqual([...record.subarray(1, 9)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00]);
  assert.deepEqual(decoded(record), {
    kind: RECORD_TRUNCATE,
    position: Number.MAX_SAFE_INTEGER,
    queueStart: 11,
    queueEnd: 12,
    bodyStart: 12,
    itemCount: 0,
  });
});

test("record codec: a UTF-8 queue name round-trips and queueStart/queueEnd delimit its bytes", () => {
  const name = "café-日本-🦀";
  const queue = utf8(name);
  const { record } = roundTrip((out) => writeControlRecord(out, RECORD_DELETE_QUEUE, queue, 3));
  const d = new DecodedRecord();
  assert.equal(decodeRecord(record, d), true);
  assert.equal(record[9] | (record[10] << 8), queue.length);
  assert.equal(new TextDecoder().decode(record.subarray(d.queueStart, d.queueEnd)), name);
});

test("record codec: a record with an empty queue name (queue_len 0) round-trips", () => {
  const { record } = roundTrip((out) =>
    writeControlRecord(out, RECORD_TRUNCATE, new Uint8Array(0), 9)
  );
  assert.deepEqual(record, Uint8Array.of(RECORD_TRUNCATE, ...u64(9), 0, 0));
  assert.deepEqual(decoded(record), {
    kind: RECORD_TRUNCATE,
    position: 9,
    queueStart: 11,
    queueEnd: 11,
    bodyStart: 11,
    itemCount: 0,
  });
});

// ---------------------------------------------------------------------------
// AppendRecords

test("record codec: an AppendRecords record carries items position u64 · len u32 · payload at consecutive positions", () => {
  const payloads = [utf8("a"), new Uint8Array(0), utf8("xyz")];
  const { record, written } = roundTrip((out) => writeAppendRecord(out, utf8("q"), 7, payloads, 4));
  assert.deepEqual(
    record,
    Uint8Array.of(
      RECORD_APPEND,
      ...u64(7),
      ...u16(1),
      0x71,
      ...u64(7),
      ...u32(1),
      0x61,
      ...u64(8),
      ...u32(0),
      ...u64(9),
      ...u32(3),
      0x78,
      0x79,
      0x7a,
    ),
  );
  assert.equal(written, FRAME_HEADER_SIZE + 11 + 1 + 3 * 12 + 4);
  const d = new DecodedRecord();
  assert.equal(decodeRecord(record, d), true);
  assert.deepEqual({ ...d }, {
    kind: RECORD_APPEND,
    position: 7,
    queueStart: 11,
    queueEnd: 12,
    bodyStart: 12,
    itemCount: 3,
  });
  assert.deepEqual(items(record, d), [
    { position: 7, payload: utf8("a") },
    { position: 8, payload: new Uint8Array(0) },
    { position: 9, payload: utf8("xyz") },
  ]);
});

test("record codec: AppendRecords positions above 2^32 are u64 in the header and in every item", () => {
  const base = 2 ** 40 + 0xfffffffe;
  const payloads = [utf8("p0"), utf8("p1"), utf8("p2")];
  const { record } = roundTrip((out) => writeAppendRecord(out, utf8("big"), base, payloads, 6));
  assert.deepEqual([...record.subarray(1, 9)], u64(base));
  const d = new DecodedRecord();
  assert.equal(decodeRecord(record, d), true);
  assert.equal(d.position, base);
  assert.deepEqual(items(record, d), [
    { position: base, payload: utf8("p0") },
    { position: base + 1, payload: utf8("p1") },
    { position: base + 2, payload: utf8("p2") },
  ]);
  // base + 2 crosses into the next high word: 2^40 + 2^32.
  assert.deepEqual(
    [...record.subarray(d.bodyStart + 2 * 14, d.bodyStart + 2 * 14 + 8)],
    u64(2 ** 40 + 2 ** 32),
  );
});

test("record codec: an AppendRecords record larger than a block spans frames and decodes back intact", () => {
  const payloads = [pattern(100_000, 2), utf8("small"), pattern(40_000, 3)];
  const total = payloads.reduce((n, p) => n + p.length, 0);
  const { record } = roundTrip((out) => writeAppendRecord(out, utf8("bulk"), 0, payloads, total));
  assert.equal(record.length, appendRecordSize(4, 3, total));
  const d = new DecodedRecord();
  assert.equal(decodeRecord(record, d), true);
  assert.deepEqual(items(record, d), [
    { position: 0, payload: payloads[0] },
    { position: 1, payload: payloads[1] },
    { position: 2, payload: payloads[2] },
  ]);
});

test("record codec: an AppendRecords record with an empty body decodes with zero items", () => {
  const record = Uint8Array.of(RECORD_APPEND, ...u64(5), ...u16(1), 0x71);
  assert.deepEqual(decoded(record), {
    kind: RECORD_APPEND,
    position: 5,
    queueStart: 11,
    queueEnd: 12,
    bodyStart: 12,
    itemCount: 0,
  });
});

test("record codec: controlRecordSize and appendRecordSize give the exact record lengths", () => {
  assert.equal(controlRecordSize(0), 11);
  assert.equal(controlRecordSize(6), 17);
  assert.equal(appendRecordSize(1, 3, 4), 11 + 1 + 36 + 4);
  assert.equal(appendRecordSize(0, 0, 0), 11);
});

test("record codec: decodeRecord reuses its DecodedRecord, resetting itemCount for a control record", () => {
  const d = new DecodedRecord();
  const append = Uint8Array.of(RECORD_APPEND, ...u64(1), ...u16(0), ...u64(1), ...u32(1), 0x41);
  assert.equal(decodeRecord(append, d), true);
  assert.equal(d.itemCount, 1);
  const truncate = Uint8Array.of(RECORD_TRUNCATE, ...u64(1), ...u16(2), 0x61, 0x62);
  assert.equal(decodeRecord(truncate, d), true);
  assert.deepEqual({ ...d }, {
    kind: RECORD_TRUNCATE,
    position: 1,
    queueStart: 11,
    queueEnd: 13,
    bodyStart: 13,
    itemCount: 0,
  });
});

// ---------------------------------------------------------------------------
// readU64 / readU32

test("readU64: reads little-endian u64 values up to Number.MAX_SAFE_INTEGER exactly, at any offset", () => {
  const cases: [bigint, number][] = [
    [0n, 0],
    [1n, 1],
    [0xffffffffn, 0xffffffff],
    [2n ** 32n, 2 ** 32],
    [2n ** 40n + 123n, 2 ** 40 + 123],
    [2n ** 53n - 1n, Number.MAX_SAFE_INTEGER],
  ];
  for (const [value, expected] of cases) {
    const bytes = Uint8Array.of(0xee, 0xee, 0xee, ...u64(value), 0xee);
    assert.equal(readU64(bytes, 3), expected, `u64 ${value}`);
  }
});

test("readU64: returns 2^53 exactly (a next position after the record at 2^53 - 1)", () => {
  assert.equal(readU64(Uint8Array.of(...u64(2n ** 53n)), 0), 2 ** 53);
});

test("readU64: returns -1 for values above 2^53, never a rounded value", () => {
  for (const value of [2n ** 53n + 1n, 2n ** 53n + 2n, 2n ** 54n, 2n ** 63n, 2n ** 64n - 1n]) {
    assert.equal(readU64(Uint8Array.of(...u64(value)), 0), -1, `u64 ${value}`);
  }
});

test("readU64BigInt: reads any little-endian u64 exactly, at any offset", () => {
  for (const value of [0n, 1n, 2n ** 32n + 5n, 2n ** 53n + 1n, 2n ** 60n, 2n ** 64n - 1n]) {
    assert.equal(readU64BigInt(Uint8Array.of(0xee, ...u64(value), 0xee), 1), value);
  }
});

test("readU32: reads a little-endian u32 as an unsigned number", () => {
  assert.equal(readU32(Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff), 1), 0xffffffff);
  assert.equal(readU32(Uint8Array.of(0x78, 0x56, 0x34, 0x12), 0), 0x12345678);
  assert.equal(readU32(Uint8Array.of(0, 0, 0, 0x80), 0), 0x80000000);
});

test("record codec: a header position above Number.MAX_SAFE_INTEGER decodes as -1 (the record itself is well formed)", () => {
  const record = Uint8Array.of(RECORD_POSITION, ...u64(2n ** 64n - 1n), ...u16(1), 0x71);
  assert.deepEqual(decoded(record), {
    kind: RECORD_POSITION,
    position: -1,
    queueStart: 11,
    queueEnd: 12,
    bodyStart: 12,
    itemCount: 0,
  });
});

// ---------------------------------------------------------------------------
// Malformed records

test("record codec: a record shorter than the 11-byte header is rejected", () => {
  const full = Uint8Array.of(RECORD_TRUNCATE, ...u64(1), ...u16(0));
  assert.deepEqual(decoded(full), {
    kind: RECORD_TRUNCATE,
    position: 1,
    queueStart: 11,
    queueEnd: 11,
    bodyStart: 11,
    itemCount: 0,
  });
  for (let length = 0; length < 11; length++) {
    assert.equal(decoded(full.subarray(0, length)), false, `${length} bytes`);
  }
});

test("record codec: an unknown kind (0, 5, 255) is rejected", () => {
  for (const kind of [0, 5, 255]) {
    assert.equal(decoded(Uint8Array.of(kind, ...u64(1), ...u16(1), 0x71)), false, `kind ${kind}`);
  }
});

test("record codec: a queue_len reaching past the end of the record is rejected", () => {
  assert.equal(decoded(Uint8Array.of(RECORD_TRUNCATE, ...u64(1), ...u16(3), 0x61, 0x62)), false);
  assert.deepEqual(decoded(Uint8Array.of(RECORD_TRUNCATE, ...u64(1), ...u16(2), 0x61, 0x62)), {
    kind: RECORD_TRUNCATE,
    position: 1,
    queueStart: 11,
    queueEnd: 13,
    bodyStart: 13,
    itemCount: 0,
  });
});

test("record codec: an AppendRecords body ending inside an item header is rejected", () => {
  const head = [RECORD_APPEND, ...u64(0), ...u16(1), 0x71];
  // 11 bytes of an item header only.
  assert.equal(decoded(Uint8Array.of(...head, ...u64(0), 1, 0, 0)), false);
  // One good item followed by 5 stray bytes.
  assert.equal(decoded(Uint8Array.of(...head, ...u64(0), ...u32(1), 0x41, 1, 2, 3, 4, 5)), false);
});

test("record codec: an AppendRecords item whose len reaches past the end of the record is rejected", () => {
  const head = [RECORD_APPEND, ...u64(0), ...u16(1), 0x71];
  assert.equal(decoded(Uint8Array.of(...head, ...u64(0), ...u32(4), 0x41, 0x42, 0x43)), false);
  assert.equal(decoded(Uint8Array.of(...head, ...u64(0), ...u32(0xffffffff), 0x41)), false);
  // The same item with the right length is accepted.
  assert.deepEqual(decoded(Uint8Array.of(...head, ...u64(0), ...u32(3), 0x41, 0x42, 0x43)), {
    kind: RECORD_APPEND,
    position: 0,
    queueStart: 11,
    queueEnd: 12,
    bodyStart: 12,
    itemCount: 1,
  });
});
