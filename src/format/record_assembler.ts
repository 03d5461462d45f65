/**
 * Reassembles records from frames: a FULL frame is a record by itself; FIRST,
 * MIDDLE*, LAST are joined. A record interrupted by corruption, or by a break
 * in the stream of frames (a gap between wal files, see `wal/file_gap.ts`),
 * is dropped as a whole: frames are never joined across a break. MIDDLE and
 * LAST frames without a FIRST are ignored.
 *
 * @module
 */
import { FRAME_FIRST, FRAME_FULL, FRAME_LAST } from "./constants.ts";

/** Joins frame payloads into records. */
const EMPTY = new Uint8Array(0);
const INITIAL_BUFFER = 64 * 1024;

export class RecordAssembler {
  /** Allocated by the first record split over frames (an empty log's replay allocates nothing). */
  #buffer = EMPTY;
  #length = 0;
  #within = false;
  /** Frames of the record being assembled. */
  #frames = 0;
  /**
   * True until a FIRST or FULL frame starts a record: a MIDDLE or LAST frame
   * before that continues a record begun before the frames did (in a deleted
   * file at the start of the log, or before a break).
   */
  #beforeStart = true;
  /** True from {@link breakStream} to the next FIRST or FULL frame. */
  #broken = false;

  /** True while a FIRST frame has been seen and its LAST not yet. */
  get withinRecord(): boolean {
    return this.#within;
  }

  /**
   * Feeds one valid frame. Returns the complete record (a view valid until the
   * next call: either into `block` or into an internal buffer), or undefined.
   * A MIDDLE/LAST frame without a FIRST sets `continued` when no record has
   * started since the stream began or broke (see {@link afterBreak}), else
   * `orphan`; `interrupted` is set when a FIRST/FULL frame cuts short an
   * unfinished record.
   */
  push(type: number, block: Uint8Array, start: number, end: number): Uint8Array | undefined {
    this.orphan = false;
    this.continued = false;
    this.interrupted = false;
    if (type === FRAME_FULL || type === FRAME_FIRST) {
      this.interrupted = this.#within;
      this.#beforeStart = false;
      this.#broken = false;
      if (type === FRAME_FULL) {
        this.#within = false;
        return block.subarray(start, end);
      }
      this.#within = true;
      this.#length = 0;
      this.#frames = 1;
      this.#append(block, start, end);
      return undefined;
    }
    if (!this.#within) {
      if (this.#beforeStart) this.continued = true;
      else this.orphan = true;
      return undefined;
    }
    this.#frames++;
    this.#append(block, start, end);
    if (type === FRAME_LAST) {
      this.#within = false;
      return this.#buffer.subarray(0, this.#length);
    }
    return undefined; // a MIDDLE frame
  }

  /** Set by `push`: the frame was a MIDDLE/LAST with no record open, after a record started (damage). */
  orphan = false;
  /**
   * Set by `push`: the frame was a MIDDLE/LAST continuing a record begun
   * before the stream started (no damage: the log's first files were
   * deleted) or before a break ({@link afterBreak}: lost with the gap).
   */
  continued = false;
  /** Set by `push`: an unfinished record was abandoned for a new one. */
  interrupted = false;

  /** True from {@link breakStream} until a FIRST or FULL frame starts a record. */
  get afterBreak(): boolean {
    return this.#broken;
  }

  /** Drops the record being assembled (after a corrupted frame). Returns whether one was open. */
  reset(): boolean {
    const was = this.#within;
    this.#within = false;
    this.#length = 0;
    return was;
  }

  /**
   * A break in the stream of frames (wal files missing between the last
   * frame and the next): drops the record being assembled, and the MIDDLE
   * and LAST frames up to the next record start are then `continued` (their
   * record began in the gap). Returns how many frames of the dropped record
   * had been read (0 when none was open).
   */
  breakStream(): number {
    const frames = this.#within ? this.#frames : 0;
    this.reset();
    this.#beforeStart = true;
    this.#broken = true;
    return frames;
  }

  #append(block: Uint8Array, start: number, end: number): void {
    const need = this.#length + (end - start);
    if (need > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(need, this.#buffer.length * 2, INITIAL_BUFFER));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(block.subarray(start, end), this.#length);
    this.#length = need;
  }
}
