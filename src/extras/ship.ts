/**
 * ship(): hands a queue's records to a sink (another system: a message
 * broker, a database, a remote log) batch by batch, and truncates the queue
 * up to each batch once the sink has taken it. At-least-once: a batch is
 * removed from the log only after the sink's promise resolved, so a crash in
 * between sends that batch again after a restart.
 *
 * @module
 */
import { LogClosedError, QueueNotFoundError } from "../errors.ts";
import type { MultiRecordLog } from "../log.ts";
import type { QueueRecord, ShipOptions } from "../types.ts";
export type { ShipOptions } from "../types.ts";
import { checkShipOptions } from "../validate.ts";

/**
 * Where {@link ship} sends records: called with one batch at a time (never
 * empty, in position order, each batch after the previous one settled). The
 * batch counts as delivered once the promise resolves; a rejection makes
 * ship() send the same batch again after a pause. Payloads are views of the
 * log's memory: copy what you keep past the promise, and do not modify them.
 *
 * @example
 * ```ts
 * import type { ShipSink } from "@mrl/core";
 * const printer: ShipSink = async (records) => {
 *   console.log(`${records.length} records up to ${records[records.length - 1].position}`);
 * };
 * ```
 */
export type ShipSink = (records: QueueRecord[]) => Promise<unknown>;

/**
 * How a {@link ship} ended and what it delivered.
 *
 * @example
 * ```ts
 * import type { ShipOutcome } from "@mrl/core";
 * const outcome: ShipOutcome = { reason: "aborted", records: 20_000, batches: 40, retries: 0 };
 * ```
 */
export interface ShipOutcome {
  /**
   * Why it ended: `aborted` (the signal), `deleted` (the queue was deleted,
   * whether or not one of the same name was created since) or `closed` (the
   * log was closed).
   */
  reason: "aborted" | "deleted" | "closed";
  /** Records the sink took (and the queue was truncated past). */
  records: number;
  /** Batches the sink took. */
  batches: number;
  /** Sink calls that rejected (each was retried, or ended by the signal). */
  retries: number;
}

/**
 * Ships `queue` to `sink`: follows it from its first retained record, hands
 * the sink batches of up to `maxBatch` records (whatever is there, without
 * waiting to fill one), one at a time, and once the sink's promise resolved,
 * truncates the queue up to the batch's last record (that truncation runs
 * while the next batch goes to the sink, and is done before ship()
 * resolves). A rejected batch is sent again, whole, after a pause that grows
 * with each failure (see `backoff`), as long as it takes. Resolves when
 * `signal` aborts (after the batch in flight settled), when the queue is
 * deleted, or when the log is closed.
 *
 * Delivery is at least once: the sink may see a batch again when the process
 * stops between the sink's success and the truncation (on the next ship()),
 * or when it rejected after delivering part of a batch. Make the sink
 * idempotent by the record's position (e.g. a message id) to drop those.
 * Records truncated by someone else before ship() reached them are skipped.
 *
 * @throws {QueueNotFoundError} when the queue does not exist when called.
 * @throws {InvalidArgumentError} for a `maxBatch` or `backoff` that is not a positive integer,
 *   or a `sink`, `signal` or `onError` of the wrong type.
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, ship } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("events");
 * await log.appendRecords("events", [new Uint8Array([1]), new Uint8Array([2])]);
 * const stop = new AbortController();
 * const shipped = ship(log, "events", async (records) => {
 *   console.log(records.map((r) => r.position)); // [0, 1]
 *   stop.abort(); // a real sink keeps going; this one stops after its first batch
 * }, { signal: stop.signal });
 * console.log(await shipped); // { reason: "aborted", records: 2, batches: 1, retries: 0 }
 * console.log([...log.range("events")].length); // 0
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export async function ship(
  log: MultiRecordLog,
  queue: string,
  sink: ShipSink,
  options: ShipOptions = {},
): Promise<ShipOutcome> {
  const { maxBatch, initialMs, maxMs } = checkShipOptions(queue, sink, options);
  const { signal, onError } = options;
  if (!log.queueExists(queue)) throw new QueueNotFoundError(queue);

  const outcome: ShipOutcome = { reason: "aborted", records: 0, batches: 0, retries: 0 };
  const watch = new QueueWatch(log, queue);
  // A batch's truncation runs while the next batch is sent; one at a time.
  const truncation = new Truncation(log, queue, outcome);
  const gone = () => goneReason(log);
  const run = async (): Promise<ShipOutcome["reason"]> => {
    let next = 0; // positions below `next` were delivered
    for (;;) {
      if (signal?.aborted) return "aborted";
      if (watch.gone) return gone();
      const batch = takeBatch(log, queue, next, maxBatch);
      if (batch.length === 0) {
        await truncation.settle();
        const reason = await waitForRecord(log, queue, next, signal);
        if (reason !== undefined) return reason;
        continue;
      }
      for (let attempt = 1;; attempt++) {
        try {
          await sink(batch);
          break;
        } catch (err) {
          outcome.retries++;
          if (signal?.aborted) return "aborted";
          if (watch.gone) return gone();
          onError?.(err, attempt);
          const pause = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
          if (await sleep(pause, signal)) return "aborted";
        }
      }
      await truncation.settle();
      // Positions restart in a queue recreated under the same name: never truncate that one.
      if (watch.gone) return gone();
      const last = batch[batch.length - 1].position;
      truncation.start(last, batch.length);
      next = last + 1;
    }
  };
  try {
    const reason = await run();
    await truncation.settle();
    return end(outcome, reason);
  } catch (err) {
    await truncation.settle().catch(() => {});
    if (err instanceof QueueNotFoundError) return end(outcome, "deleted");
    if (err instanceof LogClosedError) return end(outcome, "closed");
    throw err;
  } finally {
    watch.stop();
  }
}

/**
 * The truncation of the queue past the last batch the sink took, running in
 * the background; counted in the outcome once done.
 */
class Truncation {
  readonly #log: MultiRecordLog;
  readonly #queue: string;
  readonly #outcome: ShipOutcome;
  #pending: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;

  constructor(log: MultiRecordLog, queue: string, outcome: ShipOutcome) {
    this.#log = log;
    this.#queue = queue;
    this.#outcome = outcome;
  }

  /** Truncates up to `last`, past a batch of `count` records (after `settle()`). */
  start(last: number, count: number): void {
    this.#pending = this.#log.truncate(this.#queue, last).then(() => {
      this.#outcome.records += count;
      this.#outcome.batches++;
    }, (error) => {
      this.#failure = { error };
    });
  }

  /** Waits for the truncation in flight, if any; rejects with its error if it failed. */
  async settle(): Promise<void> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined) await pending;
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure !== undefined) throw failure.error;
  }
}

/** Up to `max` retained records from position `start` on. */
function takeBatch(
  log: MultiRecordLog,
  queue: string,
  start: number,
  max: number,
): QueueRecord[] {
  const batch: QueueRecord[] = [];
  for (const record of log.range(queue, { start })) {
    batch.push(record);
    if (batch.length === max) break;
  }
  return batch;
}

/**
 * Waits until the queue holds a record at or after `start`; undefined then,
 * else why shipping ends.
 */
async function waitForRecord(
  log: MultiRecordLog,
  queue: string,
  start: number,
  signal: AbortSignal | undefined,
): Promise<ShipOutcome["reason"] | undefined> {
  const follower = log.follow(queue, { start, signal });
  try {
    const { done } = await follower.next();
    if (!done) return undefined;
    return goneReason(log);
  } catch (err) {
    if (signal?.aborted) return "aborted";
    throw err;
  } finally {
    await follower.return();
  }
}

/**
 * Notices that the queue ship() started on is gone (deleted, even if one of
 * the same name exists again, or the log closed): a follower parked past any
 * position a queue can reach, whose wait ends only then.
 */
class QueueWatch {
  gone = false;
  readonly #follower: AsyncIterator<QueueRecord>;

  constructor(log: MultiRecordLog, queue: string) {
    this.#follower = log.follow(queue, { start: Number.MAX_SAFE_INTEGER });
    const mark = () => {
      this.gone = true;
    };
    this.#follower.next().then(mark, mark);
  }

  stop(): void {
    this.#follower.return?.();
  }
}

function end(outcome: ShipOutcome, reason: ShipOutcome["reason"]): ShipOutcome {
  outcome.reason = reason;
  return outcome;
}

/** Why the queue is gone: the log was closed, or else the queue was deleted. */
function goneReason(log: MultiRecordLog): ShipOutcome["reason"] {
  return isClosed(log) ? "closed" : "deleted";
}

/** Whether the log is closed (every call on it throws LogClosedError then). */
function isClosed(log: MultiRecordLog): boolean {
  try {
    log.listQueues();
    return false;
  } catch (err) {
    if (err instanceof LogClosedError) return true;
    throw err;
  }
}

/** Waits `ms`; true when `signal` aborted first (or already had). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(false);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
