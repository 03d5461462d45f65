/**
 * All queues in memory, by name, with the operations that rebuild them from
 * the log on replay (docs/FORMAT.md, "Replay semantics").
 *
 * @module
 */
import { MemQueue } from "./queue.ts";
import { Arena } from "./arena.ts";
import type { PayloadStore } from "./payload_store.ts";

/** A queue replay cannot load: it holds a position above 2^53 (see `PositionOutOfRangeError`). */
export interface OutOfRangeQueue {
  /** The position, exactly. */
  position: bigint;
  /** The wal file of the record carrying it. */
  file: number;
  /** Files from this one on are kept: they may hold the queue's records. */
  pinnedFrom: number;
}

/** The named queues of a log. */
export class MemQueues {
  readonly #queues = new Map<string, MemQueue>();
  readonly #store: (() => PayloadStore) | undefined;
  /** Queues replay found with positions above 2^53: never loaded, never written, their files kept. */
  readonly outOfRange: Map<string, OutOfRangeQueue> = new Map();

  /**
   * Queues whose payloads are kept by `store` (one store for all: disk
   * mode), or each in an arena of its own (the default).
   */
  constructor(store?: PayloadStore) {
    this.#store = store === undefined ? undefined : () => store;
  }

  /** Whether payloads stay in the wal files (disk mode). */
  get onDisk(): boolean {
    return this.#store !== undefined;
  }

  /** A new queue, not yet named, that keeps its payloads as these queues do. */
  newQueue(nextPosition = 0): MemQueue {
    return new MemQueue(nextPosition, this.#store?.() ?? new Arena());
  }

  /** The queue named `name`, or undefined. */
  get(name: string): MemQueue | undefined {
    return this.#queues.get(name);
  }

  /** True when the queue exists. */
  has(name: string): boolean {
    return this.#queues.has(name);
  }

  /** Names of all queues, in creation order. */
  names(): string[] {
    return [...this.#queues.keys()];
  }

  /** All queues with their names. */
  entries(): IterableIterator<[string, MemQueue]> {
    return this.#queues.entries();
  }

  /** Number of queues. */
  get count(): number {
    return this.#queues.size;
  }

  /** Creates an empty queue at position `nextPosition` (replacing any queue of that name). */
  create(name: string, nextPosition = 0): MemQueue {
    const queue = this.newQueue(nextPosition);
    this.#queues.set(name, queue);
    return queue;
  }

  /** Makes `queue` the queue named `name` (replacing any queue of that name). */
  set(name: string, queue: MemQueue): void {
    this.#queues.set(name, queue);
  }

  /** Gives every queue's payload memory back (the log is closed: nothing reads them again). */
  releaseAll(): void {
    for (const queue of this.#queues.values()) queue.release();
  }

  /** Deletes a queue; returns whether it existed. */
  delete(name: string): boolean {
    return this.#queues.delete(name);
  }

  /**
   * Replays a RecordPosition: makes the queue exist, empty, with next position
   * `nextPosition`. A queue that holds records or is elsewhere is reset.
   */
  ackPosition(name: string, nextPosition: number): void {
    const queue = this.#queues.get(name);
    if (queue !== undefined && queue.size === 0 && queue.nextPosition() === nextPosition) return;
    this.create(name, nextPosition);
  }

  /** The oldest wal file any queue still holds a record in (or an out-of-range queue pins), or undefined. */
  oldestFileInUse(): number | undefined {
    let oldest = this.oldestPinnedFile();
    for (const queue of this.#queues.values()) {
      const file = queue.firstFile();
      if (file !== undefined && (oldest === undefined || file < oldest)) oldest = file;
    }
    return oldest;
  }

  /** The oldest wal file an out-of-range queue keeps, or undefined. */
  oldestPinnedFile(): number | undefined {
    let oldest: number | undefined;
    for (const { pinnedFrom } of this.outOfRange.values()) {
      if (oldest === undefined || pinnedFrom < oldest) oldest = pinnedFrom;
    }
    return oldest;
  }
}
