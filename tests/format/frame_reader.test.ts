/**
 * The frame reader and the record assembler: reading frames out of blocks,
 * the outcomes of end markers and corruption (docs/FORMAT.md, "Reading and
 * end of log"), and joining frame payloads back into records.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameWriter } from "../../src/format/frame_writer.ts";
import {
  FRAME_BAD_BLOCK,
  FRAME_BAD_CRC,
  FRAME_END_OF_BLOCK,
  FRAME_END_OF_LOG,
  FRAME_OK,
  FrameReader,
} from "../../src/format/frame_reader.ts";
import { RecordAssembler } from "../../src/format/record_assembler.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import {
  BLOCK_SIZE,
  FRAME_FIRST,
  FRAME_FULL,
  FRAME_HEADER_SIZE,
  FRAME_LAST,
  FRAME_MIDDLE,
  MAX_FRAME_PAYLOAD,
} from "../../src/format/constants.ts";
import { ascii, concat, MemorySink, pattern } from "../helpers/frames.ts";

const crc32 = await loadCrc32();

function writeRecords(sink: MemorySink, records: Uint8Array[]): void {
  const writer = new FrameWriter(sink, crc32);
  for (const r of records) {
    writer.begin(r.length);
    writer.putBytes(r);
    writer.end();
  }
}

/** Places a frame header (and payload) at `at` in `block`; the CRC is correct unless given. */
function putFrame(
  block: Uint8Array,
  at: number,
  type: number,
  payload: Uint8Array,
  crc?: number,
): void {
  block[at + 6] = type;
  block.set(payload, at + FRAME_HEADER_SIZE);
  const value = crc ?? crc32(block, at + 6, at + FRAME_HEADER_SIZE + payload.length);
  block[at] = value & 0xff;
  block[at + 1] = (value >>> 8) & 0xff;
  block[at + 2] = (value >>> 16) & 0xff;
  block[at + 3] = value >>> 24;
  block[at + 4] = payload.length & 0xff;
  block[at + 5] = payload.length >>> 8;
}

/** A header whose len field is set independently of any payload. */
function putHeader(block: Uint8Array, at: number, crc: number, len: number, type: number): void {
  block[at] = crc & 0xff;
  block[at + 1] = (crc >>> 8) & 0xff;
  block[at + 2] = (crc >>> 16) & 0xff;
  block[at + 3] = crc >>> 24;
  block[at + 4] = len & 0xff;
  block[at + 5] = len >>> 8;
  block[at + 6] = type;
}

/** One read and everything it reports. */
function step(reader: FrameReader, block: Uint8Array) {
  const outcome = reader.read(block);
  if (outcome !== FRAME_OK) return { outcome, cursor: reader.cursor };
  return {
    outcome,
    cursor: reader.cursor,
    type: reader.type,
    payload: block.slice(reader.payloadStart, reader.payloadEnd),
  };
}

interface Frame {
  block: number;
  type: number;
  payload: Uint8Array;
}

/**
 * Reads blocks the way replay does: OK frames are collected, END_OF_BLOCK and
 * BAD_BLOCK move to the next block, BAD_CRC goes on, END_OF_LOG stops.
 */
function readAll(blocks: Uint8Array[]): { frames: Frame[]; outcomes: number[] } {
  const reader = new FrameReader(crc32);
  const frames: Frame[] = [];
  const outcomes: number[] = [];
  for (let b = 0; b < blocks.length; b++) {
    reader.cursor = 0;
    for (;;) {
      const outcome = reader.read(blocks[b]);
      outcomes.push(outcome);
      if (outcome === FRAME_OK) {
        frames.push({
          block: b,
          type: reader.type,
          payload: blocks[b].slice(reader.payloadStart, reader.payloadEnd),
        });
      } else if (outcome === FRAME_END_OF_LOG) {
        return { frames, outcomes };
      } else if (outcome !== FRAME_BAD_CRC) {
        break;
      }
    }
  }
  return { frames, outcomes };
}

/** Feeds frames to an assembler; returns copies of the records it completes. */
function assemble(frames: Frame[]): Uint8Array[] {
  const assembler = new RecordAssembler();
  const records: Uint8Array[] = [];
  for (const f of frames) {
    const record = assembler.push(f.type, f.payload, 0, f.payload.length);
    if (record !== undefined) records.push(record.slice());
  }
  return records;
}

// ---------------------------------------------------------------------------
// Frame reader: reading back what the writer wrote

test("frame reader: reads back the writer's FULL frames in order, each with its type, payload range and next cursor", () => {
  const sink = new MemorySink();
  writeRecords(sink, [ascii("a"), ascii("bb"), ascii("ccc")]);
  const [block] = sink.blocks();
  const reader = new FrameReader(crc32);
  assert.deepEqual(step(reader, block), {
    outcome: FRAME_OK,
    cursor: 8,
    type: FRAME_FULL,
    payload: ascii("a"),
  });
  assert.equal(reader.payloadStart, 7);
  assert.equal(reader.payloadEnd, 8);
  assert.deepEqual(step(reader, block), {
    outcome: FRAME_OK,
    cursor: 17,
    type: FRAME_FULL,
    payload: ascii("bb"),
  });
  assert.deepEqual(step(reader, block), {
    outcome: FRAME_OK,
    cursor: 27,
    type: FRAME_FULL,
    payload: ascii("ccc"),
  });
  assert.deepEqual(step(reader, block), { outcome: FRAME_END_OF_LOG, cursor: 27 });
});

test("frame reader: reads back an 80 KiB record as FIRST, MIDDLE, LAST, one per block, then the end of the log", () => {
  const sink = new MemorySink();
  const record = pattern(80 * 1024, 3);
  writeRecords(sink, [record]);
  const { frames, outcomes } = readAll(sink.blocks());
  assert.deepEqual(
    frames.map((f) => ({ block: f.block, type: f.type, len: f.payload.length })),
    [
      { block: 0, type: FRAME_FIRST, len: MAX_FRAME_PAYLOAD },
      { block: 1, type: FRAME_MIDDLE, len: MAX_FRAME_PAYLOAD },
      { block: 2, type: FRAME_LAST, len: 80 * 1024 - 2 * MAX_FRAME_PAYLOAD },
    ],
  );
  assert.deepEqual(outcomes, [
    FRAME_OK,
    FRAME_END_OF_BLOCK,
    FRAME_OK,
    FRAME_END_OF_BLOCK,
    FRAME_OK,
    FRAME_END_OF_LOG,
  ]);
  assert.deepEqual(concat(...frames.map((f) => f.payload)), record);
});

test("frame reader + record assembler: records of many sizes written by the writer come back byte for byte", () => {
  const sizes = [1, 300 * 1024, 32_754, 10, MAX_FRAME_PAYLOAD, 80 * 1024, 0x10000, 2];
  const records = sizes.map((n, i) => pattern(n, i + 1));
  const sink = new MemorySink();
  writeRecords(sink, records);
  const { frames, outcomes } = readAll(sink.blocks());
  // Nothing but good frames, the end of each full block, and the end of the log in the last.
  const blocks = sink.blocks().length;
  assert.deepEqual(
    outcomes.filter((o) => o !== FRAME_OK),
    [...Array(blocks - 1).fill(FRAME_END_OF_BLOCK), FRAME_END_OF_LOG],
  );
  assert.deepEqual(assemble(frames), records);
});

// ---------------------------------------------------------------------------
// Frame reader: end of log, end of block

test("frame reader: seven zero bytes at the cursor are the end of the log and the cursor stays put", () => {
  const block = new Uint8Array(BLOCK_SIZE);
  const reader = new FrameReader(crc32);
  assert.deepEqual(step(reader, block), { outcome: FRAME_END_OF_LOG, cursor: 0 });
  assert.deepEqual(step(reader, block), { outcome: FRAME_END_OF_LOG, cursor: 0 });
  reader.cursor = BLOCK_SIZE - FRAME_HEADER_SIZE; // exactly 7 bytes left, all zero
  assert.deepEqual(step(reader, block), { outcome: FRAME_END_OF_LOG, cursor: BLOCK_SIZE - 7 });
});

test("frame reader: a header with type 0 and len 0 but a non-zero checksum is a bad block, not the end of the log", () => {
  const block = new Uint8Array(BLOCK_SIZE);
  putHeader(block, 0, 0x00000100, 0, 0);
  assert.equal(new FrameReader(crc32).read(block), FRAME_BAD_BLOCK);
});

test("frame reader: with fewer than 7 bytes left in the block the outcome is END_OF_BLOCK, whatever the bytes", () => {
  const block = new Uint8Array(BLOCK_SIZE).fill(0xff);
  for (let left = 0; left < FRAME_HEADER_SIZE; left++) {
    const reader = new FrameReader(crc32);
    reader.cursor = BLOCK_SIZE - left;
    assert.equal(reader.read(block), FRAME_END_OF_BLOCK, `${left} bytes left`);
  }
});

test("frame reader: the writer's zero padding of a 1..6-byte block tail reads as END_OF_BLOCK, the next record is in the next block", () => {
  for (let free = 1; free < FRAME_HEADER_SIZE; free++) {
    const a = pattern(BLOCK_SIZE - FRAME_HEADER_SIZE - free, free);
    const sink = new MemorySink();
    writeRecords(sink, [a, ascii("next")]);
    const { frames, outcomes } = readAll(sink.blocks());
    assert.deepEqual(
      outcomes,
      [FRAME_OK, FRAME_END_OF_BLOCK, FRAME_OK, FRAME_END_OF_LOG],
      `${free} free`,
    );
    assert.deepEqual(frames, [
      { block: 0, type: FRAME_FULL, payload: a },
      { block: 1, type: FRAME_FULL, payload: ascii("next") },
    ]);
  }
});

test("frame reader: an empty FIRST frame in the last 7 bytes of a block is a valid frame with an empty payload", () => {
  const block = new Uint8Array(BLOCK_SIZE);
  putFrame(block, BLOCK_SIZE - FRAME_HEADER_SIZE, FRAME_FIRST, new Uint8Array(0));
  const reader = new FrameReader(crc32);
  reader.cursor = BLOCK_SIZE - FRAME_HEADER_SIZE;
  assert.deepEqual(step(reader, block), {
    outcome: FRAME_OK,
    cursor: BLOCK_SIZE,
    type: FRAME_FIRST,
    payload: new Uint8Array(0),
  });
  assert.equal(reader.payloadStart, BLOCK_SIZE);
  assert.equal(reader.payloadEnd, BLOCK_SIZE);
  assert.equal(reader.read(block), FRAME_END_OF_BLOCK);
});

// ---------------------------------------------------------------------------
// Frame reader: corruption

test("frame reader: an unknown frame type (0, 5, 255) is a bad block even with a matching checksum", () => {
  for (const type of [0, 5, 255]) {
    const block = new Uint8Array(BLOCK_SIZE);
    putFrame(block, 0, type, ascii("payload"));
    assert.equal(new FrameReader(crc32).read(block), FRAME_BAD_BLOCK, `type ${type}`);
  }
});

test("frame reader: a len that would cross the end of the block is a bad block", () => {
  const block = new Uint8Array(BLOCK_SIZE);
  putHeader(block, 0, 0x12345678, MAX_FRAME_PAYLOAD + 1, FRAME_FULL);
  assert.equal(new FrameReader(crc32).read(block), FRAME_BAD_BLOCK);

  const tail = new Uint8Array(BLOCK_SIZE);
  putHeader(tail, BLOCK_SIZE - 100, 0x12345678, 94, FRAME_MIDDLE); // ends one byte past the block
  const reader = new FrameReader(crc32);
  reader.cursor = BLOCK_SIZE - 100;
  assert.equal(reader.read(tail), FRAME_BAD_BLOCK);
});

test("frame reader: a frame whose payload ends exactly at the block end is valid", () => {
  const block = new Uint8Array(BLOCK_SIZE);
  const payload = pattern(93, 4);
  putFrame(block, BLOCK_SIZE - 100, FRAME_LAST, payload);
  const reader = new FrameReader(crc32);
  reader.cursor = BLOCK_SIZE - 100;
  assert.deepEqual(step(reader, block), {
    outcome: FRAME_OK,
    cursor: BLOCK_SIZE,
    type: FRAME_LAST,
    payload,
  });
});

test("frame reader: a flipped payload byte is BAD_CRC; the cursor moves past the frame and the next frame reads OK", () => {
  const sink = new MemorySink();
  writeRecords(sink, [ascii("first"), ascii("second"), ascii("third")]);
  const [block] = sink.blocks();
  block[12 + FRAME_HEADER_SIZE + 2] ^= 0x01; // "second" starts at 12
  const reader = new FrameReader(crc32);
  assert.deepEqual(step(reader, block), {
    outcome: FRAME_OK,
    cursor: 12,
    type: FRAME_FULL,
    payload: ascii("first"),
  });
  assert.deepEqual(step(reader, block), { outcome: FRAME_BAD_CRC, cursor: 25 });
  assert.deepEqual(step(reader, block), {
    outcome: FRAME_OK,
    cursor: 37,
    type: FRAME_FULL,
    payload: ascii("third"),
  });
  assert.deepEqual(step(reader, block), { outcome: FRAME_END_OF_LOG, cursor: 37 });
});

test("frame reader: the checksum covers the type byte: a FULL frame relabelled LAST is BAD_CRC", () => {
  const block = new Uint8Array(BLOCK_SIZE);
  putFrame(block, 0, FRAME_FULL, ascii("abc"));
  block[6] = FRAME_LAST;
  assert.deepEqual(step(new FrameReader(crc32), block), { outcome: FRAME_BAD_CRC, cursor: 10 });
});

test("frame reader: a flipped checksum byte is BAD_CRC", () => {
  const block = new Uint8Array(BLOCK_SIZE);
  putFrame(block, 0, FRAME_FULL, ascii("abc"));
  block[3] ^= 0x80;
  assert.deepEqual(step(new FrameReader(crc32), block), { outcome: FRAME_BAD_CRC, cursor: 10 });
});

// ---------------------------------------------------------------------------
// Record assembler

test("record assembler: a FULL frame is a record by itself (a view of its payload)", () => {
  const assembler = new RecordAssembler();
  const block = ascii("..full record..");
  const record = assembler.push(FRAME_FULL, block, 2, 13);
  assert.deepEqual(record, ascii("full record"));
  assert.equal(record?.buffer, block.buffer);
  assert.deepEqual(
    {
      within: assembler.withinRecord,
      orphan: assembler.orphan,
      interrupted: assembler.interrupted,
    },
    { within: false, orphan: false, interrupted: false },
  );
});

test("record assembler: FIRST, MIDDLE, MIDDLE, LAST are joined into one record returned on LAST", () => {
  const assembler = new RecordAssembler();
  const src = ascii("xxAAAxxBBxxCxxDDDD");
  assert.equal(assembler.push(FRAME_FIRST, src, 2, 5), undefined);
  assert.equal(assembler.withinRecord, true);
  assert.equal(assembler.push(FRAME_MIDDLE, src, 7, 9), undefined);
  assert.equal(assembler.push(FRAME_MIDDLE, src, 11, 12), undefined);
  assert.equal(assembler.withinRecord, true);
  assert.deepEqual(assembler.push(FRAME_LAST, src, 14, 18), ascii("AAABBCDDDD"));
  assert.equal(assembler.withinRecord, false);
});

test("record assembler: FIRST then LAST (no MIDDLE) is a record; an empty FIRST contributes nothing", () => {
  const assembler = new RecordAssembler();
  const src = ascii("headtail");
  assert.equal(assembler.push(FRAME_FIRST, src, 0, 4), undefined);
  assert.deepEqual(assembler.push(FRAME_LAST, src, 4, 8), ascii("headtail"));
  assert.equal(assembler.push(FRAME_FIRST, src, 0, 0), undefined);
  assert.deepEqual(assembler.push(FRAME_LAST, src, 4, 8), ascii("tail"));
});

test("record assembler: records larger than its initial 64 KiB buffer are joined intact", () => {
  const assembler = new RecordAssembler();
  const record = pattern(300 * 1024, 6);
  let result: Uint8Array | undefined;
  for (let at = 0; at < record.length; at += MAX_FRAME_PAYLOAD) {
    const end = Math.min(at + MAX_FRAME_PAYLOAD, record.length);
    const type = at === 0 ? FRAME_FIRST : end === record.length ? FRAME_LAST : FRAME_MIDDLE;
    result = assembler.push(type, record, at, end);
  }
  assert.deepEqual(result, record);
});

test("record assembler: a MIDDLE frame without a FIRST, after a record, is ignored and flagged orphan", () => {
  const assembler = new RecordAssembler();
  const src = ascii("middle");
  assembler.push(FRAME_FULL, src, 0, 1);
  assert.equal(assembler.push(FRAME_MIDDLE, src, 0, 6), undefined);
  assert.deepEqual(
    {
      within: assembler.withinRecord,
      orphan: assembler.orphan,
      continued: assembler.continued,
      interrupted: assembler.interrupted,
    },
    { within: false, orphan: true, continued: false, interrupted: false },
  );
  // The flag is per push: the next valid record clears it.
  assert.deepEqual(assembler.push(FRAME_FULL, src, 0, 3), ascii("mid"));
  assert.equal(assembler.orphan, false);
});

test("record assembler: a LAST frame without a FIRST, after a record, is ignored and flagged orphan", () => {
  const assembler = new RecordAssembler();
  assembler.push(FRAME_FULL, ascii("full"), 0, 4);
  assert.equal(assembler.push(FRAME_LAST, ascii("last"), 0, 4), undefined);
  assert.deepEqual(
    {
      within: assembler.withinRecord,
      orphan: assembler.orphan,
      continued: assembler.continued,
      interrupted: assembler.interrupted,
    },
    { within: false, orphan: true, continued: false, interrupted: false },
  );
});

test("record assembler: MIDDLE and LAST frames before any record start continue a record begun in deleted files: continued, not orphan", () => {
  const assembler = new RecordAssembler();
  assert.equal(assembler.push(FRAME_MIDDLE, ascii("middle"), 0, 6), undefined);
  assert.deepEqual([assembler.continued, assembler.orphan], [true, false]);
  assert.equal(assembler.push(FRAME_LAST, ascii("last"), 0, 4), undefined);
  assert.deepEqual([assembler.continued, assembler.orphan], [true, false]);
});

test("record assembler: a FIRST interrupted by a FULL reports interrupted, returns the FULL record, and the old tail is orphaned", () => {
  const assembler = new RecordAssembler();
  const src = ascii("oldnewtail");
  assert.equal(assembler.push(FRAME_FIRST, src, 0, 3), undefined);
  assert.deepEqual(assembler.push(FRAME_FULL, src, 3, 6), ascii("new"));
  assert.deepEqual(
    {
      within: assembler.withinRecord,
      orphan: assembler.orphan,
      interrupted: assembler.interrupted,
    },
    { within: false, orphan: false, interrupted: true },
  );
  assert.equal(assembler.push(FRAME_LAST, src, 6, 10), undefined);
  assert.equal(assembler.orphan, true);
  assert.equal(assembler.interrupted, false);
});

test("record assembler: a FIRST interrupted by another FIRST drops the first record and assembles the second", () => {
  const assembler = new RecordAssembler();
  const src = ascii("AAAABBBBCC");
  assert.equal(assembler.push(FRAME_FIRST, src, 0, 4), undefined);
  assert.equal(assembler.interrupted, false);
  assert.equal(assembler.push(FRAME_FIRST, src, 4, 8), undefined);
  assert.equal(assembler.interrupted, true);
  assert.equal(assembler.withinRecord, true);
  assert.deepEqual(assembler.push(FRAME_LAST, src, 8, 10), ascii("BBBBCC"));
});

test("record assembler: reset() drops the open record (returns true) so its LAST is an orphan; with none open it returns false", () => {
  const assembler = new RecordAssembler();
  const src = ascii("headtail");
  assembler.push(FRAME_FIRST, src, 0, 4);
  assert.equal(assembler.reset(), true);
  assert.equal(assembler.withinRecord, false);
  assert.equal(assembler.push(FRAME_LAST, src, 4, 8), undefined);
  assert.equal(assembler.orphan, true);
  assert.equal(assembler.reset(), false);
});

test("record assembler: breakStream() drops the open record, counting its frames; MIDDLE and LAST frames after it are continued, never joined, until a record starts", () => {
  const assembler = new RecordAssembler();
  const src = ascii("AAAABBBBCCCC");
  assembler.push(FRAME_FULL, src, 0, 1);
  assembler.push(FRAME_FIRST, src, 0, 4);
  assembler.push(FRAME_MIDDLE, src, 4, 8);
  assert.equal(assembler.breakStream(), 2);
  assert.equal(assembler.push(FRAME_MIDDLE, src, 4, 8), undefined);
  assert.deepEqual([assembler.continued, assembler.afterBreak, assembler.orphan], [
    true,
    true,
    false,
  ]);
  assert.equal(assembler.push(FRAME_LAST, src, 8, 12), undefined);
  assert.deepEqual([assembler.continued, assembler.afterBreak, assembler.orphan], [
    true,
    true,
    false,
  ]);
  assert.deepEqual(assembler.push(FRAME_FULL, src, 8, 12), ascii("CCCC"));
  assert.equal(assembler.afterBreak, false);
  assert.equal(assembler.breakStream(), 0, "no record open: nothing dropped");
});

test("frame reader + record assembler: a corrupted MIDDLE frame loses only the record it belongs to", () => {
  const before = ascii("before");
  const big = pattern(80 * 1024, 12);
  const after = ascii("after");
  const sink = new MemorySink();
  writeRecords(sink, [before, big, after]);
  const blocks = sink.blocks();
  blocks[1][FRAME_HEADER_SIZE + 1000] ^= 0xff; // inside the MIDDLE frame of `big`

  const reader = new FrameReader(crc32);
  const assembler = new RecordAssembler();
  const records: Uint8Array[] = [];
  let dropped = 0;
  let orphans = 0;
  outer: for (const block of blocks) {
    reader.cursor = 0;
    for (;;) {
      const outcome = reader.read(block);
      if (outcome === FRAME_END_OF_LOG) break outer;
      if (outcome === FRAME_END_OF_BLOCK || outcome === FRAME_BAD_BLOCK) break;
      if (outcome === FRAME_BAD_CRC) {
        if (assembler.reset()) dropped++;
        continue;
      }
      const record = assembler.push(reader.type, block, reader.payloadStart, reader.payloadEnd);
      if (assembler.orphan) orphans++;
      if (record !== undefined) records.push(record.slice());
    }
  }
  assert.deepEqual(records, [before, after]);
  assert.deepEqual({ dropped, orphans }, { dropped: 1, orphans: 1 });
});
