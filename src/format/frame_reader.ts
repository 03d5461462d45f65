/**
 * Reads physical frames out of one block. Pure: no I/O; the caller hands in
 * blocks and decides what to do on each outcome (see docs/FORMAT.md,
 * "Damage within the log" and "End of the log").
 *
 * @module
 */
import { BLOCK_SIZE, FRAME_HEADER_SIZE, FRAME_LAST } from "./constants.ts";
import type { Crc32 } from "./crc.ts";

/** A valid frame: see `type`, `payloadStart`, `payloadEnd`. */
export const FRAME_OK = 0;
/** Seven zero bytes: no more data in the log. */
export const FRAME_END_OF_LOG = 1;
/** Fewer than seven bytes left in the block: continue with the next block. */
export const FRAME_END_OF_BLOCK = 2;
/** Unknown type or a length crossing the block: the rest of the block is skipped. */
export const FRAME_BAD_BLOCK = 3;
/** The checksum does not match: this frame is dropped, the next one follows. */
export const FRAME_BAD_CRC = 4;

/** Outcome of {@link FrameReader.read}. */
export type FrameOutcome =
  | typeof FRAME_OK
  | typeof FRAME_END_OF_LOG
  | typeof FRAME_END_OF_BLOCK
  | typeof FRAME_BAD_BLOCK
  | typeof FRAME_BAD_CRC;

/**
 * Parses frames of a block at a cursor. The fields describe the last frame
 * read; `cursor` is where the next frame would start.
 */
export class FrameReader {
  readonly #crc: Crc32;
  /** Offset in the block of the next frame. */
  cursor = 0;
  /** Type of the last frame read (FULL, FIRST, MIDDLE, LAST). */
  type = 0;
  /** Payload of the last frame read: `block[payloadStart, payloadEnd)`. */
  payloadStart = 0;
  payloadEnd = 0;

  constructor(crc: Crc32) {
    this.#crc = crc;
  }

  /**
   * Reads the frame at `cursor` in `block` (a full block) and advances.
   * `check` false skips the CRC (a frame the caller checked before).
   */
  read(block: Uint8Array, check = true): FrameOutcome {
    const at = this.cursor;
    if (BLOCK_SIZE - at < FRAME_HEADER_SIZE) return FRAME_END_OF_BLOCK;
    const type = block[at + 6];
    const len = block[at + 4] | (block[at + 5] << 8);
    if (
      type === 0 && len === 0 && block[at] === 0 && block[at + 1] === 0 && block[at + 2] === 0 &&
      block[at + 3] === 0
    ) {
      return FRAME_END_OF_LOG;
    }
    if (type < 1 || type > FRAME_LAST) return FRAME_BAD_BLOCK;
    const end = at + FRAME_HEADER_SIZE + len;
    if (end > BLOCK_SIZE) return FRAME_BAD_BLOCK;
    this.cursor = end;
    const expected =
      (block[at] | (block[at + 1] << 8) | (block[at + 2] << 16) | (block[at + 3] << 24)) >>> 0;
    if (check && this.#crc(block, at + 6, end) !== expected) return FRAME_BAD_CRC;
    this.type = type;
    this.payloadStart = at + FRAME_HEADER_SIZE;
    this.payloadEnd = end;
    return FRAME_OK;
  }
}
