/**
 * MultiRecordLog, the public API: many named queues multiplexed on one
 * rolling write-ahead log, each kept in memory for reads. It checks the
 * arguments, answers reads from the queue catalog and hands writes to the
 * write path (API -> write path -> record writer -> frames -> rolling files
 * -> port); a read-only log has no write path.
 *
 * @module
 */
import { LogClosedError, LogReadOnlyError } from "./errors.ts";
import type { WalDirectory } from "./files/directory.ts";
import { followQueue, type FollowSource } from "./follow.ts";
import { type LogParts, openLog } from "./open_log.ts";
import {
  type AppendOptions,
  type AppendOutcome,
  checkPayloads,
  checkPosition,
  type CompactionOutcome,
  type FollowIterator,
  type FollowOptions,
  type LogSummary,
  type OpenOptions,
  payloadList,
  type PersistAction,
  type QueueRecord,
  rangeBounds,
  type RangeOptions,
  type RecoveryReport,
  type ResourceUsage,
  type TruncateOutcome,
} from "./options.ts";
import { durabilityOf } from "./persist.ts";
import type { QueueCatalog } from "./queue_catalog.ts";
import { summarize, usage } from "./summary.ts";
import type { WritePath } from "./write_path.ts";

const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose ??
  (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);

/**
 * A durable, multiplexed write-ahead record log: many named queues on one
 * rolling log on disk, each with its own positions, truncated up to a
 * position, and kept in memory for reads. Reads and writes the files of
 * Quickwit's Rust crate `mrecordlog`.
 *
 * Calls may be made concurrently: writes are applied one at a time, in the
 * order they were called.
 *
 * @example
 * ```ts
 * import { MultiRecordLog } from "@mrl/core";
 * const dir = await Deno.makeTempDir();
 * {
 *   await using log = await MultiRecordLog.open(dir);
 *   await log.createQueue("events");
 *   await log.appendRecords("events", [new TextEncoder().encode("a"), new TextEncoder().encode("b")]);
 *   await log.truncate("events", 0); // drops position 0
 * }
 * const log = await MultiRecordLog.open(dir);
 * for (const { position, payload } of log.range("events")) {
 *   console.log(position, new TextDecoder().decode(payload)); // 1 b
 * }
 * await log.close();
 * ```
 */
export class MultiRecordLog {
  readonly #path: string;
  readonly #dir: WalDirectory;
  readonly #catalog: QueueCatalog;
  /** Undefined when read-only: every write is refused. */
  readonly #writes: WritePath | undefined;
  /** What follow()'s iterators see of the log, and where they wait for new records. */
  readonly #following: FollowSource;
  #closing = false;
  /** The close in progress (or done). */
  #closingDone: Promise<void> = Promise.resolve();

  /** What replay found when the log was opened: damaged spots it skipped, records replayed. */
  readonly recovery: RecoveryReport;

  private constructor(parts: LogParts) {
    this.#path = parts.path;
    this.#dir = parts.directory;
    this.#catalog = parts.catalog;
    this.#following = {
      current: (queue) => this.#catalog.committed.get(queue),
      closing: () => this.#closing,
      followers: parts.followers,
    };
    this.#writes = parts.writes;
    this.recovery = parts.report;
  }

  /**
   * Opens the log in directory `dir` (created if missing), replaying what is
   * on disk. Damaged spots cost only the records they touch; see
   * {@link MultiRecordLog.recovery}.
   *
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir(), {
   *   persistPolicy: { kind: "always", action: "fsync" },
   * });
   * console.log(log.listQueues()); // []
   * await log.close();
   * ```
   */
  static async open(dir: string, options: OpenOptions = {}): Promise<MultiRecordLog> {
    return new MultiRecordLog(await openLog(dir, options));
  }

  /**
   * Creates an empty queue. Always flushed and fsynced before it resolves.
   *
   * @throws {QueueAlreadyExistsError} when the queue exists.
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("orders");
   * console.log(log.queueExists("orders")); // true
   * await log.close();
   * ```
   */
  async createQueue(queue: string): Promise<void> {
    const name = this.#encodeName(queue);
    return await this.#writable().createQueue(queue, name);
  }

  /**
   * Deletes a queue and its records. Always flushed and fsynced before it resolves.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("tmp");
   * await log.deleteQueue("tmp");
   * console.log(log.queueExists("tmp")); // false
   * await log.close();
   * ```
   */
  async deleteQueue(queue: string): Promise<void> {
    this.#encodeName(queue);
    await this.#writable().deleteQueue(queue);
  }

  /**
   * Whether the queue exists.
   *
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * console.log(log.queueExists("q")); // false
   * await log.close();
   * ```
   */
  queueExists(queue: string): boolean {
    this.#checkOpen();
    if (this.#catalog.committed.has(queue)) return true;
    this.#catalog.checkName(queue); // a name no queue can have is refused, not answered with false
    return false;
  }

  /**
   * Names of all queues, including any refused with
   * {@link PositionOutOfRangeError} (a call naming one throws it).
   *
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("a");
   * console.log(log.listQueues()); // ["a"]
   * await log.close();
   * ```
   */
  listQueues(): string[] {
    this.#checkOpen();
    const queues = this.#catalog.committed;
    return [...queues.names(), ...queues.outOfRange.keys()];
  }

  /**
   * Appends one record; see {@link MultiRecordLog.appendRecords}.
   *
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("q");
   * const { lastPosition } = await log.appendRecord("q", new Uint8Array([1, 2, 3]));
   * console.log(lastPosition); // 0
   * await log.close();
   * ```
   */
  appendRecord(
    queue: string,
    payload: Uint8Array,
    options: AppendOptions = {},
  ): Promise<AppendOutcome> {
    return this.appendRecords(queue, [payload], options);
  }

  /**
   * Appends records atomically (all or none) at consecutive positions, from
   * the queue's next position or from `options.position`. It resolves once
   * the records are persisted as the persist policy says; calls made
   * together share one write (and one fsync).
   *
   * An explicit position equal to the queue's last one makes the call an
   * idempotent no-op (see {@link AppendOptions.position}). An empty batch
   * writes nothing.
   *
   * Payloads are copied when the call is made: their buffers may be reused
   * as soon as it returns.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("q");
   * const bytes = (s: string) => new TextEncoder().encode(s);
   * console.log((await log.appendRecords("q", [bytes("a"), bytes("b")])).lastPosition); // 1
   * console.log((await log.appendRecords("q", [bytes("c")], { position: 10 })).lastPosition); // 10
   * console.log((await log.appendRecords("q", [bytes("c")], { position: 10 })).lastPosition); // undefined
   * await log.close();
   * ```
   */
  appendRecords(
    queue: string,
    payloads: Iterable<Uint8Array>,
    options: AppendOptions = {},
  ): Promise<AppendOutcome> {
    try {
      this.#encodeName(queue);
      const list = payloadList(queue, payloads);
      const bytes = checkPayloads(queue, list);
      const explicit = options?.position;
      if (explicit !== undefined) checkPosition(explicit, "position", queue);
      return this.#writable().append(queue, list, bytes, explicit);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Records with `start <= position < end`, in position order. Payloads are
   * views of the log's memory (no copy): do not modify them.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("q");
   * await log.appendRecords("q", [new Uint8Array([0]), new Uint8Array([1]), new Uint8Array([2])]);
   * console.log([...log.range("q", { start: 1, end: 3 })].map((r) => r.position)); // [1, 2]
   * await log.close();
   * ```
   */
  range(queue: string, options: RangeOptions = {}): IterableIterator<QueueRecord> {
    this.#checkOpen();
    const { start, end } = rangeBounds(queue, options);
    return this.#catalog.get(queue).range(start, end);
  }

  /**
   * Follows a queue: yields the records retained from `start` on, then each
   * record as it is appended (once committed), in order. Records truncated
   * before the iterator reached them are skipped. It ends when the queue is
   * deleted or the log is closed; breaking out of the loop (or `return()`,
   * even while a `next()` waits) releases it. A missing queue or a bad
   * `start` rejects the first `next()`.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("q");
   * await log.appendRecord("q", new Uint8Array([1]));
   * setTimeout(() => log.appendRecord("q", new Uint8Array([2])), 10);
   * for await (const { position, payload } of log.follow("q")) {
   *   console.log(position, payload[0]); // 0 1, then 1 2
   *   if (position === 1) break;
   * }
   * await log.close();
   * ```
   */
  follow(queue: string, options: FollowOptions = {}): FollowIterator {
    const start = options?.start ?? 0;
    return followQueue(queue, start, this.#following, () => {
      this.#checkOpen();
      checkPosition(start, "start", queue);
      this.#catalog.get(queue);
    });
  }

  /**
   * Removes every record of the queue with position <= `position`. Truncating
   * at or past the last position empties the queue and moves its next
   * position to `position + 1`. Wal files no queue needs any more are deleted
   * before it resolves.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("q");
   * await log.appendRecords("q", [new Uint8Array([0]), new Uint8Array([1])]);
   * console.log((await log.truncate("q", 0)).evictedRecords); // 1
   * await log.close();
   * ```
   */
  async truncate(queue: string, position: number): Promise<TruncateOutcome> {
    this.#encodeName(queue);
    checkPosition(position, "position", queue);
    return await this.#writable().truncate(queue, position);
  }

  /**
   * The queue's last position: the position of its last record, or, for a
   * queue emptied by truncation, the position before its next one. Undefined
   * when nothing was ever appended.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("q");
   * console.log(log.lastPosition("q")); // undefined
   * await log.appendRecord("q", new Uint8Array(1));
   * console.log(log.lastPosition("q")); // 0
   * await log.close();
   * ```
   */
  lastPosition(queue: string): number | undefined {
    this.#checkOpen();
    const next = this.#catalog.get(queue).nextPosition();
    return next === 0 ? undefined : next - 1;
  }

  /**
   * The queue's last retained record, or undefined when it is empty.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("q");
   * await log.appendRecord("q", new Uint8Array([42]));
   * console.log(log.lastRecord("q")); // { position: 0, payload: Uint8Array(1) [ 42 ] }
   * await log.close();
   * ```
   */
  lastRecord(queue: string): QueueRecord | undefined {
    this.#checkOpen();
    return this.#catalog.get(queue).lastRecord();
  }

  /**
   * Persists every write made so far: `flush` hands it to the OS, `fsync`
   * (the default) also waits for stable storage.
   *
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir(), { persistPolicy: { kind: "never" } });
   * await log.createQueue("q");
   * await log.appendRecord("q", new Uint8Array(8));
   * await log.persist("fsync");
   * await log.close();
   * ```
   */
  async persist(action: PersistAction = "fsync"): Promise<void> {
    const durability = durabilityOf(action); // a bad action is a TypeError first
    await this.#writable().persist(durability);
  }

  /**
   * Relocates the retained records of the queues that keep the oldest wal
   * files alive (quiet queues that are never truncated) to a new file, then
   * deletes the files nothing needs any more. Does nothing when no file would
   * be freed. Crash-atomic: a crash at any point loses nothing and never
   * leaves a queue without its records. Also runs by itself (see
   * `OpenOptions.compaction`).
   *
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir(), { fileSize: 32768 * 2, compaction: false });
   * await log.createQueue("quiet");
   * await log.createQueue("busy");
   * await log.appendRecord("quiet", new Uint8Array([1]));
   * for (let i = 0; i < 10; i++) await log.appendRecord("busy", new Uint8Array(20_000));
   * await log.truncate("busy", 9); // "quiet" still keeps every file alive
   * console.log(await log.compact()); // { queuesRewritten: 1, recordsRelocated: 1, bytesRelocated: 1, filesDeleted: ... }
   * await log.close();
   * ```
   */
  async compact(): Promise<CompactionOutcome> {
    return await this.#writable().compact();
  }

  /**
   * Memory and disk the log holds.
   *
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir(), { fileSize: 32768 * 4 });
   * console.log(log.resourceUsage().diskUsedBytes); // 131072
   * await log.close();
   * ```
   */
  resourceUsage(): ResourceUsage {
    this.#checkOpen();
    return usage(this.#dir, this.#catalog);
  }

  /**
   * Each queue's first and last retained positions and the oldest wal file
   * it needs.
   *
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.createQueue("q");
   * await log.appendRecords("q", [new Uint8Array(1), new Uint8Array(1)]);
   * console.log(log.summary().queues); // { q: { start: 0, end: 1, fileNumber: 0 } }
   * await log.close();
   * ```
   */
  summary(): LogSummary {
    this.#checkOpen();
    return summarize(this.#dir, this.#catalog.committed);
  }

  /**
   * Waits for every write made before it, persists everything (flush and
   * fsync) and closes the files. Further calls throw {@link LogClosedError};
   * closing again does nothing.
   *
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await Deno.makeTempDir());
   * await log.close();
   * await log.close(); // no-op
   * ```
   */
  async close(): Promise<void> {
    if (this.#closing) return await this.#closingDone;
    this.#closing = true;
    this.#following.followers.wake(undefined);
    this.#closingDone = this.#writes?.close() ?? Promise.resolve();
    return await this.#closingDone;
  }

  /**
   * Same as {@link MultiRecordLog.close}: `await using log = await MultiRecordLog.open(dir)`.
   *
   * @example
   * ```ts
   * import { MultiRecordLog } from "@mrl/core";
   * {
   *   await using log = await MultiRecordLog.open(await Deno.makeTempDir());
   *   await log.createQueue("q");
   * } // closed here
   * ```
   */
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The write path, or a rejection: the log is closing or read-only. */
  #writable(): WritePath {
    if (this.#closing) throw new LogClosedError(this.#path);
    if (this.#writes === undefined) throw new LogReadOnlyError(this.#path);
    return this.#writes;
  }

  #checkOpen(): void {
    if (this.#closing) throw new LogClosedError(this.#path);
  }

  /** Checks a queue name given by a user; returns its UTF-8 bytes. */
  #encodeName(queue: string): Uint8Array {
    if (this.#closing) throw new LogClosedError(this.#path);
    return this.#catalog.checkName(queue);
  }
}
