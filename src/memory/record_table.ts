/**
 * The three numbers a queue keeps per record (position, arena offset,
 * payload length) in typed arrays, by slot index: no JS object per record.
 *
 * A small queue has one short segment, grown by copying (1.5 times, as a
 * plain array would) up to {@link SEGMENT} slots. Past that, slots come in
 * segments of {@link SEGMENT}: growing adds a segment and copies nothing,
 * and the records a truncation removes give their memory back a whole
 * segment at a time, again without copying. A full segment's three arrays
 * share one 80 KiB buffer, on a mapping of its own on V8
 * (`record_arrays.ts`), so the memory of dropped segments goes back to the
 * system.
 *
 * @module
 */
import { recordBuffer } from "./record_arrays.ts";

/** Slots per segment, as a power of two. */
export const SEGMENT_BITS = 12;
/** Slots per full segment. */
export const SEGMENT = 1 << SEGMENT_BITS;
const MASK = SEGMENT - 1;

/** Per-record numbers in segments. Slot `i` is in segment `i >>> SEGMENT_BITS`. */
export class RecordTable {
  #positions: Float64Array[];
  #offsets: Float64Array[];
  #lengths: Uint32Array[];
  /** Slots in all segments. */
  #capacity: number;

  /** A table of one segment of `capacity` slots (at most {@link SEGMENT}). */
  constructor(capacity: number) {
    this.#positions = [new Float64Array(capacity)];
    this.#offsets = [new Float64Array(capacity)];
    this.#lengths = [new Uint32Array(capacity)];
    this.#capacity = capacity;
  }

  /** Slots in all segments. */
  get capacity(): number {
    return this.#capacity;
  }

  /** True while the table is one segment (which may be shorter than {@link SEGMENT}). */
  get single(): boolean {
    return this.#positions.length === 1;
  }

  /** The position in slot `i`. */
  position(i: number): number {
    return this.#positions[i >>> SEGMENT_BITS][i & MASK];
  }

  /** The arena offset in slot `i`. */
  offset(i: number): number {
    return this.#offsets[i >>> SEGMENT_BITS][i & MASK];
  }

  /** The payload length in slot `i`. */
  length(i: number): number {
    return this.#lengths[i >>> SEGMENT_BITS][i & MASK];
  }

  /** Sets the three numbers of slot `i`. */
  set(i: number, position: number, offset: number, length: number): void {
    const s = i >>> SEGMENT_BITS;
    const k = i & MASK;
    this.#positions[s][k] = position;
    this.#offsets[s][k] = offset;
    this.#lengths[s][k] = length;
  }

  /** Sets the position and length of slot `i` (its offset is written through {@link offsetsAt}). */
  setPositionLength(i: number, position: number, length: number): void {
    const s = i >>> SEGMENT_BITS;
    const k = i & MASK;
    this.#positions[s][k] = position;
    this.#lengths[s][k] = length;
  }

  /** The offsets array of the segment holding slot `i` (slot `i` is at {@link indexInSegment} in it). */
  offsetsAt(i: number): Float64Array {
    return this.#offsets[i >>> SEGMENT_BITS];
  }

  /** Where slot `i` is in its segment's arrays. */
  indexInSegment(i: number): number {
    return i & MASK;
  }

  /** Slots from `i` to the end of its segment. */
  roomInSegment(i: number): number {
    return Math.min(this.#capacity, ((i >>> SEGMENT_BITS) + 1) * SEGMENT) - i;
  }

  /**
   * One segment again, of `capacity` slots (at most {@link SEGMENT}), holding
   * what slots `[from, to)` held, moved to the front (indices change: slot
   * `from` becomes slot 0).
   */
  compact(capacity: number, from: number, to: number): void {
    const positions = new Float64Array(capacity);
    const offsets = new Float64Array(capacity);
    const lengths = new Uint32Array(capacity);
    let at = 0;
    for (let i = from; i < to;) {
      const s = i >>> SEGMENT_BITS;
      const k = i & MASK;
      const n = Math.min(to - i, this.#positions[s].length - k);
      positions.set(this.#positions[s].subarray(k, k + n), at);
      offsets.set(this.#offsets[s].subarray(k, k + n), at);
      lengths.set(this.#lengths[s].subarray(k, k + n), at);
      at += n;
      i += n;
    }
    this.#positions = [positions];
    this.#offsets = [offsets];
    this.#lengths = [lengths];
    this.#capacity = capacity;
  }

  /** Adds full segments until there are at least `capacity` slots (the table must be full-size segments). */
  extend(capacity: number): void {
    while (this.#capacity < capacity) {
      const buffer = recordBuffer(SEGMENT * 20);
      this.#positions.push(new Float64Array(buffer, 0, SEGMENT));
      this.#offsets.push(new Float64Array(buffer, SEGMENT * 8, SEGMENT));
      this.#lengths.push(new Uint32Array(buffer, SEGMENT * 16, SEGMENT));
      this.#capacity += SEGMENT;
    }
  }

  /**
   * Drops the whole segments before slot `i`, keeping at least one; returns
   * the slots dropped (slot `i` becomes slot `i` minus that).
   */
  dropBefore(i: number): number {
    const n = Math.min(i >>> SEGMENT_BITS, this.#positions.length - 1);
    if (n <= 0) return 0;
    this.#positions.splice(0, n);
    this.#offsets.splice(0, n);
    this.#lengths.splice(0, n);
    this.#capacity -= n * SEGMENT;
    return n * SEGMENT;
  }
}
