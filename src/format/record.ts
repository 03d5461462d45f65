/**
 * The multiplexed record codec: what a reassembled record holds.
 *
 * `kind: u8 · position: u64 · queue_len: u16 · queue (UTF-8) · body`, and for
 * AppendRecords a body of items `position: u64 · len: u32 · payload`.
 *
 * @module
 */
import {
  BLOCK_SIZE,
  FRAME_HEADER_SIZE,
  ITEM_HEADER_SIZE,
  RECORD_APPEND,
  RECORD_DELETE_QUEUE,
  RECORD_HEADER_SIZE,
  type RECORD_POSITION,
  RECORD_TRUNCATE,
} from "./constants.ts";
import type { FrameWriter } from "./frame_writer.ts";

const TWO_POW_32 = 0x1_0000_0000;
/** Largest high word of a u64 that still gives a safe integer. */
const MAX_SAFE_HIGH = 0x1f_ffff;
/** The high word of 2^53, the largest u64 {@link readU64} returns (exact as a double). */
const HIGH_OF_2_POW_53 = 0x20_0000;

/** Size of a record without body for a queue name of `queueBytes` UTF-8 bytes. */
export function controlRecordSize(queueBytes: number): number {
  return RECORD_HEADER_SIZE + queueBytes;
}

/** Size of an AppendRecords record holding `count` payloads of `payloadBytes` bytes in all. */
export function appendRecordSize(queueBytes: number, count: number, payloadBytes: number): number {
  return RECORD_HEADER_SIZE + queueBytes + count * ITEM_HEADER_SIZE + payloadBytes;
}

/** Writes a Truncate, RecordPosition or DeleteQueue record. Returns the bytes it took in the log. */
export function writeControlRecord(
  out: FrameWriter,
  kind: typeof RECORD_TRUNCATE | typeof RECORD_POSITION | typeof RECORD_DELETE_QUEUE,
  queue: Uint8Array,
  position: number,
): number {
  out.begin(controlRecordSize(queue.length));
  writeHeader(out, kind, position, queue);
  return out.end();
}

/**
 * Writes an AppendRecords record: `payloads` at positions `position`,
 * `position + 1`, ... Returns the bytes it took in the log. With `starts`,
 * notes where each payload's first byte went in the frame target's buffer
 * (`starts[i]`; -1 for an empty payload).
 */
export function writeAppendRecord(
  out: FrameWriter,
  queue: Uint8Array,
  position: number,
  payloads: readonly Uint8Array[],
  payloadBytes: number,
  starts?: Float64Array,
): number {
  out.begin(appendRecordSize(queue.length, payloads.length, payloadBytes));
  writeHeader(out, RECORD_APPEND, position, queue);
  for (let i = 0; i < payloads.length; i++) {
    const payload = payloads[i];
    out.putU64(position + i);
    out.putU32(payload.length);
    out.putBytes(payload);
    if (starts !== undefined) starts[i] = out.lastPutStart;
  }
  return out.end();
}

/**
 * Writes a record that replay ignores, taking exactly `frameBytes` bytes of
 * the log from the current position (frame headers included): a DeleteQueue
 * for `absentQueue` (a queue that does not exist at that point of the log),
 * whose body is zeros. Used to fill a block to its end. `frameBytes` must be
 * the space left in the block, or that plus one whole block when the space
 * left is too small for a record.
 */
export function writePaddingRecord(
  out: FrameWriter,
  absentQueue: Uint8Array,
  frameBytes: number,
): number {
  const frames = frameBytes > BLOCK_SIZE ? 2 : 1;
  const length = frameBytes - frames * FRAME_HEADER_SIZE;
  out.begin(length);
  writeHeader(out, RECORD_DELETE_QUEUE, 0, absentQueue);
  const body = length - controlRecordSize(absentQueue.length);
  for (let left = body; left > 0; left -= ZEROS.length) {
    out.putBytes(ZEROS, 0, Math.min(left, ZEROS.length));
  }
  return out.end();
}

const ZEROS = new Uint8Array(4096);

/** The smallest padding record for a queue name of `queueBytes` bytes, frame header included. */
export function minPaddingBytes(queueBytes: number): number {
  return FRAME_HEADER_SIZE + controlRecordSize(queueBytes);
}

/**
 * Writes AppendRecords records for `count` records taken from `source`
 * (position and payload of the i-th), one record per run of consecutive
 * positions and at most `maxRecordBytes` of payload each. Returns the bytes
 * written to the log. With `starts`, notes where the i-th payload's first
 * byte went in the frame target's buffer (`starts[i]`, -1 when empty).
 */
export function writeAppendRuns(
  out: FrameWriter,
  queue: Uint8Array,
  count: number,
  positionAt: (i: number) => number,
  payloadAt: (i: number) => Uint8Array,
  maxRecordBytes: number,
  starts?: Float64Array,
): number {
  let written = 0;
  let i = 0;
  const batch: Uint8Array[] = [];
  while (i < count) {
    const first = positionAt(i);
    let bytes = 0;
    batch.length = 0;
    do {
      const payload = payloadAt(i);
      batch.push(payload);
      bytes += payload.length;
      i++;
    } while (i < count && positionAt(i) === first + batch.length && bytes < maxRecordBytes);
    const noted = starts?.subarray(i - batch.length, i);
    written += writeAppendRecord(out, queue, first, batch, bytes, noted);
  }
  return written;
}

function writeHeader(out: FrameWriter, kind: number, position: number, queue: Uint8Array): void {
  out.putU8(kind);
  out.putU64(position);
  out.putU16(queue.length);
  out.putBytes(queue);
}

/**
 * Reads a little-endian u64 exactly: values up to 2^53 (Number.MAX_SAFE_INTEGER
 * + 1, still exact as a double: the next position after the last record a
 * number can name); -1 above, never a rounded value.
 */
export function readU64(bytes: Uint8Array, at: number): number {
  const low = (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>>
    0;
  const high =
    (bytes[at + 4] | (bytes[at + 5] << 8) | (bytes[at + 6] << 16) | (bytes[at + 7] << 24)) >>> 0;
  if (high > MAX_SAFE_HIGH && (high !== HIGH_OF_2_POW_53 || low !== 0)) return -1;
  return high * TWO_POW_32 + low;
}

/** Reads a little-endian u64 as a bigint (any value, for messages about positions readU64 refuses). */
export function readU64BigInt(bytes: Uint8Array, at: number): bigint {
  return (BigInt(readU32(bytes, at + 4)) << 32n) | BigInt(readU32(bytes, at));
}

/** Reads a little-endian u32. */
export function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/**
 * A decoded record header. Reused from record to record: {@link decodeRecord}
 * fills it in place.
 */
export class DecodedRecord {
  /** RECORD_TRUNCATE, RECORD_POSITION, RECORD_DELETE_QUEUE or RECORD_APPEND. */
  kind = 0;
  /** The header position; -1 if above 2^53 (see {@link readU64}). */
  position = 0;
  /** Offsets of the queue name in the record. */
  queueStart = 0;
  queueEnd = 0;
  /** Offset where the body (AppendRecords items) starts. */
  bodyStart = 0;
  /** Number of items in an AppendRecords body. */
  itemCount = 0;
}

/**
 * Decodes `record` into `out`. Returns false when the record is malformed
 * (unknown kind, too short, or an AppendRecords body that does not parse
 * exactly). Positions are checked by the caller (-1 means above 2^53).
 */
export function decodeRecord(record: Uint8Array, out: DecodedRecord): boolean {
  if (record.length < RECORD_HEADER_SIZE) return false;
  const kind = record[0];
  if (kind < RECORD_TRUNCATE || kind > RECORD_APPEND) return false;
  const queueLen = record[9] | (record[10] << 8);
  const queueEnd = RECORD_HEADER_SIZE + queueLen;
  if (queueEnd > record.length) return false;
  out.kind = kind;
  out.position = readU64(record, 1);
  out.queueStart = RECORD_HEADER_SIZE;
  out.queueEnd = queueEnd;
  out.bodyStart = queueEnd;
  out.itemCount = 0;
  if (kind !== RECORD_APPEND) return true;
  let at = queueEnd;
  let count = 0;
  while (at < record.length) {
    if (record.length - at < ITEM_HEADER_SIZE) return false;
    const len = readU32(record, at + 8);
    at += ITEM_HEADER_SIZE + len;
    if (at > record.length) return false;
    count++;
  }
  out.itemCount = count;
  return true;
}
