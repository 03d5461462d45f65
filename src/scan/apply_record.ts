/**
 * Applies one record a {@link FramePass} found to the {@link QueueStates},
 * as replay applies it to the queues in memory (`replay/recovery.ts`), and tells a
 * sink what happened: queue events and each item with its payload's place
 * in the record. Out-of-range positions are handled as replay does.
 *
 * @module
 */
import {
  ITEM_HEADER_SIZE,
  RECORD_APPEND,
  RECORD_DELETE_QUEUE,
  RECORD_POSITION,
  RECORD_TRUNCATE,
} from "../format/constants.ts";
import { readU32, readU64, readU64BigInt } from "../format/record.ts";
import type { FramePass } from "./frame_pass.ts";
import type { QueueStates } from "./queue_states.ts";

/** What applying a record tells; every method is optional. */
export interface RecordListener {
  /** The queue exists from here on, empty, with next position `position`. */
  created?(queue: string, position: number): void;
  /** The queue's records up to `position` are removed. */
  truncated?(queue: string, position: number): void;
  /** The queue is removed. */
  deleted?(queue: string, position: number): void;
  /** An item: sequence number `seq`, payload `pass.record[start, end)`. */
  item?(queue: string, position: number, start: number, end: number, seq: number): void;
}

/** Applies the record `pass` holds to `states`, telling `sink`. */
export function applyRecord(pass: FramePass, states: QueueStates, sink: RecordListener): void {
  const record = pass.record;
  const r = pass.decoded;
  const name = pass.queue;
  const file = pass.recordFile;
  switch (r.kind) {
    case RECORD_DELETE_QUEUE:
      if (states.delete(name)) sink.deleted?.(name, r.position);
      return;
    case RECORD_POSITION:
      states.position(name, r.position, () => readU64BigInt(record, 1), file);
      if (r.position !== -1) sink.created?.(name, r.position);
      return;
    case RECORD_TRUNCATE:
      if (states.truncate(name, r.position, () => readU64BigInt(record, 1), file)) {
        sink.truncated?.(name, r.position);
      }
      return;
    case RECORD_APPEND:
      break;
  }
  if (states.outOfRange.has(name)) return;
  if (r.position === -1) return states.markOutOfRange(name, readU64BigInt(record, 1), file);
  // Records up to 2^53 - 1 only: check them all first, as replay does.
  let at = r.bodyStart;
  for (let i = 0; i < r.itemCount; i++) {
    const position = readU64(record, at);
    if (position === -1 || position > Number.MAX_SAFE_INTEGER) {
      return states.markOutOfRange(name, readU64BigInt(record, at), file);
    }
    at += ITEM_HEADER_SIZE + readU32(record, at + 8);
  }
  let q = states.beginAppend(name, r.position)!;
  if (states.created) sink.created?.(name, r.position);
  at = r.bodyStart;
  const seq = pass.seq;
  for (let i = 0; i < r.itemCount; i++) {
    const position = readU64(record, at);
    const len = readU32(record, at + 8);
    const start = at + ITEM_HEADER_SIZE;
    q = states.item(name, q, position, len, seq + i, file);
    if (states.resetByItem) {
      pass.positionInPast();
      sink.created?.(name, position);
    }
    sink.item?.(name, position, start, start + len, seq + i);
    at = start + len;
  }
}
