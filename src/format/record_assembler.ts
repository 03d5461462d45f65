/**
 * Reassembles records from frames: a FULL frame is a record by itself; FIRST,
 * MIDDLE*, LAST are joined. A record interrupted by corruption is dropped as a
 * whole; MIDDLE and LAST frames without a FIRST are ignored.
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

  /** True while a FIRST frame has been seen and its LAST not yet. */
  get withinRecord(): boolean {
    return this.#within;
  }

  /**
   * Feeds one valid frame. Returns the complete record (a view valid until the
   * next call: either into `block` or into an internal buffer), or undefined.
   * `orphan` is set when a MIDDLE/LAST frame arrives without a FIRST, and
   * `interrupted` when a FIRST/FULL frame cuts short an unfinished record.
   */
  push(type: number, block: Uint8Array, start: number, end: number): Uint8Array | undefined {
    this.orphan = false;
    this.interrupted = false;
    if (type === FRAME_FULL || type === FRAME_FIRST) {
      this.interrupted = this.#within;
      if (type === FRAME_FULL) {
        this.#within = false;
        return block.subarray(start, end);
      }
      this.#within = true;
      this.#length = 0;
      this.#append(block, start, end);
      return undefined;
    }
    if (!this.#within) {
      this.orphan = true;
      return undefined;
    }
    this.#append(block, start, end);
    if (type === FRAME_LAST) {
      this.#within = false;
      return this.#buffer.subarray(0, this.#length);
    }
    return undefined; // a MIDDLE frame
  }

  /** Set by `push`: the frame was a MIDDLE/LAST with no record open. */
  orphan = false;
  /** Set by `push`: an unfinished record was abandoned for a new one. */
  interrupted = false;

  /** Drops the record being assembled (after a corrupted frame). Returns whether one was open. */
  reset(): boolean {
    const was = this.#within;
    this.#within = false;
    this.#length = 0;
    return was;
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
