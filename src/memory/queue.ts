/**
 * One queue in memory: its positions and payloads. Payload bytes live in an
 * {@link Arena}; per record only three numbers are kept, in typed arrays
 * (position, arena offset, length): no JS object per retained record.
 *
 * The queue also remembers which wal file each run of its records was
 * written in, which tells the oldest wal file it still needs.
 *
 * @module
 */
import { Arena } from "./arena.ts";
import { float64Array, uint32Array } from "./record_arrays.ts";

const INITIAL_CAPACITY = 16;

/** Memory a retained record takes besides its payload: position, offset and length. */
export const METADATA_BYTES_PER_RECORD = 20;

/** A record as a queue hands it out: its position and a view of its payload. */
export interface StoredRecord {
  /** The record's position in its queue. */
  position: number;
  /** A view of the queue's memory. */
  payload: Uint8Array;
}

/** The in-memory state of one queue. */
export class MemQueue {
  readonly #arena = new Arena();
  #positions = new Float64Array(INITIAL_CAPACITY);
  #offsets = new Float64Array(INITIAL_CAPACITY);
  #lengths = new Uint32Array(INITIAL_CAPACITY);
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
  /** Arena offset just past the last committed payload; staged payloads lie beyond. */
  #committedEnd = 0;

  constructor(nextPosition = 0) {
    this.#startPosition = nextPosition;
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
    return this.#arena.allocatedBytes + this.#positions.length * METADATA_BYTES_PER_RECORD;
  }

  /** Bytes of memory in use: payloads and 20 bytes of metadata per record. */
  get usedBytes(): number {
    return this.#payloadBytes + this.#count * METADATA_BYTES_PER_RECORD;
  }

  /** Changes whenever records are removed. */
  get generation(): number {
    return this.#generation;
  }

  /** The position the next record gets by default. */
  nextPosition(): number {
    return this.#count > 0
      ? this.#positions[this.#head + this.#count - 1] + 1
      : this.#startPosition;
  }

  /** Position of the first retained record, or the next position when empty. */
  firstPosition(): number {
    return this.#count > 0 ? this.#positions[this.#head] : this.#startPosition;
  }

  /** The oldest wal file holding a retained record, or undefined when empty. */
  firstFile(): number | undefined {
    return this.#runFiles[0];
  }

  /**
   * Appends a record at `position` (>= nextPosition(); the caller checks),
   * written in wal file `file`. Nothing may be staged.
   */
  append(position: number, payload: Uint8Array, file: number): void {
    if (this.#head + this.#count === this.#positions.length) this.#makeRoom(1);
    const i = this.#head + this.#count;
    const offset = this.#arena.append(payload);
    this.#positions[i] = position;
    this.#offsets[i] = offset;
    this.#lengths[i] = payload.length;
    this.#commit(1, payload.length, file);
  }

  /**
   * Appends records at positions `first`, `first + 1`, ... (the first >=
   * nextPosition(); the caller checks), with the payloads of `list`
   * (`bytes` in all), written in wal file `file`: {@link stage} and
   * {@link commitStaged} at once. Nothing may be staged.
   */
  appendAll(first: number, list: readonly Uint8Array[], bytes: number, file: number): void {
    this.stage(first, list);
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
  ): void {
    if (this.#head + this.#count + n > this.#positions.length) this.#makeRoom(n);
    const i = this.#head + this.#count;
    const ownPositions = this.#positions;
    const ownLengths = this.#lengths;
    for (let k = 0; k < n; k++) {
      ownPositions[i + k] = positions[k];
      ownLengths[i + k] = lengths[k];
    }
    this.#arena.appendRanges(src, starts, lengths, n, this.#offsets, i);
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
  stage(first: number, list: readonly Uint8Array[]): void {
    const n = list.length;
    const at = this.#head + this.#count + this.#staged;
    if (at + n > this.#positions.length) this.#makeRoom(n);
    const i = this.#head + this.#count + this.#staged;
    const positions = this.#positions;
    const lengths = this.#lengths;
    for (let k = 0; k < n; k++) {
      positions[i + k] = first + k;
      lengths[i + k] = list[k].length;
    }
    this.#arena.appendAll(list, this.#offsets, i);
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
    this.#arena.rewind(this.#committedEnd);
  }

  /** Counts the `n` records (`bytes` in all) after the live ones as live, written in wal file `file`. */
  #commit(n: number, bytes: number, file: number): void {
    if (n === 0) return;
    this.#count += n;
    this.#payloadBytes += bytes;
    const last = this.#head + this.#count - 1;
    const position = this.#positions[last];
    this.#committedEnd = this.#offsets[last] + this.#lengths[last];
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
    for (let i = this.#head; i < keep; i++) this.#payloadBytes -= this.#lengths[i];
    this.#head = keep;
    this.#count -= removed;
    this.#startPosition = position + 1;
    this.#arena.releaseBefore(this.#offsets[keep]);
    let runs = 0;
    while (this.#runLast[runs] <= position) runs++;
    if (runs > 0) {
      this.#runFiles.splice(0, runs);
      this.#runLast.splice(0, runs);
    }
    // Move the live records to the front when half the arrays lie before them; when under half
    // of the arrays is in use, shrink them to 1.125 times the live count.
    const capacity = this.#positions.length;
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
    const positions = this.#positions;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positions[mid] < position) lo = mid + 1;
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
    return this.#positions[i];
  }

  /** Payload view of the record at index `i`. */
  payloadAt(i: number): Uint8Array {
    return this.#arena.view(this.#offsets[i], this.#lengths[i]);
  }

  /** Index of the first live record. */
  get headIndex(): number {
    return this.#head;
  }

  /** Marks every retained record as written in wal file `file` (after compaction rewrote them there). */
  relocate(file: number): void {
    if (this.#count === 0) return;
    this.#runFiles.length = 0;
    this.#runLast.length = 0;
    this.#runFiles.push(file);
    this.#runLast.push(this.#positions[this.#head + this.#count - 1]);
  }

  /** Payload bytes retained, by the wal file the records were written in. */
  bytesByFile(): Map<number, number> {
    const out = new Map<number, number>();
    let run = 0;
    for (let i = this.#head; i < this.#head + this.#count; i++) {
      while (this.#positions[i] > this.#runLast[run]) run++;
      const file = this.#runFiles[run];
      out.set(file, (out.get(file) ?? 0) + this.#lengths[i]);
    }
    return out;
  }

  /** The last record, or undefined when empty. */
  lastRecord(): StoredRecord | undefined {
    if (this.#count === 0) return undefined;
    const i = this.#head + this.#count - 1;
    return { position: this.#positions[i], payload: this.payloadAt(i) };
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
      const position = this.#positions[i];
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
    // Every queue of the log is released together: copying the others' chunks out of the
    // slabs this one leaves sparse would only copy what is given back next.
    this.#arena.clear(false);
  }

  #clear(): void {
    // Payloads staged for later commits live past the committed end: keep them.
    if (this.#arena.tail === this.#committedEnd) this.#arena.clear();
    else this.#arena.releaseBefore(this.#committedEnd);
    this.#head += this.#count; // staged records stay where they are
    this.#count = 0;
    this.#payloadBytes = 0;
    this.#runFiles.length = 0;
    this.#runLast.length = 0;
    if (this.#positions.length > INITIAL_CAPACITY * 64) {
      this.#resize(Math.ceil(this.#staged * 1.125) + INITIAL_CAPACITY);
    }
  }

  /**
   * Makes room for `more` records after the live and staged ones: moves them
   * to the front, sizing the arrays to 1.5 times what they then hold (or
   * only moves them when that leaves room enough). The arrays grow by half
   * when full and shrink after truncations, so the per-record metadata stays
   * within 1.5 x 20 bytes.
   */
  #makeRoom(more: number): void {
    const held = this.#count + this.#staged;
    const capacity = this.#positions.length;
    const needed = held + more;
    if (needed <= capacity >>> 1 || (needed <= capacity && this.#head >= capacity >>> 2)) {
      this.#resize(capacity); // enough room once moved to the front
    } else {
      this.#resize(Math.max(Math.ceil(held * 1.5) + INITIAL_CAPACITY, needed));
    }
  }

  #resize(capacity: number): void {
    this.#generation++;
    const from = this.#head;
    const to = this.#head + this.#count + this.#staged;
    if (capacity === this.#positions.length) {
      this.#positions.copyWithin(0, from, to);
      this.#offsets.copyWithin(0, from, to);
      this.#lengths.copyWithin(0, from, to);
    } else {
      const positions = float64Array(capacity);
      const offsets = float64Array(capacity);
      const lengths = uint32Array(capacity);
      positions.set(this.#positions.subarray(from, to));
      offsets.set(this.#offsets.subarray(from, to));
      lengths.set(this.#lengths.subarray(from, to));
      this.#positions = positions;
      this.#offsets = offsets;
      this.#lengths = lengths;
    }
    this.#head = 0;
  }
}
