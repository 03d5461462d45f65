/**
 * The seam between a queue's record table and its payload bytes. The table
 * keeps, per record, its position, its length and a number the store gave
 * it (a "ref"); the store keeps the bytes, or knows where they are:
 *
 * - in memory (`memory/arena.ts`): the bytes are copied into arena chunks,
 *   and a ref is an arena offset;
 * - on disk (`memory/disk_payloads.ts`, disk mode): the bytes stay in the
 *   wal files, and a ref says where (file and offset), from
 *   {@link PayloadLocations} the writer or replay give.
 *
 * @module
 */

/**
 * Where payloads lie in the wal files: payload k's first byte is at offset
 * `offsets[k]` of wal file `files[k]` (-1 for an empty payload). Given by
 * the record writer at an append and by the walker at replay, in disk mode.
 */
export interface PayloadLocations {
  /** Wal file numbers. */
  files: Float64Array;
  /** Offsets in those files. */
  offsets: Float64Array;
}

/** Where a queue's payload bytes are kept. */
export interface PayloadStore {
  /** Whether the payload bytes are held in memory (false: they stay in the wal files). */
  readonly inMemory: boolean;
  /** Bytes of memory held for payloads. */
  readonly allocatedBytes: number;
  /** Where the next payload goes (what {@link rewind} takes back to). */
  readonly tail: number;
  /**
   * Stores the payloads `list[from, to)`, writing the ref of `list[k]` to
   * `refs[at + k - from]`; `located` says where `list[k]` lies in the wal (disk mode).
   */
  appendAll(
    list: readonly Uint8Array[],
    from: number,
    to: number,
    refs: Float64Array,
    at: number,
    located: PayloadLocations | undefined,
  ): void;
  /**
   * Stores the payloads `src[starts[k], starts[k] + lengths[k])` for `k` in
   * `[from, to)` (in order in `src`), writing the ref of payload k to
   * `refs[at + k - from]`; `located` as for {@link appendAll}.
   */
  appendRanges(
    src: Uint8Array,
    starts: Float64Array,
    lengths: Uint32Array,
    from: number,
    to: number,
    refs: Float64Array,
    at: number,
    located: PayloadLocations | undefined,
  ): void;
  /**
   * Payloads `[from, to)` of `located` moved there (a compaction rewrote
   * them): writes their new refs to `refs[at + k - from]`. The memory store
   * has nothing to do (its refs do not depend on the files).
   */
  moved(from: number, to: number, refs: Float64Array, at: number, located: PayloadLocations): void;
  /** Stores one payload (`located` entry `k` says where it lies); returns its ref. */
  append(src: Uint8Array, located: PayloadLocations | undefined, k: number): number;
  /**
   * The `length` bytes of the payload `ref`. `firstFile` is the oldest wal
   * file a record of the queue belongs to (disk mode finds files from it).
   */
  payload(ref: number, length: number, firstFile: number): Uint8Array;
  /** Frees what only payloads before `ref` use. */
  releaseBefore(ref: number): void;
  /** Forgets every payload stored since {@link tail} was `tail`. */
  rewind(tail: number): void;
  /** Frees everything (`compact`: see `Arena.clear`). */
  clear(compact?: boolean): void;
}
