/**
 * The iterator behind `MultiRecordLog.follow()`: yields a queue's retained
 * records from a position on, then waits for new ones. A plain async
 * iterator rather than an async generator, so that `return()` ends it (and
 * releases it) even while a `next()` is waiting.
 *
 * @module
 */
import type { MemQueue } from "../memory/queue.ts";
import type { FollowIterator, QueueRecord } from "../types.ts";

/** What the iterator needs from the log. */
export interface FollowSource {
  /** The queue named `queue` as committed now (undefined once deleted). */
  current(queue: string): MemQueue | undefined;
  /** True once the log is closing. */
  closing(): boolean;
  /** Where the iterator registers for wake-ups on new records. */
  readonly followers: Followers;
}

/** An iterator waiting for records of `queue`. */
export interface Follower {
  readonly queue: string;
  /** Called by the log when the queue changes or the log closes. */
  wake(): void;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** The iterators waiting for new records, by the queue they follow. */
export class Followers {
  readonly #all = new Set<Follower>();

  /** Number of iterators registered (none: commits skip waking). */
  get size(): number {
    return this.#all.size;
  }

  add(follower: Follower): void {
    this.#all.add(follower);
  }

  delete(follower: Follower): void {
    this.#all.delete(follower);
  }

  /** Wakes the followers of `queue` (of every queue when undefined). */
  wake(queue: string | undefined): void {
    for (const follower of this.#all) {
      if (queue === undefined || follower.queue === queue) follower.wake();
    }
  }
}

/**
 * Follows `queue` from position `start` once `check` passes; when it throws
 * (or `signal` is already aborted), the iterator's first `next()` rejects
 * with its error (the signal's reason).
 */
export function followQueue(
  queue: string,
  start: number,
  signal: AbortSignal | undefined,
  source: FollowSource,
  check: () => void,
): FollowIterator {
  let error: unknown;
  try {
    check();
    if (signal?.aborted) error = signal.reason;
  } catch (err) {
    error = err;
  }
  return new QueueFollower(queue, start, source, error, error === undefined ? signal : undefined);
}

/**
 * A follower as a Web stream, pulled one record at a time (a high-water
 * mark of 0: nothing is read ahead); cancelling the stream returns the
 * iterator.
 */
export function followStream(records: FollowIterator): ReadableStream<QueueRecord> {
  return new ReadableStream<QueueRecord>({
    async pull(controller) {
      const { done, value } = await records.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await records.return();
    },
  }, { highWaterMark: 0 });
}

/** Follows one queue. */
class QueueFollower implements AsyncIterableIterator<QueueRecord>, Follower {
  readonly queue: string;
  readonly #source: FollowSource;
  /** The queue followed: if the name comes to mean another queue (deleted, recreated), it ends. */
  readonly #followed: MemQueue | undefined;
  /** What the next step rejects with (once): a failed check, or the signal's reason once it aborted. */
  #error: unknown;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => {
    this.#error = this.#signal!.reason ?? new Error("aborted");
    this.wake();
  };
  #next: number;
  #done = false;
  #waiting: (() => void) | undefined;
  #pending: Promise<IteratorResult<QueueRecord, undefined>> | undefined;

  constructor(
    queue: string,
    start: number,
    source: FollowSource,
    error?: unknown,
    signal?: AbortSignal,
  ) {
    this.queue = queue;
    this.#source = source;
    this.#next = start;
    this.#error = error;
    this.#signal = signal;
    this.#followed = error === undefined ? source.current(queue) : undefined;
    if (error === undefined) {
      source.followers.add(this);
      signal?.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  wake(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.();
  }

  next(): Promise<IteratorResult<QueueRecord, undefined>> {
    // Calls made without waiting for the previous one are served in order.
    const step = () => this.#step();
    // After a rejection, the next call goes on (and finds the iteration done).
    const result = this.#pending === undefined ? step() : this.#pending.then(step, step);
    this.#pending = result;
    return result;
  }

  return(): Promise<IteratorResult<QueueRecord, undefined>> {
    this.#finish();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<QueueRecord> {
    return this;
  }

  async #step(): Promise<IteratorResult<QueueRecord, undefined>> {
    for (;;) {
      if (this.#error !== undefined && !this.#done) {
        this.#finish();
        throw this.#error;
      }
      if (this.#done) return DONE;
      const queue = this.#followed!;
      if (this.#source.closing() || this.#source.current(this.queue) !== queue) {
        this.#finish();
        return DONE;
      }
      const i = queue.lowerBound(this.#next);
      if (i < queue.endIndex) {
        const position = queue.positionAt(i);
        this.#next = position + 1;
        return { done: false, value: { position, payload: queue.payloadAt(i) } };
      }
      await new Promise<void>((resolve) => (this.#waiting = resolve));
    }
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#source.followers.delete(this);
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.wake();
  }
}
