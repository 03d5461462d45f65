/**
 * Off-heap byte storage for one queue's payloads: a list of large
 * ArrayBuffer chunks filled front to back. A payload never straddles two
 * chunks, so it can be handed out as a view without copying. Bytes are
 * addressed by a logical offset that only grows; chunks are released from
 * the front once nothing before a given offset is needed.
 *
 * @module
 */

const MIN_CHUNK = 4 * 1024;
/** Chunks grow from MIN_CHUNK to MAX_CHUNK: small queues stay small, and truncation frees memory in steps of at most MAX_CHUNK. */
const MAX_CHUNK = 256 * 1024;
const EMPTY = new Uint8Array(0);

/** Chunked, append-only, front-releasable byte storage. */
export class Arena {
  /** Live chunks, oldest first; chunk i holds logical bytes [#bases[i], #bases[i] + length). */
  #chunks: Uint8Array[] = [];
  #bases: number[] = [];
  /** Logical offset of the next free byte, and the end of the last chunk. */
  #tail = 0;
  #tailEnd = 0;
  #allocated = 0;
  /** Size of the next chunk when the arena holds none (kept across `clear`). */
  #restartSize = MIN_CHUNK;

  /** Bytes held by live chunks. */
  get allocatedBytes(): number {
    return this.#allocated;
  }

  /** Copies `src` in; returns its logical offset. */
  append(src: Uint8Array): number {
    const len = src.length;
    if (len === 0) return this.#tail;
    if (this.#tail + len > this.#tailEnd) this.#grow(len);
    const chunk = this.#chunks[this.#chunks.length - 1];
    const base = this.#bases[this.#bases.length - 1];
    const at = this.#tail;
    if (len > 0) chunk.set(src, at - base);
    this.#tail = at + len;
    return at;
  }

  /** A view of `len` bytes at logical `offset` (no copy). */
  view(offset: number, len: number): Uint8Array {
    if (len === 0) return EMPTY;
    const i = this.#chunkIndex(offset);
    const start = offset - this.#bases[i];
    return this.#chunks[i].subarray(start, start + len);
  }

  /** Releases every chunk that ends at or before logical `offset`. */
  releaseBefore(offset: number): void {
    let drop = 0;
    const last = this.#chunks.length - 1;
    while (drop < last && this.#bases[drop] + this.#chunks[drop].length <= offset) {
      this.#allocated -= this.#chunks[drop].length;
      drop++;
    }
    if (drop > 0) {
      this.#chunks.splice(0, drop);
      this.#bases.splice(0, drop);
    }
  }

  /** Logical offset where the next byte goes. */
  get tail(): number {
    return this.#tail;
  }

  /** Forgets every byte appended since the arena's tail was `tail` (chunks added since are released). */
  rewind(tail: number): void {
    while (this.#bases.length > 0 && this.#bases[this.#bases.length - 1] >= tail) {
      this.#allocated -= this.#chunks[this.#chunks.length - 1].length;
      this.#chunks.pop();
      this.#bases.pop();
    }
    const last = this.#chunks.length - 1;
    this.#tailEnd = last >= 0 ? this.#bases[last] + this.#chunks[last].length : tail;
    this.#tail = tail;
  }

  /** Releases everything. */
  clear(): void {
    const last = this.#chunks[this.#chunks.length - 1];
    if (last !== undefined) this.#restartSize = Math.max(MIN_CHUNK, last.length >>> 2);
    this.#chunks = [];
    this.#bases = [];
    this.#allocated = 0;
    this.#tailEnd = this.#tail;
  }

  #grow(len: number): void {
    const last = this.#chunks[this.#chunks.length - 1];
    let size = last === undefined ? this.#restartSize : Math.min(MAX_CHUNK, last.length * 2);
    if (len > size) size = len;
    const chunk = new Uint8Array(size);
    this.#chunks.push(chunk);
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
