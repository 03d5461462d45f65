/**
 * Off-heap byte storage for one queue's payloads: a list of chunks filled
 * front to back, cut from shared slabs ({@link SlabPool}). A payload never
 * straddles two chunks, so it can be handed out as a view without copying.
 * Bytes are addressed by a logical offset that only grows; chunks are given
 * back to the pool from the front once nothing before a given offset is
 * needed. An arena the program drops gives its chunks back when collected.
 *
 * @module
 */
import { type Chunk, defaultSlabPool, SlabPool } from "./slab_pool.ts";
import type { PayloadStore } from "./payload_store.ts";

const MIN_CHUNK = 4 * 1024;
/** Chunks grow from MIN_CHUNK to MAX_CHUNK: small queues stay small, and truncation frees memory in steps of at most MAX_CHUNK. */
const MAX_CHUNK = 256 * 1024;
const EMPTY = new Uint8Array(0);

/** Gives the chunks of collected arenas back to their pools. */
const dropped = new FinalizationRegistry<{ pool: SlabPool; chunks: Chunk[] }>(
  ({ pool, chunks }) => {
    for (const chunk of chunks) pool.give(chunk, false);
  },
);

/** Chunked, append-only, front-releasable byte storage: the memory {@link PayloadStore}. */
export class Arena implements PayloadStore {
  readonly inMemory = true;
  readonly #pool: SlabPool;
  /** Live chunks, oldest first; chunk i holds logical bytes [#bases[i], #bases[i] + length). Changed in place only (the finalizer holds it). */
  readonly #chunks: Chunk[] = [];
  #bases: number[] = [];
  /** Logical offset of the next free byte, and the end of the last chunk. */
  #tail = 0;
  #tailEnd = 0;
  #allocated = 0;
  /** Size of the next chunk when the arena holds none (kept across `clear`). */
  #restartSize = MIN_CHUNK;

  constructor(pool: SlabPool = defaultSlabPool) {
    this.#pool = pool;
    dropped.register(this, { pool, chunks: this.#chunks });
  }

  /** Bytes held by live chunks. */
  get allocatedBytes(): number {
    return this.#allocated;
  }

  /** Nothing to do: arena offsets do not depend on where payloads lie in the wal. */
  moved(): void {}

  /** Copies `src` in; returns its logical offset. */
  append(src: Uint8Array): number {
    const len = src.length;
    if (len === 0) return this.#tail;
    if (this.#tail + len > this.#tailEnd) this.#grow(len);
    const chunks = this.#chunks;
    const chunk = chunks[chunks.length - 1].bytes;
    const base = this.#bases[this.#bases.length - 1];
    const at = this.#tail;
    chunk.set(src, at - base);
    this.#tail = at + len;
    return at;
  }

  /**
   * Copies the payloads `list[from, to)` in, one after the other, and writes
   * the logical offset of `list[k]` to `offsets[at + k - from]`: {@link append}
   * for a list, with the current chunk kept at hand between payloads.
   */
  appendAll(
    list: readonly Uint8Array[],
    from: number,
    to: number,
    offsets: Float64Array,
    at: number,
  ): void {
    let tail = this.#tail;
    let tailEnd = this.#tailEnd;
    let chunk = this.#chunks.length > 0 ? this.#chunks[this.#chunks.length - 1].bytes : EMPTY;
    let base = this.#bases.length > 0 ? this.#bases[this.#bases.length - 1] : 0;
    for (let k = from; k < to; k++) {
      const src = list[k];
      const len = src.length;
      if (len > 0 && tail + len > tailEnd) {
        this.#tail = tail;
        this.#grow(len);
        tailEnd = this.#tailEnd;
        chunk = this.#chunks[this.#chunks.length - 1].bytes;
        base = this.#bases[this.#bases.length - 1];
      }
      if (len > 0) chunk.set(src, tail - base);
      offsets[at + k - from] = tail;
      tail += len;
    }
    this.#tail = tail;
  }

  /**
   * Copies the ranges `src[starts[k], starts[k] + lengths[k])` for `k` in
   * `[from, to)` in, one after the other, and writes the logical offset of
   * range `k` to `offsets[at + k - from]`. The ranges must be in order and
   * not overlap; what lies between them (headers, say) is dropped. When the
   * whole span from the first range to the end of the last fits a chunk, the
   * span is copied in one call and the ranges are then packed together
   * within the chunk (`copyWithin`: no view per range); otherwise each range
   * is copied on its own. Replay calls this for the items of one wal record.
   */
  appendRanges(
    src: Uint8Array,
    starts: Float64Array,
    lengths: Uint32Array,
    from: number,
    to: number,
    offsets: Float64Array,
    at: number,
  ): void {
    if (to <= from) return;
    const spanStart = starts[from];
    const span = starts[to - 1] + lengths[to - 1] - spanStart;
    if (span > MAX_CHUNK) {
      for (let k = from; k < to; k++) {
        offsets[at + k - from] = this.append(src.subarray(starts[k], starts[k] + lengths[k]));
      }
      return;
    }
    if (span > 0 && this.#tail + span > this.#tailEnd) this.#grow(span);
    const chunks = this.#chunks;
    const chunk = chunks.length > 0 ? chunks[chunks.length - 1].bytes : EMPTY;
    const base = this.#bases.length > 0 ? this.#bases[this.#bases.length - 1] : 0;
    const into = this.#tail - base;
    if (span > 0) chunk.set(src.subarray(spanStart, spanStart + span), into);
    let packed = this.#tail;
    for (let k = from; k < to; k++) {
      const start = into + (starts[k] - spanStart);
      const len = lengths[k];
      const target = packed - base;
      if (target !== start && len > 0) chunk.copyWithin(target, start, start + len);
      offsets[at + k - from] = packed;
      packed += len;
    }
    this.#tail = packed;
  }

  /** A view of `len` bytes at logical `offset` (no copy). */
  payload(offset: number, len: number): Uint8Array {
    if (len === 0) return EMPTY;
    const i = this.#chunkIndex(offset);
    const start = offset - this.#bases[i];
    const chunk = this.#chunks[i];
    SlabPool.viewed(chunk);
    return chunk.bytes.subarray(start, start + len);
  }

  /** Gives back every chunk that ends at or before logical `offset`. */
  releaseBefore(offset: number): void {
    let drop = 0;
    const chunks = this.#chunks;
    const last = chunks.length - 1;
    while (drop < last && this.#bases[drop] + chunks[drop].bytes.length <= offset) {
      this.#allocated -= chunks[drop].bytes.length;
      this.#pool.give(chunks[drop]);
      drop++;
    }
    if (drop > 0) {
      chunks.splice(0, drop);
      this.#bases.splice(0, drop);
    }
  }

  /** Logical offset where the next byte goes. */
  get tail(): number {
    return this.#tail;
  }

  /** Forgets every byte appended since the arena's tail was `tail` (chunks added since are given back). */
  rewind(tail: number): void {
    const chunks = this.#chunks;
    while (this.#bases.length > 0 && this.#bases[this.#bases.length - 1] >= tail) {
      const chunk = chunks.pop()!;
      this.#allocated -= chunk.bytes.length;
      this.#pool.give(chunk);
      this.#bases.pop();
    }
    const last = chunks.length - 1;
    this.#tailEnd = last >= 0 ? this.#bases[last] + chunks[last].bytes.length : tail;
    this.#tail = tail;
  }

  /**
   * Gives back every chunk. `compact` false: without copying other arenas'
   * chunks out of the slabs this leaves sparse (see {@link SlabPool.give}),
   * for when those arenas are being cleared too (the log is closing).
   */
  clear(compact = true): void {
    const chunks = this.#chunks;
    const last = chunks[chunks.length - 1];
    if (last !== undefined) this.#restartSize = Math.max(MIN_CHUNK, last.bytes.length >>> 2);
    for (const chunk of chunks) this.#pool.give(chunk, compact);
    chunks.length = 0;
    this.#bases = [];
    this.#allocated = 0;
    this.#tailEnd = this.#tail;
  }

  #grow(len: number): void {
    const chunks = this.#chunks;
    const last = chunks[chunks.length - 1];
    let size = last === undefined ? this.#restartSize : Math.min(MAX_CHUNK, last.bytes.length * 2);
    if (len > size) size = len;
    chunks.push(this.#pool.take(size));
    this.#bases.push(this.#tail);
    this.#tailEnd = this.#tail + size;
    this.#allocated += size;
  }

  #chunkIndex(offset: number): number {
    const bases = this.#bases;
    let lo = 0;
    let hi = bases.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (bases[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
