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
  /** Live records are at indices [#head, #head + #count). */
  #head = 0;
  #count = 0;
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
   * written in wal file `file`.
   */
  append(position: number, payload: Uint8Array, file: number): void {
    this.commit(position, this.stage(payload), payload.length, file);
  }

  /**
   * Copies a payload into the queue's memory without making it a record yet
   * (so a caller may reuse its buffer at once). Returns where it went, for
   * {@link commit}; {@link unstage} forgets staged payloads.
   */
  stage(payload: Uint8Array): number {
    return this.#arena.append(payload);
  }

  /** A mark to pass to {@link unstage}. */
  stageMark(): number {
    return this.#arena.tail;
  }

  /** Forgets the payloads staged since `mark`. */
  unstage(mark: number): void {
    this.#arena.rewind(mark);
  }

  /** Forgets every staged payload not committed (after a failed write). */
  unstageAll(): void {
    this.#arena.rewind(this.#committedEnd);
  }

  /** Makes a staged payload the record at `position`, written in wal file `file`. */
  commit(position: number, offset: number, length: number, file: number): void {
    if (this.#head + this.#count === this.#positions.length) this.#makeRoom();
    const i = this.#head + this.#count;
    this.#positions[i] = position;
    this.#offsets[i] = offset;
    this.#lengths[i] = length;
    this.#count++;
    this.#payloadBytes += length;
    this.#committedEnd = offset + length;
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
    if (this.#count * 2 < capacity - INITIAL_CAPACITY) {
      this.#resize(Math.ceil(this.#count * 1.125) + INITIAL_CAPACITY);
    } else if (this.#head > capacity >>> 1) {
      this.#makeRoom();
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
    this.#payloadBytes = 0;
    this.#arena.clear();
  }

  #clear(): void {
    // Payloads staged for later commits live past the committed end: keep them.
    if (this.#arena.tail === this.#committedEnd) this.#arena.clear();
    else this.#arena.releaseBefore(this.#committedEnd);
    this.#head = 0;
    this.#count = 0;
    this.#payloadBytes = 0;
    this.#runFiles.length = 0;
    this.#runLast.length = 0;
    if (this.#positions.length > INITIAL_CAPACITY * 64) this.#resize(INITIAL_CAPACITY);
  }

  /**
   * Moves live records to the front, sizing the arrays to 1.5 times the live
   * count: they grow by half when full and shrink after truncations, so the
   * per-record metadata stays within 1.5 x 20 bytes.
   */
  #makeRoom(): void {
    this.#resize(Math.max(INITIAL_CAPACITY, Math.ceil(this.#count * 1.5) + INITIAL_CAPACITY));
  }

  #resize(capacity: number): void {
    this.#generation++;
    const from = this.#head;
    const to = this.#head + this.#count;
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
