/**
 * One queue: its positions and payloads. Per record only three numbers are
 * kept (position, a ref from the payload store, length), in a
 * {@link RecordTable}: no JS object per retained record. The bytes are the
 * {@link PayloadStore}'s: copied into an {@link Arena} (the default), or left
 * in the wal files (disk mode).
 *
 * The queue also remembers which wal file each run of its records was
 * written in, which tells the oldest wal file it still needs.
 *
 * @module
 */
import { Arena } from "./arena.ts";
import type { PayloadLocations, PayloadStore } from "./payload_store.ts";
import { RecordTable, SEGMENT } from "./record_table.ts";

const INITIAL_CAPACITY = 16;

/** Memory a retained record takes besides its payload: position, offset and length. */
export const METADATA_BYTES_PER_RECORD = 20;

/** A record as a queue hands it out: its position and its payload. */
export interface StoredRecord {
  /** The record's position in its queue. */
  position: number;
  /** A view of the queue's memory, or (disk mode) a copy read from the wal. */
  payload: Uint8Array;
}

/** The in-memory state of one queue. */
export class MemQueue {
  readonly #store: PayloadStore;
  #table = new RecordTable(INITIAL_CAPACITY);
  /**
   * Live records are at indices [#head, #head + #count); staged ones (copied
   * in, not yet records) follow them, at [#head + #count, #head + #count + #staged).
   */
  #head = 0;
  #count = 0;
  #staged = 0;
  /** Next position while the queue is empty. */
  #startPosition: number;
  #payloadBytes = 0;
  /** Runs of records by wal file: file number and the last position written in it. */
  #runFiles: number[] = [];
  #runLast: number[] = [];
  /** Bumped by every truncation, so iterators can tell their indices went stale. */
  #generation = 0;
  /** The store's tail just past the last committed payload (staged payloads lie beyond). */
  #committedEnd = 0;

  constructor(nextPosition = 0, store: PayloadStore = new Arena()) {
    this.#startPosition = nextPosition;
    this.#store = store;
  }

  /** Number of records retained. */
  get size(): number {
    return this.#count;
  }

  /** Payload bytes retained. */
  get payloadBytes(): number {
    return this.#payloadBytes;
  }

  /** Bytes of memory held: arena chunks and the per-record arrays. */
  get allocatedBytes(): number {
    return this.#store.allocatedBytes + this.#table.capacity * METADATA_BYTES_PER_RECORD;
  }

  /** Bytes of memory in use: payloads (unless they stay on disk) and 20 bytes of metadata per record. */
  get usedBytes(): number {
    const payloads = this.#store.inMemory ? this.#payloadBytes : 0;
    return payloads + this.#count * METADATA_BYTES_PER_RECORD;
  }

  /** Changes whenever records are removed. */
  get generation(): number {
    return this.#generation;
  }

  /** The position the next record gets by default. */
  nextPosition(): number {
    return this.#count > 0
      ? this.#table.position(this.#head + this.#count - 1) + 1
      : this.#startPosition;
  }

  /** Position of the first retained record, or the next position when empty. */
  firstPosition(): number {
    return this.#count > 0 ? this.#table.position(this.#head) : this.#startPosition;
  }

  /** The oldest wal file holding a retained record, or undefined when empty. */
  firstFile(): number | undefined {
    return this.#runFiles[0];
  }

  /**
   * Appends a record at `position` (>= nextPosition(); the caller checks),
   * written in wal file `file`; in disk mode, `located` entry `k` says where
   * its payload lies. Nothing may be staged.
   */
  append(
    position: number,
    payload: Uint8Array,
    file: number,
    located?: PayloadLocations,
    k = 0,
  ): void {
    if (this.#head + this.#count === this.#table.capacity) this.#makeRoom(1);
    const i = this.#head + this.#count;
    this.#table.set(i, position, this.#store.append(payload, located, k), payload.length);
    this.#commit(1, payload.length, file);
  }

  /**
   * Appends records at positions `first`, `first + 1`, ... (the first >=
   * nextPosition(); the caller checks), with the payloads of `list`
   * (`bytes` in all), written in wal file `file`: {@link stage} and
   * {@link commitStaged} at once. Nothing may be staged.
   */
  appendAll(
    first: number,
    list: readonly Uint8Array[],
    bytes: number,
    file: number,
    located?: PayloadLocations,
  ): void {
    this.stage(first, list, located);
    this.commitStaged(list.length, bytes, file);
  }

  /**
   * Appends `n` records: record k at `positions[k]` (increasing, the first
   * >= nextPosition(); the caller checks) with the payload
   * `src[starts[k], starts[k] + lengths[k])` (`bytes` in all), written in
   * wal file `file`. The ranges lie in order in `src` (see
   * {@link Arena.appendRanges}). Nothing may be staged. No view or object
   * is made per record: replay's way in.
   */
  appendRanges(
    src: Uint8Array,
    positions: Float64Array,
    starts: Float64Array,
    lengths: Uint32Array,
    n: number,
    bytes: number,
    file: number,
    located?: PayloadLocations,
  ): void {
    if (this.#head + this.#count + n > this.#table.capacity) this.#makeRoom(n);
    const table = this.#table;
    const i = this.#head + this.#count;
    for (let k = 0; k < n; k++) table.setPositionLength(i + k, positions[k], lengths[k]);
    // The offsets go segment by segment (a segment's array takes them at consecutive slots).
    for (let k = 0; k < n;) {
      const m = Math.min(n - k, table.roomInSegment(i + k));
      const at = table.indexInSegment(i + k);
      this.#store.appendRanges(src, starts, lengths, k, k + m, table.offsetsAt(i + k), at, located);
      k += m;
    }
    this.#commit(n, bytes, file);
  }

  /**
   * Copies the payloads of `list` into the queue's memory as the records at
   * positions `first`, `first + 1`, ..., without making them records yet (so
   * a caller may reuse its buffers at once): they follow whatever is staged
   * already, and {@link commitStaged} makes them records, in the order they
   * were staged. {@link unstageAll} forgets staged payloads. Makes room for
   * the whole list at once.
   */
  stage(first: number, list: readonly Uint8Array[], located?: PayloadLocations): void {
    const n = list.length;
    if (this.#head + this.#count + this.#staged + n > this.#table.capacity) this.#makeRoom(n);
    const table = this.#table;
    const i = this.#head + this.#count + this.#staged;
    for (let k = 0; k < n; k++) table.setPositionLength(i + k, first + k, list[k].length);
    for (let k = 0; k < n;) {
      const m = Math.min(n - k, table.roomInSegment(i + k));
      const at = table.indexInSegment(i + k);
      this.#store.appendAll(list, k, k + m, table.offsetsAt(i + k), at, located);
      k += m;
    }
    this.#staged += n;
  }

  /**
   * Makes the first `n` staged payloads (`bytes` in all, staged by one
   * {@link stage} call) records, written in wal file `file`.
   */
  commitStaged(n: number, bytes: number, file: number): void {
    this.#staged -= n;
    this.#commit(n, bytes, file);
  }

  /** Forgets every staged payload not committed (after a failed write). */
  unstageAll(): void {
    this.#staged = 0;
    this.#store.rewind(this.#committedEnd);
  }

  /** Counts the `n` records (`bytes` in all) after the live ones as live, written in wal file `file`. */
  #commit(n: number, bytes: number, file: number): void {
    if (n === 0) return;
    this.#count += n;
    this.#payloadBytes += bytes;
    const last = this.#head + this.#count - 1;
    const table = this.#table;
    const position = table.position(last);
    this.#committedEnd = table.offset(last) + table.length(last);
    const runs = this.#runFiles.length;
    if (runs > 0 && this.#runFiles[runs - 1] === file) {
      this.#runLast[runs - 1] = position;
    } else {
      this.#runFiles.push(file);
      this.#runLast.push(position);
    }
  }

  /**
   * Removes every record with position <= `position`. Truncating at or past
   * the last position empties the queue and moves its next position to
   * `position + 1`. Returns the number of records removed.
   */
  truncate(position: number): number {
    if (this.firstPosition() > position) return 0;
    this.#generation++;
    if (position + 1 >= this.nextPosition()) {
      const removed = this.#count;
      this.#clear();
      this.#startPosition = position + 1;
      return removed;
    }
    const keep = this.lowerBound(position + 1);
    const removed = keep - this.#head;
    const table = this.#table;
    for (let i = this.#head; i < keep; i++) this.#payloadBytes -= table.length(i);
    this.#head = keep;
    this.#count -= removed;
    this.#startPosition = position + 1;
    this.#store.releaseBefore(table.offset(keep));
    let runs = 0;
    while (this.#runLast[runs] <= position) runs++;
    if (runs > 0) {
      this.#runFiles.splice(0, runs);
      this.#runLast.splice(0, runs);
    }
    this.#dropSegmentsBeforeHead();
    if (!table.single) return removed;
    // One segment: move the live records to the front when half of it lies before them; when
    // under half of it is in use, shrink it to 1.125 times the live count.
    const capacity = table.capacity;
    const kept = this.#count + this.#staged;
    if (kept * 2 < capacity - INITIAL_CAPACITY) {
      this.#resize(Math.ceil(kept * 1.125) + INITIAL_CAPACITY);
    } else if (this.#head > capacity >>> 1) {
      this.#resize(Math.max(INITIAL_CAPACITY, Math.ceil(kept * 1.5) + INITIAL_CAPACITY));
    }
    return removed;
  }

  /** Index of the first live record with position >= `position` (#head + #count if none). */
  lowerBound(position: number): number {
    let lo = this.#head;
    let hi = this.#head + this.#count;
    const table = this.#table;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (table.position(mid) < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** End index (exclusive) of the live records. */
  get endIndex(): number {
    return this.#head + this.#count;
  }

  /** Position of the record at index `i` (from `lowerBound`). */
  positionAt(i: number): number {
    return this.#table.position(i);
  }

  /** Payload of the record at index `i` (a view, or in disk mode a copy). */
  payloadAt(i: number): Uint8Array {
    const table = this.#table;
    return this.#store.payload(table.offset(i), table.length(i), this.#runFiles[0] ?? 0);
  }

  /** Index of the first live record. */
  get headIndex(): number {
    return this.#head;
  }

  /**
   * Marks every retained record as written in wal file `file` (after
   * compaction rewrote them there); `located` (disk mode) says where each
   * retained payload lies now, in order.
   */
  relocate(file: number, located?: PayloadLocations): void {
    if (this.#count === 0) return;
    if (located !== undefined) {
      const table = this.#table;
      for (let k = 0; k < this.#count;) {
        const i = this.#head + k;
        const m = Math.min(this.#count - k, table.roomInSegment(i));
        this.#store.moved(k, k + m, table.offsetsAt(i), table.indexInSegment(i), located);
        k += m;
      }
    }
    this.#runFiles.length = 0;
    this.#runLast.length = 0;
    this.#runFiles.push(file);
    this.#runLast.push(this.#table.position(this.#head + this.#count - 1));
  }

  /** Payload bytes retained, by the wal file the records were written in. */
  bytesByFile(): Map<number, number> {
    const out = new Map<number, number>();
    let run = 0;
    for (let i = this.#head; i < this.#head + this.#count; i++) {
      while (this.#table.position(i) > this.#runLast[run]) run++;
      const file = this.#runFiles[run];
      out.set(file, (out.get(file) ?? 0) + this.#table.length(i));
    }
    return out;
  }

  /** The last record, or undefined when empty. */
  lastRecord(): StoredRecord | undefined {
    if (this.#count === 0) return undefined;
    const i = this.#head + this.#count - 1;
    return { position: this.#table.position(i), payload: this.payloadAt(i) };
  }

  /** Records with `start <= position < end`, in order; tolerant of truncation between steps. */
  *range(start: number, end: number): IterableIterator<StoredRecord> {
    let i = this.lowerBound(start);
    let generation = this.#generation;
    let next = start;
    for (;;) {
      if (generation !== this.#generation) {
        i = this.lowerBound(next);
        generation = this.#generation;
      }
      if (i >= this.#head + this.#count) return;
      const position = this.#table.position(i);
      if (position >= end) return;
      const record = { position, payload: this.payloadAt(i) };
      next = position + 1;
      i++;
      yield record;
    }
  }

  /**
   * Empties the queue for good and gives its payload memory back to the
   * pool: the log is closed. Iterators still open end (they never read the
   * given-back memory); views already handed out keep their bytes (slabs a
   * view was taken of are never reused).
   */
  release(): void {
    this.#generation++;
    this.#head = 0;
    this.#count = 0;
    this.#staged = 0;
    this.#payloadBytes = 0;
    this.#table = new RecordTable(INITIAL_CAPACITY);
    // Every queue of the log is released together: copying the others' chunks out of the
    // slabs this one leaves sparse would only copy what is given back next.
    this.#store.clear(false);
  }

  #clear(): void {
    // Payloads staged for later commits live past the committed end: keep them.
    if (this.#store.tail === this.#committedEnd) this.#store.clear();
    else this.#store.releaseBefore(this.#committedEnd);
    this.#head += this.#count; // staged records stay where they are
    this.#count = 0;
    this.#payloadBytes = 0;
    this.#runFiles.length = 0;
    this.#runLast.length = 0;
    this.#dropSegmentsBeforeHead();
    if (this.#table.capacity > INITIAL_CAPACITY * 64 && this.#staged <= INITIAL_CAPACITY * 32) {
      this.#resize(Math.ceil(this.#staged * 1.125) + INITIAL_CAPACITY);
    }
  }

  /** Gives back the whole segments before the first live record (indices shift down). */
  #dropSegmentsBeforeHead(): void {
    const dropped = this.#table.dropBefore(this.#head);
    if (dropped === 0) return;
    this.#head -= dropped;
    this.#generation++;
  }

  /**
   * Makes room for `more` records after the live and staged ones. While the
   * table is one segment: moves them to the front, sizing it to 1.5 times
   * what it then holds (or only moves them when that leaves room enough), up
   * to a full segment; it shrinks after truncations, so the per-record
   * metadata stays within 1.5 x 20 bytes. Past a full segment, adds
   * segments: nothing is copied.
   */
  #makeRoom(more: number): void {
    const table = this.#table;
    const held = this.#count + this.#staged;
    const needed = held + more;
    if (!table.single) {
      table.extend(this.#head + needed);
      return;
    }
    const capacity = table.capacity;
    if (needed <= capacity >>> 1 || (needed <= capacity && this.#head >= capacity >>> 2)) {
      this.#resize(capacity); // enough room once moved to the front
    } else if (needed <= SEGMENT) {
      this.#resize(Math.min(SEGMENT, Math.max(Math.ceil(held * 1.5) + INITIAL_CAPACITY, needed)));
    } else {
      this.#resize(SEGMENT);
      table.extend(needed);
    }
  }

  /** Makes the table one segment of `capacity` slots with the live and staged records at the front. */
  #resize(capacity: number): void {
    this.#generation++;
    const from = this.#head;
    this.#table.compact(capacity, from, from + this.#count + this.#staged);
    this.#head = 0;
  }
}
