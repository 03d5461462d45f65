/** Builds the bytes of one wal file record by record (tests of replay and of scans). */
import { FrameBuffer } from "../../src/format/frame_buffer.ts";
import {
  BLOCK_SIZE,
  RECORD_DELETE_QUEUE,
  RECORD_POSITION,
  RECORD_TRUNCATE,
} from "../../src/format/constants.ts";
import type { Crc32 } from "../../src/format/crc.ts";
import { FrameWriter } from "../../src/format/frame_writer.ts";
import { writeAppendRecord, writeControlRecord } from "../../src/format/record.ts";

const encoder = new TextEncoder();

/** Records written one after the other into one wal file. */
export class WalBuilder {
  readonly sink = new FrameBuffer();
  readonly #out: FrameWriter;

  constructor(crc: Crc32) {
    this.#out = new FrameWriter(this.sink, crc);
  }

  /** A control record of `kind` (RecordPosition, Truncate or DeleteQueue). */
  control(kind: number, queue: string, position: number): this {
    writeControlRecord(this.#out, kind as 1 | 2 | 3, encoder.encode(queue), position);
    return this;
  }

  create(queue: string, next = 0): this {
    return this.control(RECORD_POSITION, queue, next);
  }

  append(queue: string, first: number, ...texts: string[]): this {
    const payloads = texts.map((t) => encoder.encode(t));
    const bytes = payloads.reduce((n, p) => n + p.length, 0);
    writeAppendRecord(this.#out, encoder.encode(queue), first, payloads, bytes);
    return this;
  }

  truncate(queue: string, position: number): this {
    return this.control(RECORD_TRUNCATE, queue, position);
  }

  delete(queue: string): this {
    return this.control(RECORD_DELETE_QUEUE, queue, 0);
  }

  /** The file: the records, then zeros up to whole blocks (at least two). */
  bytes(): Uint8Array {
    const used = this.sink.bytes();
    const out = new Uint8Array(Math.max(2, Math.ceil(used.length / BLOCK_SIZE) + 1) * BLOCK_SIZE);
    out.set(used);
    return out;
  }
}
