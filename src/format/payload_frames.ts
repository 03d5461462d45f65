/**
 * Follows the bytes of one payload through the frames that hold them, block
 * by block, checking each frame's CRC: how disk mode reads a payload back
 * from the wal files, given where its first byte lies. Pure: the caller
 * reads the blocks (wal/payload_reader.ts).
 *
 * Frames are followed exactly as the walker assembles records: the frame
 * after a FIRST or MIDDLE one is the next frame of the block, or the first
 * frame of the next block when fewer than a header's bytes are left; it must
 * be a MIDDLE or LAST frame. Any other frame, a bad checksum, or a byte that
 * no frame holds is damage, reported in {@link PayloadFrames.problem}.
 *
 * @module
 */
import {
  BLOCK_SIZE,
  FRAME_FIRST,
  FRAME_HEADER_SIZE,
  FRAME_LAST,
  FRAME_MIDDLE,
} from "./constants.ts";
import type { Crc32 } from "./crc.ts";
import { FRAME_BAD_CRC, FRAME_END_OF_BLOCK, FRAME_OK, FrameReader } from "./frame_reader.ts";

/** {@link PayloadFrames.next}: the payload goes on in this block, at `start`. */
export const PIECE_HERE = 0;
/** {@link PayloadFrames.next}: the payload goes on in the next block (call `next` with it). */
export const PIECE_NEXT_BLOCK = 1;
/** The frames do not hold the payload: see `problem`. */
export const PIECE_DAMAGED = 2;

/** Outcome of {@link PayloadFrames.next}. */
export type PieceOutcome = typeof PIECE_HERE | typeof PIECE_NEXT_BLOCK | typeof PIECE_DAMAGED;

/**
 * Where a payload's bytes lie in the blocks handed in: after a successful
 * {@link seek} or {@link next}, `block[start, end)` are its next bytes (the
 * rest of the frame), and `more` says whether the record goes on past them.
 */
export class PayloadFrames {
  readonly #frames: FrameReader;
  /** The payload's next bytes in the current block: `[start, end)`. */
  start = 0;
  end = 0;
  /** Whether the record goes on in a later frame. */
  more = false;
  /** What is wrong, after a call that found damage. */
  problem = "";

  constructor(crc: Crc32) {
    this.#frames = new FrameReader(crc);
  }

  /**
   * Finds the frame of `block` holding byte `at` (the payload's first byte),
   * walking the frame headers from the start of the block, and checks its
   * CRC, unless `checked` holds the frame's start already (it gets the start
   * of every frame checked here). False (see `problem`) when no valid frame
   * holds it.
   */
  seek(block: Uint8Array, at: number, checked?: Set<number>): boolean {
    let cursor = 0;
    for (;;) {
      if (BLOCK_SIZE - cursor < FRAME_HEADER_SIZE || cursor > at) {
        return this.#damaged(`no frame holds byte ${at} of its block`);
      }
      const type = block[cursor + 6];
      const end = cursor + FRAME_HEADER_SIZE + (block[cursor + 4] | (block[cursor + 5] << 8));
      if (type < 1 || type > FRAME_LAST || end > BLOCK_SIZE) {
        return this.#damaged(`the frame at byte ${cursor} of its block is not valid`);
      }
      if (at < end) {
        if (at < cursor + FRAME_HEADER_SIZE) {
          return this.#damaged(`byte ${at} of its block is in a frame header`);
        }
        this.#frames.cursor = cursor;
        return this.#take(block, at, false, checked);
      }
      cursor = end;
    }
  }

  /**
   * Moves to the frame after the current one: in `block` (the current
   * block), or, after {@link PIECE_NEXT_BLOCK}, at the start of `block` (the
   * next one). `checked` as for {@link seek}, for `block`.
   */
  next(block: Uint8Array, newBlock: boolean, checked?: Set<number>): PieceOutcome {
    if (newBlock) this.#frames.cursor = 0;
    else if (BLOCK_SIZE - this.#frames.cursor < FRAME_HEADER_SIZE) return PIECE_NEXT_BLOCK;
    const cursor = this.#frames.cursor;
    return this.#take(block, cursor + FRAME_HEADER_SIZE, true, checked)
      ? PIECE_HERE
      : PIECE_DAMAGED;
  }

  /** Reads the frame at the cursor, which must hold byte `at`. */
  #take(block: Uint8Array, at: number, continuing: boolean, checked?: Set<number>): boolean {
    const frames = this.#frames;
    const cursor = frames.cursor;
    const known = checked !== undefined && checked.has(cursor);
    const outcome = frames.read(block, !known);
    if (outcome === FRAME_OK && !known) checked?.add(cursor);
    if (outcome !== FRAME_OK) {
      return this.#damaged(
        outcome === FRAME_BAD_CRC
          ? `the frame at byte ${cursor} of its block fails its checksum`
          : outcome === FRAME_END_OF_BLOCK
          ? `the record ends at byte ${cursor} of its block`
          : `no valid frame at byte ${cursor} of its block`,
      );
    }
    const type = frames.type;
    if (continuing && type !== FRAME_MIDDLE && type !== FRAME_LAST) {
      return this.#damaged(`the frame at byte ${cursor} of its block does not continue a record`);
    }
    this.start = at;
    this.end = frames.payloadEnd;
    this.more = type === FRAME_FIRST || type === FRAME_MIDDLE;
    return true;
  }

  #damaged(problem: string): false {
    this.problem = problem;
    return false;
  }
}
