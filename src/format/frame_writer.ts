/**
 * Fragments records into frames (the LevelDB log layout). A record of known
 * length is streamed in with {@link FrameWriter.begin}, the `put*` methods and
 * {@link FrameWriter.end}; bytes are copied once, straight into the target's
 * buffer, and each frame's header is filled in when the frame is complete.
 *
 * @module
 */
import {
  BLOCK_SIZE,
  FRAME_FIRST,
  FRAME_FULL,
  FRAME_HEADER_SIZE,
  FRAME_LAST,
  FRAME_MIDDLE,
  MAX_FRAME_PAYLOAD,
} from "./constants.ts";
import type { Crc32 } from "./crc.ts";

/**
 * Where frames are written: an append-only byte buffer that follows the block
 * layout of the file being written. Implemented by the rolling writer.
 */
export interface FrameTarget {
  /** The buffer `reserve` returned indices into (may be replaced by `reserve`). */
  readonly buffer: Uint8Array;
  /** Bytes left in the current block (1..BLOCK_SIZE; a new block reports BLOCK_SIZE). */
  spaceInBlock(): number;
  /**
   * Makes room for `n` bytes at the current position (`n <= spaceInBlock()`),
   * advances past them and returns their index in `buffer`.
   */
  reserve(n: number): number;
}

/**
 * An upper bound of the bytes `records` records of `recordBytes` bytes in all
 * take once framed, wherever they start: a header per block they touch, one
 * more frame per record where it starts, and the zero padding (under a
 * header's size) before each.
 */
export function framedSizeBound(recordBytes: number, records = 1): number {
  return recordBytes +
    FRAME_HEADER_SIZE * (Math.ceil(recordBytes / MAX_FRAME_PAYLOAD) + 2 * records);
}

/** Writes records as frames into a {@link FrameTarget}. */
export class FrameWriter {
  readonly #target: FrameTarget;
  readonly #crc: Crc32;
  /** Record bytes not yet placed in a frame. */
  #left = 0;
  /** Index in the target's buffer of the current frame's header. */
  #frameStart = 0;
  /** Payload capacity of the current frame and how much of it is filled. */
  #frameCap = 0;
  #frameFill = 0;
  /** Bytes handed to the target for the current record (headers and padding included). */
  #written = 0;
  /** Index in the target's buffer of the first byte the last `putBytes` placed (-1: none). */
  lastPutStart = -1;
  readonly #scratch = new Uint8Array(8);
  readonly #scratchView = new DataView(this.#scratch.buffer);

  constructor(target: FrameTarget, crc: Crc32) {
    this.#target = target;
    this.#crc = crc;
  }

  /** Starts a record of exactly `length` bytes (> 0). */
  begin(length: number): void {
    this.#left = length;
    this.#written = 0;
    this.#openFrame(true);
  }

  /** Copies `src[start, end)` into the record. */
  putBytes(src: Uint8Array, start = 0, end = src.length): void {
    this.lastPutStart = -1;
    while (start < end) {
      if (this.#frameFill === this.#frameCap) {
        if (this.#left === 0) throw new Error("record longer than announced");
        this.#nextFrame();
      }
      const n = Math.min(end - start, this.#frameCap - this.#frameFill);
      const at = this.#frameStart + FRAME_HEADER_SIZE + this.#frameFill;
      const whole = start === 0 && n === src.length;
      this.#target.buffer.set(whole ? src : src.subarray(start, start + n), at);
      if (this.lastPutStart < 0) this.lastPutStart = at;
      this.#frameFill += n;
      start += n;
    }
  }

  /** Appends one byte. */
  putU8(value: number): void {
    if (this.#frameCap - this.#frameFill >= 1) {
      this.#target.buffer[this.#frameStart + FRAME_HEADER_SIZE + this.#frameFill++] = value;
      return;
    }
    this.#scratch[0] = value;
    this.putBytes(this.#scratch, 0, 1);
  }

  /** Appends a little-endian u16. */
  putU16(value: number): void {
    if (this.#frameCap - this.#frameFill >= 2) {
      const buf = this.#target.buffer;
      const at = this.#frameStart + FRAME_HEADER_SIZE + this.#frameFill;
      buf[at] = value & 0xff;
      buf[at + 1] = value >>> 8;
      this.#frameFill += 2;
      return;
    }
    this.#scratchView.setUint16(0, value, true);
    this.putBytes(this.#scratch, 0, 2);
  }

  /** Appends a little-endian u32. */
  putU32(value: number): void {
    if (this.#frameCap - this.#frameFill >= 4) {
      writeU32(this.#target.buffer, this.#frameStart + FRAME_HEADER_SIZE + this.#frameFill, value);
      this.#frameFill += 4;
      return;
    }
    this.#scratchView.setUint32(0, value, true);
    this.putBytes(this.#scratch, 0, 4);
  }

  /** Appends a little-endian u64 given as a safe non-negative integer. */
  putU64(value: number): void {
    // Positions mostly fit 32 bits: skip the floating-point division then.
    const low = value <= 0xffff_ffff ? value : value % 0x1_0000_0000;
    const high = value <= 0xffff_ffff ? 0 : (value - low) / 0x1_0000_0000;
    if (this.#frameCap - this.#frameFill >= 8) {
      const buf = this.#target.buffer;
      const at = this.#frameStart + FRAME_HEADER_SIZE + this.#frameFill;
      writeU32(buf, at, low);
      writeU32(buf, at + 4, high);
      this.#frameFill += 8;
      return;
    }
    this.#scratchView.setUint32(0, low, true);
    this.#scratchView.setUint32(4, high, true);
    this.putBytes(this.#scratch, 0, 8);
  }

  /** Finishes the record; returns the bytes it took in the log (headers and padding included). */
  end(): number {
    const missing = this.#left + this.#frameCap - this.#frameFill;
    if (missing !== 0) throw new Error(`record shorter than announced: ${missing} bytes missing`);
    this.#sealFrame();
    return this.#written;
  }

  #nextFrame(): void {
    this.#sealFrame();
    this.#openFrame(false);
  }

  /**
   * Fills the rest of the block with zeros when it is too small for a frame
   * header (readers skip it); returns the bytes filled (0 when a header fits).
   */
  padBlockTail(): number {
    const space = this.#target.spaceInBlock();
    return space < FRAME_HEADER_SIZE ? this.#zeroFill(space) : 0;
  }

  /** Reserves `n` bytes and zeroes them; returns `n`. */
  #zeroFill(n: number): number {
    const at = this.#target.reserve(n);
    this.#target.buffer.fill(0, at, at + n);
    return n;
  }

  #openFrame(first: boolean): void {
    const target = this.#target;
    let space = target.spaceInBlock();
    if (space < FRAME_HEADER_SIZE) {
      // Invariant: a frame header never straddles a block; the tail is zero padding.
      this.#written += this.#zeroFill(space);
      space = BLOCK_SIZE;
    }
    const cap = Math.min(space - FRAME_HEADER_SIZE, this.#left);
    const last = cap === this.#left;
    const type = first ? (last ? FRAME_FULL : FRAME_FIRST) : (last ? FRAME_LAST : FRAME_MIDDLE);
    const at = target.reserve(FRAME_HEADER_SIZE + cap);
    const buf = target.buffer;
    buf[at + 4] = cap & 0xff;
    buf[at + 5] = cap >>> 8;
    buf[at + 6] = type;
    this.#frameStart = at;
    this.#frameCap = cap;
    this.#frameFill = 0;
    this.#left -= cap;
    this.#written += FRAME_HEADER_SIZE + cap;
  }

  /** Writes the CRC of the current frame: over its type byte and payload. */
  #sealFrame(): void {
    const buf = this.#target.buffer;
    const at = this.#frameStart;
    const crc = this.#crc(buf, at + 6, at + FRAME_HEADER_SIZE + this.#frameCap);
    buf[at] = crc & 0xff;
    buf[at + 1] = (crc >>> 8) & 0xff;
    buf[at + 2] = (crc >>> 16) & 0xff;
    buf[at + 3] = crc >>> 24;
  }
}

function writeU32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value & 0xff;
  buf[at + 1] = (value >>> 8) & 0xff;
  buf[at + 2] = (value >>> 16) & 0xff;
  buf[at + 3] = value >>> 24;
}
