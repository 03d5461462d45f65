/**
 * The frame writer: how records are cut into frames and laid out in blocks
 * (docs/FORMAT.md, "Blocks and frames"). Bytes are checked exactly, checksums
 * against an independent table-based CRC-32.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameWriter } from "../../src/format/frame_writer.ts";
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

/** Sink memory not yet written holds this, so bytes the writer forgot to write show up. */
const GARBAGE = 0xaa;

/** Independent CRC-32/ISO-HDLC (reflected 0xEDB88320, init and xor-out 0xFFFFFFFF). */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function referenceCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The expected bytes of one frame, computed independently of the writer. */
function frame(type: number, payload: Uint8Array): Uint8Array {
  const crc = referenceCrc32(concat(Uint8Array.of(type), payload));
  const header = Uint8Array.of(
    crc & 0xff,
    (crc >>> 8) & 0xff,
    (crc >>> 16) & 0xff,
    crc >>> 24,
    payload.length & 0xff,
    payload.length >>> 8,
    type,
  );
  return concat(header, payload);
}

/** Writes `record` as one record; returns what end() returned. */
function writeRecord(writer: FrameWriter, record: Uint8Array): number {
  writer.begin(record.length);
  writer.putBytes(record);
  return writer.end();
}

interface FrameInfo {
  at: number;
  type: number;
  len: number;
}

/** Frame headers found in `bytes`, read the simple way (no CRC check), plus the joined payload. */
function walkFrames(bytes: Uint8Array): { frames: FrameInfo[]; payload: Uint8Array } {
  const frames: FrameInfo[] = [];
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const left = BLOCK_SIZE - (at % BLOCK_SIZE);
    if (left < FRAME_HEADER_SIZE) {
      at += left;
      continue;
    }
    const len = bytes[at + 4] | (bytes[at + 5] << 8);
    const type = bytes[at + 6];
    frames.push({ at, type, len });
    parts.push(bytes.subarray(at + FRAME_HEADER_SIZE, at + FRAME_HEADER_SIZE + len));
    at += FRAME_HEADER_SIZE + len;
  }
  return { frames, payload: concat(...parts) };
}

/** Checks every frame's stored CRC against the reference CRC over type byte + payload. */
function assertFrameCrcs(bytes: Uint8Array, frames: FrameInfo[]): void {
  for (const f of frames) {
    const stored =
      (bytes[f.at] | (bytes[f.at + 1] << 8) | (bytes[f.at + 2] << 16) | (bytes[f.at + 3] << 24)) >>>
      0;
    const expected = referenceCrc32(bytes.subarray(f.at + 6, f.at + FRAME_HEADER_SIZE + f.len));
    assert.equal(stored, expected, `CRC of the frame at ${f.at}`);
  }
}

// ---------------------------------------------------------------------------
// CRC-32

test('crc32: the checksum of "123456789" is 0xCBF43926 (CRC-32/ISO-HDLC check value)', () => {
  const data = ascii("123456789");
  assert.equal(crc32(data, 0, data.length), 0xcbf43926);
  assert.equal(referenceCrc32(data), 0xcbf43926);
});

test("crc32: only bytes [start, end) are checksummed", () => {
  const data = ascii("xx123456789yy");
  assert.equal(crc32(data, 2, 11), 0xcbf43926);
});

test("crc32: agrees with the reference table-based CRC-32 on 4 KiB of varied data", () => {
  const data = pattern(4096, 7);
  for (const [start, end] of [[0, 4096], [0, 1], [13, 14], [100, 3001], [4095, 4096]]) {
    assert.equal(
      crc32(data, start, end),
      referenceCrc32(data.subarray(start, end)),
      `[${start}, ${end})`,
    );
  }
});

// ---------------------------------------------------------------------------
// FULL frames

test("frame writer: a record that fits the block is one FULL frame: crc32 LE over type byte + payload, len u16 LE, type 1, payload", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  writeRecord(writer, ascii("hello"));
  // zlib.crc32(b"\x01hello") == 0x8aac239d
  assert.deepEqual(
    sink.bytes(),
    Uint8Array.of(0x9d, 0x23, 0xac, 0x8a, 5, 0, FRAME_FULL, 0x68, 0x65, 0x6c, 0x6c, 0x6f),
  );
  assert.deepEqual(sink.bytes(), frame(FRAME_FULL, ascii("hello")));
});

test("frame writer: end() of a FULL frame returns header + payload bytes", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  assert.equal(writeRecord(writer, ascii("hello")), 12);
  assert.equal(writeRecord(writer, pattern(1000)), 1007);
  assert.equal(sink.length, 1019);
});

test("frame writer: consecutive records are packed back to back in the block", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const a = ascii("first");
  const b = ascii("second record");
  const c = Uint8Array.of(0);
  writeRecord(writer, a);
  writeRecord(writer, b);
  writeRecord(writer, c);
  assert.deepEqual(
    sink.bytes(),
    concat(frame(FRAME_FULL, a), frame(FRAME_FULL, b), frame(FRAME_FULL, c)),
  );
});

test("frame writer: putU8/putU16/putU32/putU64 append little-endian integers, u64 above 2^32 included", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  writer.begin(1 + 2 + 4 + 8 + 8 + 8);
  writer.putU8(0xfe);
  writer.putU16(0xbeef);
  writer.putU32(0xdeadbeef);
  writer.putU64(2 ** 40 + 0x01020304);
  writer.putU64(Number.MAX_SAFE_INTEGER);
  writer.putU64(0);
  assert.equal(writer.end(), 7 + 31);
  const payload = Uint8Array.of(
    0xfe,
    0xef,
    0xbe,
    0xef,
    0xbe,
    0xad,
    0xde,
    0x04,
    0x03,
    0x02,
    0x01,
    0x00,
    0x01,
    0x00,
    0x00,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0x1f,
    0x00,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  );
  assert.deepEqual(sink.bytes(), frame(FRAME_FULL, payload));
});

test("frame writer: putBytes copies only src[start, end) and a record may be streamed in pieces", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const src = ascii("..abc..defg");
  writer.begin(7);
  writer.putBytes(src, 2, 5);
  writer.putBytes(src, 7);
  writer.end();
  assert.deepEqual(sink.bytes(), frame(FRAME_FULL, ascii("abcdefg")));
});

test("frame writer: a record of exactly 32761 bytes fills a fresh block as one FULL frame", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const record = pattern(MAX_FRAME_PAYLOAD);
  assert.equal(writeRecord(writer, record), BLOCK_SIZE);
  assert.deepEqual(sink.bytes(), frame(FRAME_FULL, record));
  assert.equal(sink.spaceInBlock(), BLOCK_SIZE);
});

// ---------------------------------------------------------------------------
// Records spanning blocks

test("frame writer: a record of 32762 bytes at a block start is FIRST (32761) then LAST (1) in the next block", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const record = pattern(MAX_FRAME_PAYLOAD + 1);
  assert.equal(writeRecord(writer, record), record.length + 2 * FRAME_HEADER_SIZE);
  assert.deepEqual(
    sink.bytes(),
    concat(
      frame(FRAME_FIRST, record.subarray(0, MAX_FRAME_PAYLOAD)),
      frame(FRAME_LAST, record.subarray(MAX_FRAME_PAYLOAD)),
    ),
  );
});

test("frame writer: an 80 KiB record is FIRST 32761, MIDDLE 32761, LAST 16398 — one frame per block", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const record = pattern(80 * 1024, 3);
  const written = writeRecord(writer, record);
  const bytes = sink.bytes();
  const { frames, payload } = walkFrames(bytes);
  assert.deepEqual(frames, [
    { at: 0, type: FRAME_FIRST, len: 32761 },
    { at: BLOCK_SIZE, type: FRAME_MIDDLE, len: 32761 },
    { at: 2 * BLOCK_SIZE, type: FRAME_LAST, len: 81920 - 2 * 32761 },
  ]);
  assertFrameCrcs(bytes, frames);
  assert.deepEqual(payload, record);
  assert.equal(written, 81920 + 3 * FRAME_HEADER_SIZE);
  assert.equal(bytes.length, written);
});

test("frame writer: a 300 KiB record is FIRST, 8 MIDDLE and a LAST of 12351 bytes", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const record = pattern(300 * 1024, 5);
  const written = writeRecord(writer, record);
  const bytes = sink.bytes();
  const { frames, payload } = walkFrames(bytes);
  const expected: FrameInfo[] = [{ at: 0, type: FRAME_FIRST, len: 32761 }];
  for (let i = 1; i <= 8; i++) {
    expected.push({ at: i * BLOCK_SIZE, type: FRAME_MIDDLE, len: 32761 });
  }
  expected.push({ at: 9 * BLOCK_SIZE, type: FRAME_LAST, len: 307200 - 9 * 32761 });
  assert.deepEqual(frames, expected);
  assert.equal(expected[9].len, 12351);
  assertFrameCrcs(bytes, frames);
  assert.deepEqual(payload, record);
  assert.equal(written, 307200 + 10 * FRAME_HEADER_SIZE);
});

test("frame writer: a record started mid-block takes the rest of the block as its FIRST frame", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  writeRecord(writer, pattern(93)); // 100 bytes used
  const record = pattern(40_000, 9);
  const written = writeRecord(writer, record);
  const bytes = sink.bytes();
  const { frames, payload } = walkFrames(bytes);
  const firstLen = BLOCK_SIZE - 100 - FRAME_HEADER_SIZE;
  assert.deepEqual(frames, [
    { at: 0, type: FRAME_FULL, len: 93 },
    { at: 100, type: FRAME_FIRST, len: firstLen },
    { at: BLOCK_SIZE, type: FRAME_LAST, len: 40_000 - firstLen },
  ]);
  assertFrameCrcs(bytes, frames);
  assert.deepEqual(payload, concat(pattern(93), record));
  assert.equal(written, 40_000 + 2 * FRAME_HEADER_SIZE);
});

test("frame writer: no frame crosses a block boundary over a run of mixed record sizes", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const sizes = [5, 32_000, 70_000, 3, 32_761, 1, 100_000];
  const records = sizes.map((size) => pattern(size, size));
  const written = records.map((r) => writeRecord(writer, r));
  const bytes = sink.bytes();
  const { frames, payload } = walkFrames(bytes);
  for (const f of frames) {
    const blockEnd = (Math.floor(f.at / BLOCK_SIZE) + 1) * BLOCK_SIZE;
    assert.ok(
      f.at + FRAME_HEADER_SIZE + f.len <= blockEnd,
      `frame at ${f.at} (len ${f.len}) crosses ${blockEnd}`,
    );
  }
  assertFrameCrcs(bytes, frames);
  assert.deepEqual(payload, concat(...records));
  assert.equal(written.reduce((a, b) => a + b, 0), bytes.length);
});

// ---------------------------------------------------------------------------
// Block tails: padding and empty FIRST frames

for (const free of [1, 2, 3, 4, 5, 6]) {
  test(`frame writer: a block left with ${free} free byte${free === 1 ? "" : "s"} is zero-padded and the next frame starts at the next block`, () => {
    const sink = new MemorySink(GARBAGE);
    const writer = new FrameWriter(sink, crc32);
    const a = pattern(BLOCK_SIZE - FRAME_HEADER_SIZE - free, 11);
    assert.equal(writeRecord(writer, a), BLOCK_SIZE - free);
    assert.equal(sink.spaceInBlock(), free);
    const b = ascii("next record");
    // end() counts the padding the record needed.
    assert.equal(writeRecord(writer, b), free + FRAME_HEADER_SIZE + b.length);
    assert.deepEqual(
      sink.bytes(),
      concat(frame(FRAME_FULL, a), new Uint8Array(free), frame(FRAME_FULL, b)),
    );
  });
}

test("frame writer: a block left with 0 free bytes needs no padding and the next frame starts at the next block", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const a = pattern(MAX_FRAME_PAYLOAD, 11);
  assert.equal(writeRecord(writer, a), BLOCK_SIZE);
  const b = ascii("next record");
  assert.equal(writeRecord(writer, b), FRAME_HEADER_SIZE + b.length);
  assert.deepEqual(sink.bytes(), concat(frame(FRAME_FULL, a), frame(FRAME_FULL, b)));
});

test("frame writer: a multi-frame record that follows a 3-byte block tail pads it and starts FIRST at the next block", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const a = pattern(BLOCK_SIZE - FRAME_HEADER_SIZE - 3, 2);
  writeRecord(writer, a);
  const b = pattern(MAX_FRAME_PAYLOAD + 10, 4);
  assert.equal(writeRecord(writer, b), 3 + b.length + 2 * FRAME_HEADER_SIZE);
  assert.deepEqual(
    sink.bytes(),
    concat(
      frame(FRAME_FULL, a),
      new Uint8Array(3),
      frame(FRAME_FIRST, b.subarray(0, MAX_FRAME_PAYLOAD)),
      frame(FRAME_LAST, b.subarray(MAX_FRAME_PAYLOAD)),
    ),
  );
});

test("frame writer: a block left with exactly 7 free bytes gets an empty FIRST frame (len 0), the rest goes to the next block", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const a = pattern(BLOCK_SIZE - 2 * FRAME_HEADER_SIZE, 11);
  assert.equal(writeRecord(writer, a), BLOCK_SIZE - 7);
  const b = ascii("ten bytes!");
  assert.equal(writeRecord(writer, b), FRAME_HEADER_SIZE + FRAME_HEADER_SIZE + b.length);
  // zlib.crc32(b"\x02") == 0x3c0c8ea1
  const emptyFirst = Uint8Array.of(0xa1, 0x8e, 0x0c, 0x3c, 0, 0, FRAME_FIRST);
  assert.deepEqual(emptyFirst, frame(FRAME_FIRST, new Uint8Array(0)));
  assert.deepEqual(sink.bytes(), concat(frame(FRAME_FULL, a), emptyFirst, frame(FRAME_LAST, b)));
});

test("frame writer: a block left with 8 free bytes gets a FIRST frame with 1 payload byte", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  const a = pattern(BLOCK_SIZE - 2 * FRAME_HEADER_SIZE - 1, 11);
  assert.equal(writeRecord(writer, a), BLOCK_SIZE - 8);
  const b = ascii("ten bytes!");
  assert.equal(writeRecord(writer, b), 2 * FRAME_HEADER_SIZE + b.length);
  assert.deepEqual(
    sink.bytes(),
    concat(
      frame(FRAME_FULL, a),
      frame(FRAME_FIRST, b.subarray(0, 1)),
      frame(FRAME_LAST, b.subarray(1)),
    ),
  );
});

test("frame writer: a record that exactly fills the space left in a block is a FULL frame, not FIRST + empty LAST", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  writeRecord(writer, pattern(100));
  const rest = BLOCK_SIZE - 107 - FRAME_HEADER_SIZE;
  const b = pattern(rest, 8);
  assert.equal(writeRecord(writer, b), rest + FRAME_HEADER_SIZE);
  assert.deepEqual(sink.bytes(), concat(frame(FRAME_FULL, pattern(100)), frame(FRAME_FULL, b)));
  assert.equal(sink.length, BLOCK_SIZE);
});

test("frame writer: padding is written as zeros over whatever the sink buffer held", () => {
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  sink.skipTo(BLOCK_SIZE - 5); // garbage up to 5 bytes before the block end
  writeRecord(writer, ascii("x"));
  assert.deepEqual(
    sink.bytes().subarray(BLOCK_SIZE - 5),
    concat(new Uint8Array(5), frame(FRAME_FULL, ascii("x"))),
  );
});

// ---------------------------------------------------------------------------
// Misuse

test("frame writer: end() throws when fewer bytes were put than announced (within one frame)", () => {
  const writer = new FrameWriter(new MemorySink(GARBAGE), crc32);
  writer.begin(10);
  writer.putBytes(ascii("abc"));
  assert.throws(() => writer.end(), /record shorter than announced/);
});

test("frame writer: end() throws when fewer bytes were put than announced, even if the last frame so far is full", () => {
  // 40000 announced at a block start: FIRST holds 32761 bytes; stopping right there leaves 7239 missing.
  const sink = new MemorySink(GARBAGE);
  const writer = new FrameWriter(sink, crc32);
  writer.begin(40_000);
  writer.putBytes(pattern(MAX_FRAME_PAYLOAD));
  assert.throws(() => writer.end(), /record shorter than announced/);
});
