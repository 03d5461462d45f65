/**
 * Where arena chunks come from: large shared buffers ("slabs", 32 MiB) cut
 * front to back into chunks for every queue's {@link Arena}. Allocating a
 * slab is one allocation for hundreds of chunks (replay fills memory at the
 * speed of copying), and a slab is large enough that the runtime's allocator
 * takes it from the operating system and gives it back when it is collected,
 * which small buffers freed in the middle of its heap are not.
 *
 * Payload views given to callers stay valid as long as they are held, so
 * space a view was ever taken of is never handed out again. Chunks are given
 * back when a queue no longer needs them. A slab whose chunks were all given
 * back is reused when no view of it was ever taken (one such slab is kept,
 * others are released at once, `ArrayBuffer.prototype.transfer(0)`), and is
 * otherwise left to the garbage collector. When less than half of an
 * older slab is still in use, its live chunks are copied into the current
 * slab (the arenas see the new bytes at the same logical offsets) so that a
 * few long-lived chunks cannot pin many mostly empty slabs. Chunks larger
 * than {@link MAX_SLAB_CHUNK} get a buffer of their own.
 *
 * @module
 */

/** Size of a slab. */
export const SLAB_SIZE = 32 * 1024 * 1024;
/** Largest chunk cut from a slab; larger chunks get their own buffer. */
export const MAX_SLAB_CHUNK = 256 * 1024;

/** A slab: a buffer cut front to back, and the chunks of it still in use. */
class Slab {
  readonly buffer: ArrayBuffer;
  /** Bytes cut so far. */
  used = 0;
  /** Bytes of the chunks in use. */
  live = 0;
  /** Set once a view of a chunk was handed out: the slab's bytes may then be held by callers. */
  viewed = false;
  readonly chunks = new Set<Chunk>();

  constructor(size: number) {
    this.buffer = new ArrayBuffer(size);
  }
}

/**
 * A chunk lent to an arena. `bytes` may be replaced by a copy in another
 * slab (the old bytes stay valid for views already taken).
 */
export class Chunk {
  /** The chunk's memory. */
  bytes: Uint8Array;
  /** The slab it is cut from while in use; undefined once given back or when it has its own buffer. */
  slab: Slab | undefined;

  constructor(bytes: Uint8Array, slab: Slab | undefined) {
    this.bytes = bytes;
    this.slab = slab;
  }
}

/** Cuts chunks out of slabs and takes them back. */
export class SlabPool {
  readonly #slabSize: number;
  readonly #maxChunk: number;
  #current: Slab | undefined;
  /** An empty slab no view was taken of, for the next slab needed. */
  #spare: Slab | undefined;
  #slabsCreated = 0;
  #slabsReused = 0;
  #bytesMoved = 0;

  constructor(slabSize = SLAB_SIZE, maxChunk = MAX_SLAB_CHUNK) {
    this.#slabSize = slabSize;
    this.#maxChunk = Math.min(maxChunk, slabSize);
  }

  /** Slabs allocated so far. */
  get slabsCreated(): number {
    return this.#slabsCreated;
  }

  /** Slabs reused (emptied with no view ever taken of them) so far. */
  get slabsReused(): number {
    return this.#slabsReused;
  }

  /** Bytes copied out of sparse slabs so far. */
  get bytesMoved(): number {
    return this.#bytesMoved;
  }

  /** A chunk of `size` bytes (not necessarily zeroed). */
  take(size: number): Chunk {
    if (size > this.#maxChunk) return new Chunk(new Uint8Array(size), undefined);
    const [bytes, slab] = this.#cut(size);
    const chunk = new Chunk(bytes, slab);
    slab.chunks.add(chunk);
    return chunk;
  }

  /**
   * Gives a chunk back (again: no effect). Its bytes stay readable through
   * views already taken. When `compact` (the default), a slab this leaves
   * under half in use has its other chunks copied out; the chunks of a
   * collected arena are given back without, since the chunks next to them
   * are often as dead, only not collected yet.
   */
  give(chunk: Chunk, compact = true): void {
    const slab = chunk.slab;
    if (slab === undefined) return;
    chunk.slab = undefined;
    slab.chunks.delete(chunk);
    slab.live -= chunk.bytes.length;
    if (slab === this.#current) {
      // Emptied and never viewed: cut it again from the start, where its pages are already
      // mapped (fresh pages cost a fault each, as much as the copy into them).
      if (slab.live === 0 && !slab.viewed) slab.used = 0;
      return;
    }
    if (compact && slab.live > 0 && slab.live * 2 < slab.buffer.byteLength) this.#evacuate(slab);
    if (slab.live === 0) this.#retire(slab);
  }

  /** Marks `chunk`'s slab as one whose bytes callers may hold (a view of it is handed out). */
  static viewed(chunk: Chunk): void {
    const slab = chunk.slab;
    if (slab !== undefined) slab.viewed = true;
  }

  /** An empty slab that is no longer current: kept for reuse, or released, when no view was taken of it. */
  #retire(slab: Slab): void {
    if (slab.viewed) return; // left to the garbage collector once callers drop their views
    if (this.#spare === undefined) {
      this.#spare = slab;
      return;
    }
    const buffer = slab.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
    if (typeof buffer.transfer === "function" && buffer.byteLength > 0) buffer.transfer(0);
  }

  /** Copies the chunks still in use in `slab` into the current slab. */
  #evacuate(slab: Slab): void {
    for (const chunk of slab.chunks) {
      const [bytes, into] = this.#cut(chunk.bytes.length);
      bytes.set(chunk.bytes);
      this.#bytesMoved += bytes.length;
      chunk.bytes = bytes;
      chunk.slab = into;
      into.chunks.add(chunk);
    }
    slab.chunks.clear();
    slab.live = 0;
  }

  #cut(size: number): [Uint8Array, Slab] {
    let slab = this.#current;
    if (slab === undefined || slab.used + size > slab.buffer.byteLength) {
      slab = this.#spare;
      if (slab !== undefined) {
        this.#spare = undefined;
        slab.used = 0;
        this.#slabsReused++;
      } else {
        slab = new Slab(this.#slabSize);
        this.#slabsCreated++;
      }
      const previous = this.#current;
      this.#current = slab;
      if (previous !== undefined && previous.live === 0) this.#retire(previous);
    }
    const bytes = new Uint8Array(slab.buffer, slab.used, size);
    slab.used += size;
    slab.live += size;
    return [bytes, slab];
  }
}

/** The pool every arena uses unless given another. */
export const defaultSlabPool = new SlabPool();
