/**
 * Group commit: writes are staged (encoded into the wal's staging buffer)
 * when they are called, in call order; the pipeline then makes them durable
 * in batches — one flush or fsync for every write staged so far — and
 * commits each to memory, in order, before resolving its promise.
 *
 * Some work needs the log quiet (nothing staged and uncommitted): deleting
 * wal files and closing. It runs exclusively: while it is due, new writes
 * wait to be staged, and it starts once every write staged before it has
 * committed.
 *
 * @module
 */

/** No persist needed. */
export const DURABILITY_NONE = 0;
/** Handed to the OS (survives a process crash). */
export const DURABILITY_FLUSH = 1;
/** On stable storage (survives a power loss). */
export const DURABILITY_FSYNC = 2;
/** How durable a write must be before it commits. */
export type Durability = typeof DURABILITY_NONE | typeof DURABILITY_FLUSH | typeof DURABILITY_FSYNC;

/**
 * Where the staged bytes of the log's writes wait, and how they are made
 * durable: all the pipeline needs of the writer (the rolling writer
 * implements it).
 */
export interface PersistTarget {
  /** Bytes staged and not yet handed to the OS. */
  readonly stagedBytes: number;
  /** Hands every staged byte to the OS now if that needs no waiting; false (nothing done) otherwise. */
  flushSync(): boolean;
  /** Hands every staged byte to the OS. */
  flush(): Promise<void>;
  /** Flushes, then waits for stable storage (fdatasync). */
  sync(): Promise<void>;
}

/** Staged bytes above this are handed to the OS even when no write asks. */
const AUTO_FLUSH_BYTES = 1024 * 1024;

interface Ticket {
  durability: Durability;
  commit: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** What a settled ticket's slot holds until the array is reused. */
const SETTLED: Ticket = {
  durability: DURABILITY_NONE,
  commit: () => undefined,
  resolve: () => {},
  reject: () => {},
};

interface Exclusive {
  work: () => Promise<void>;
  resolve: () => void;
  reject: (reason: unknown) => void;
}

/** Callbacks the log gives the pipeline. */
export interface PipelineHooks {
  /** A flush or fsync failed: every write not committed is lost to the log. */
  onFailure(error: unknown): void;
  /** The error later writes get once the pipeline failed. */
  failedError(cause: unknown): Error;
}

/** Orders, batches and commits the log's writes. */
export class CommitPipeline {
  readonly #writer: PersistTarget;
  readonly #hooks: PipelineHooks;
  /** Tickets submitted and not yet taken by the loop: `#pending[0, #pendingCount)`. */
  #pending: Ticket[] = [];
  #pendingCount = 0;
  /** The other ticket array: batches alternate between the two, so a batch allocates no array. */
  #spare: Ticket[] = [];
  #exclusive: Exclusive[] = [];
  #waiting: (() => void)[] = [];
  /** A start is queued as a microtask / the loop (or its async continuation) is running. */
  #scheduled = false;
  #running = false;
  #failure: unknown = undefined;

  constructor(writer: PersistTarget, hooks: PipelineHooks) {
    this.#writer = writer;
    this.#hooks = hooks;
  }

  /** The I/O error that failed the pipeline, if any. */
  get failure(): unknown {
    return this.#failure;
  }

  /** True while exclusive work is due: new writes must be deferred with {@link defer}. */
  get blocked(): boolean {
    return this.#exclusive.length > 0;
  }

  /**
   * Registers a write that was just staged. Its promise resolves with
   * `commit()`'s result once it is as durable as asked and every earlier
   * write has committed.
   */
  submit<T>(durability: Durability, commit: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#failure !== undefined) {
        reject(this.#hooks.failedError(this.#failure));
        return;
      }
      this.#pending[this.#pendingCount++] = {
        durability,
        commit,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      this.#kick();
    });
  }

  /**
   * For a write just staged that needs at most a flush: when the pipeline is
   * idle (nothing submitted and uncommitted, nothing exclusive due, not
   * failed), makes every staged byte as durable as `durability` asks, now,
   * and returns true: the caller commits the write at once, since every
   * earlier write has committed. False when that needs waiting (an fsync, a
   * new file, a busy pipeline) or when a write was flushed this way earlier
   * in the same turn of the event loop (writes called together still share
   * one flush): submit the write instead. A failed flush fails the pipeline
   * (as in a batch) and is thrown.
   */
  persistNow(durability: Durability): boolean {
    if (
      durability === DURABILITY_FSYNC || this.#pendingCount > 0 || this.#running ||
      this.#wroteThisTurn || this.#exclusive.length > 0 || this.#failure !== undefined
    ) {
      return false;
    }
    if (durability === DURABILITY_NONE && this.#writer.stagedBytes <= AUTO_FLUSH_BYTES) return true;
    let done: boolean;
    try {
      done = this.#writer.flushSync();
    } catch (err) {
      this.#fail(err, []);
      throw err;
    }
    if (done) {
      // Writes called later in this turn of the event loop are batched: one flush for all of them.
      this.#wroteThisTurn = true;
      queueMicrotask(this.#turnEnded);
    }
    return done;
  }

  /** Set by a write that {@link persistNow} flushed, until the microtasks of its turn run. */
  #wroteThisTurn = false;
  readonly #turnEnded = (): void => {
    this.#wroteThisTurn = false;
  };

  /** Runs `stage` once no exclusive work is due (at once when none is). */
  defer(stage: () => void): void {
    if (this.blocked) this.#waiting.push(stage);
    else stage();
  }

  /** Runs `work` once every write staged before it has committed, holding new writes back meanwhile. */
  exclusive(work: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#exclusive.push({ work, resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // Start on a later microtask so that writes called together share one batch.
    queueMicrotask(this.#start);
  }

  readonly #start = (): void => {
    this.#scheduled = false;
    if (this.#running) return;
    this.#running = true;
    this.#loop();
  };

  /**
   * Commits batches for as long as that needs no waiting: nothing to persist,
   * or a flush the writer can do synchronously. Hands over to an
   * asynchronous continuation for fsyncs, file creation and exclusive work.
   */
  #loop(): void {
    for (;;) {
      if (this.#pendingCount > 0) {
        const batch = this.#takePending();
        if (this.#failure !== undefined) {
          for (const ticket of batch) ticket.reject(this.#hooks.failedError(this.#failure));
          continue;
        }
        let durability: Durability = DURABILITY_NONE;
        for (let i = 0; i < batch.length; i++) {
          if (batch[i].durability > durability) durability = batch[i].durability;
        }
        const flush = durability === DURABILITY_FLUSH ||
          this.#writer.stagedBytes > AUTO_FLUSH_BYTES;
        if (durability !== DURABILITY_FSYNC) {
          let done: boolean;
          try {
            done = !flush || this.#writer.flushSync();
          } catch (err) {
            this.#fail(err, batch);
            continue;
          }
          if (done) {
            this.#commit(batch);
            continue;
          }
        }
        void this.#persistThenLoop(batch, durability === DURABILITY_FSYNC);
        return;
      }
      if (this.#exclusive.length > 0) {
        void this.#exclusiveThenLoop();
        return;
      }
      this.#running = false;
      return;
    }
  }

  async #persistThenLoop(batch: Ticket[], fsync: boolean): Promise<void> {
    try {
      if (fsync) await this.#writer.sync();
      else await this.#writer.flush();
      this.#commit(batch);
    } catch (err) {
      this.#fail(err, batch);
    }
    this.#loop();
  }

  async #exclusiveThenLoop(): Promise<void> {
    const job = this.#exclusive[0];
    try {
      await job.work();
      job.resolve();
    } catch (err) {
      job.reject(err);
    }
    this.#exclusive.shift();
    // Writes held back while the job was due are staged now, in call order.
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const stage of waiting) stage();
    this.#loop();
  }

  /**
   * The pending tickets as a batch (an array of exactly that length); new
   * submissions go to the other array, and the batch's array is the spare
   * (reused once the other is taken).
   */
  #takePending(): Ticket[] {
    const batch = this.#pending;
    batch.length = this.#pendingCount;
    this.#pending = this.#spare;
    this.#pendingCount = 0;
    this.#spare = batch;
    return batch;
  }

  #commit(batch: Ticket[]): void {
    for (let i = 0; i < batch.length; i++) {
      const ticket = batch[i];
      try {
        ticket.resolve(ticket.commit());
      } catch (err) {
        ticket.reject(err);
      }
    }
    // Forget the settled tickets (their closures may hold payloads) until the array is reused.
    batch.fill(SETTLED);
  }

  /** Fails this batch with the I/O error and everything after it with the failed-log error. */
  #fail(error: unknown, batch: Ticket[]): void {
    this.#failure = error;
    this.#hooks.onFailure(error);
    for (const ticket of batch) ticket.reject(error);
    const later = this.#takePending();
    for (const ticket of later) ticket.reject(this.#hooks.failedError(error));
  }

  /** Makes the pipeline fail as if a write had failed with `error` (for exclusive work that failed on I/O). */
  failWith(error: unknown): void {
    if (this.#failure === undefined) this.#fail(error, []);
  }
}
