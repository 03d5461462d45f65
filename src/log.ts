/**
 * MultiRecordLog, the public API: many named queues multiplexed on one
 * rolling write-ahead log, each kept in memory for reads. This class opens
 * and closes the log, answers reads from the queue catalog in memory, checks
 * the arguments of writes and hands them to the engine's write path (API ->
 * engine -> record writer -> frames -> wal files -> port); a read-only log
 * has no write path.
 *
 * @module
 */
import { LogClosedError, LogReadOnlyError } from "./errors.ts";
import { type Followers, followQueue, type FollowSource, followStream } from "./engine/follow.ts";
import type { Codec } from "./typed/codecs.ts";
import type { WalDirectory } from "./wal/directory.ts";
import { summarize, usage } from "./engine/summary.ts";
import { TypedQueue } from "./typed/typed_queue.ts";
import { type LogParts, openLog } from "./engine/open.ts";
import type {
  AppendOptions,
  AppendOutcome,
  CompactionOutcome,
  FollowIterator,
  FollowOptions,
  LogSummary,
  OpenOptions,
  PersistAction,
  QueueRecord,
  RangeOptions,
  RecoveryReport,
  ResourceUsage,
  TruncateOutcome,
} from "./types.ts";
import {
  checkPayloads,
  checkPersistAction,
  checkPosition,
  checkSignal,
  payloadList,
  rangeBounds,
} from "./validate.ts";
import { durabilityOf } from "./engine/persist.ts";
import type { QueueCatalog } from "./engine/catalog.ts";
import type { WritePath } from "./engine/write_path.ts";

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
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const writer = await MultiRecordLog.open(dir);
 * await writer.createQueue("events");
 * await writer.appendRecords("events", [new TextEncoder().encode("a"), new TextEncoder().encode("b")]);
 * await writer.truncate("events", 0); // drops position 0
 * await writer.close();
 * const log = await MultiRecordLog.open(dir); // reopened: replayed from disk
 * for (const { position, payload } of log.range("events")) {
 *   console.log(position, new TextDecoder().decode(payload)); // 1 b
 * }
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class MultiRecordLog {
  readonly #path: string;
  readonly #dir: WalDirectory;
  readonly #catalog: QueueCatalog;
  readonly #followers: Followers;
  readonly #life: LogParts["life"];
  /** Undefined when read-only: every write is refused. */
  readonly #writes: WritePath | undefined;
  readonly #closeReads: () => Promise<void>;
  /** The close in progress (or done). */
  #closingDone: Promise<void> = Promise.resolve();
  /** What follow()'s iterators see of the log, and where they wait for new records. */
  readonly #following: FollowSource;

  /** What replay found when the log was opened: damaged spots it skipped, records replayed. */
  readonly recovery: RecoveryReport;

  /**
   * Which lock this log holds on its directory: "sqlite" (the runtime
   * adapters' kernel lock: SQLite's exclusive lock on `.mrl.lock`), "custom"
   * (the lock of a port passed as `fs`), or "none" (read-only, or opened
   * with `lock: false`).
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * console.log(log.lockKind); // sqlite
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  readonly lockKind: string;

  private constructor(parts: LogParts) {
    this.lockKind = parts.lockKind;
    this.#path = parts.path;
    this.#dir = parts.directory;
    this.#catalog = parts.catalog;
    this.#following = {
      current: (queue) => parts.catalog.committed.get(queue),
      closing: () => parts.life.closing,
      followers: parts.followers,
    };
    this.recovery = parts.report;
    this.#followers = parts.followers;
    this.#life = parts.life;
    this.#writes = parts.writes;
    this.#closeReads = parts.closeReads;
  }

  /**
   * Opens the log in directory `dir` (created if missing), replaying what is
   * on disk. Damaged spots cost only the records they touch; see
   * {@link MultiRecordLog.recovery}. With `{ readOnly: true }` the log is a
   * {@link ReadOnlyLog}: its type has the reads and `close()` only (its
   * writes would reject with `LogReadOnlyError`).
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir, {
   *   persistPolicy: { kind: "always", action: "fsync" },
   * });
   * console.log(log.listQueues()); // []
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  static open(dir: string, options: OpenOptions & { readOnly: true }): Promise<ReadOnlyLog>;
  /**
   * Opens the log in directory `dir` (created if missing) for reading and
   * writing; see the first signature.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  static open(dir: string, options?: OpenOptions): Promise<MultiRecordLog>;
  static async open(dir: string, options: OpenOptions = {}): Promise<MultiRecordLog> {
    return new MultiRecordLog(await openLog(dir, options));
  }

  /**
   * Creates an empty queue. Always flushed and fsynced before it resolves.
   *
   * @throws {QueueAlreadyExistsError} when the queue exists.
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("orders");
   * console.log(log.queueExists("orders")); // true
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
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
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("tmp");
   * await log.deleteQueue("tmp");
   * console.log(log.queueExists("tmp")); // false
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  async deleteQueue(queue: string): Promise<void> {
    this.#encodeName(queue);
    await this.#writable().deleteQueue(queue);
  }

  /**
   * Appends one record; see {@link MultiRecordLog.appendRecords}.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * const { lastPosition } = await log.appendRecord("q", new Uint8Array([1, 2, 3]));
   * console.log(lastPosition); // 0
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
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
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * const bytes = (s: string) => new TextEncoder().encode(s);
   * console.log((await log.appendRecords("q", [bytes("a"), bytes("b")])).lastPosition); // 1
   * console.log((await log.appendRecords("q", [bytes("c")], { position: 10 })).lastPosition); // 10
   * console.log((await log.appendRecords("q", [bytes("c")], { position: 10 })).lastPosition); // undefined
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
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
   * Removes every record of the queue with position <= `position`. Truncating
   * at or past the last position empties the queue and moves its next
   * position to `position + 1`. Wal files no queue needs any more are deleted
   * before it resolves.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * await log.appendRecords("q", [new Uint8Array([0]), new Uint8Array([1])]);
   * console.log((await log.truncate("q", 0)).evictedRecords); // 1
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  async truncate(queue: string, position: number): Promise<TruncateOutcome> {
    this.#encodeName(queue);
    checkPosition(position, "position", queue);
    return await this.#writable().truncate(queue, position);
  }

  /**
   * The queue `queue` seen through `codec`: values in, values out (the
   * binary API stays the fast path). Nothing is checked or created here:
   * calls on the view behave as the binary calls they make.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog, textCodec } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("greetings");
   * const greetings = log.queue("greetings", textCodec);
   * await greetings.append("hello");
   * console.log(greetings.lastRecord()); // { position: 0, value: "hello" }
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  queue<T>(queue: string, codec: Codec<T>): TypedQueue<T> {
    return new TypedQueue(this, queue, codec);
  }

  /**
   * Persists every write made so far: `flush` hands it to the OS, `fsync`
   * (the default) also waits for stable storage.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir, { persistPolicy: { kind: "never" } });
   * await log.createQueue("q");
   * await log.appendRecord("q", new Uint8Array(8));
   * await log.persist("fsync");
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  async persist(action: PersistAction = "fsync"): Promise<void> {
    checkPersistAction(action, "action"); // a bad action is refused first
    const durability = durabilityOf(action);
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
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir, { fileSize: 32768 * 2, compaction: false });
   * await log.createQueue("quiet");
   * await log.createQueue("busy");
   * await log.appendRecord("quiet", new Uint8Array([1]));
   * for (let i = 0; i < 10; i++) await log.appendRecord("busy", new Uint8Array(20_000));
   * await log.truncate("busy", 9); // "quiet" still keeps every file alive
   * console.log(await log.compact()); // { queuesRewritten: 1, recordsRelocated: 1, bytesRelocated: 1, filesDeleted: ... }
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  async compact(): Promise<CompactionOutcome> {
    return await this.#writable().compact();
  }

  /**
   * Waits for every write made before it, persists everything (flush and
   * fsync) and closes the files. Further calls throw {@link LogClosedError};
   * closing again does nothing.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.close();
   * await log.close(); // no-op
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  async close(): Promise<void> {
    if (this.#life.closing) return await this.#closingDone;
    this.#life.closing = true;
    this.#followers.wake(undefined);
    const queues = this.#catalog.committed;
    // Once the writes are done, nothing reads the queues again: their memory goes back to the pool.
    this.#closingDone = (this.#writes?.close() ?? Promise.resolve()).finally(() => {
      queues.releaseAll();
      return this.#closeReads();
    });
    return await this.#closingDone;
  }

  /**
   * Same as {@link MultiRecordLog.close}, for `await using`: with
   * `await using log = await MultiRecordLog.open(dir)` (Deno, Bun, Node 24
   * and later) the log is closed when the block ends.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * await log[Symbol.asyncDispose](); // what the end of an `await using` block calls
   * await log.close(); // closed already: does nothing
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Whether the queue exists.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * console.log(log.queueExists("q")); // false
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
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
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("a");
   * console.log(log.listQueues()); // ["a"]
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  listQueues(): string[] {
    this.#checkOpen();
    const queues = this.#catalog.committed;
    return [...queues.names(), ...queues.outOfRange.keys()];
  }

  /**
   * Records with `start <= position < end`, in position order. Payloads are
   * views of the log's memory (no copy): do not modify them, copy them
   * (`slice()`) to. Writing into one anyway is not detected: the record
   * changes as this process holds it (later reads return the new bytes),
   * the wal file keeps the bytes appended (a reopen returns those) until a
   * compaction relocates the record, writing the changed bytes, which then
   * stay the record for good (README, "Use"). An iteration still going when
   * the log closes ends there.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * await log.appendRecords("q", [new Uint8Array([0]), new Uint8Array([1]), new Uint8Array([2])]);
   * console.log([...log.range("q", { start: 1, end: 3 })].map((r) => r.position)); // [1, 2]
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
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
   * even while a `next()` waits) releases it, and so does aborting
   * `options.signal` (the waiting `next()` then rejects with the signal's
   * reason). A missing queue or a bad `start` rejects the first `next()`.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * await log.appendRecord("q", new Uint8Array([1]));
   * setTimeout(() => log.appendRecord("q", new Uint8Array([2])), 10);
   * for await (const { position, payload } of log.follow("q")) {
   *   console.log(position, payload[0]); // 0 1, then 1 2
   *   if (position === 1) break;
   * }
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  follow(queue: string, options: FollowOptions = {}): FollowIterator {
    const start = options?.start ?? 0;
    const signal = options?.signal;
    return followQueue(queue, start, signal, this.#following, () => {
      this.#checkOpen();
      checkPosition(start, "start", queue);
      checkSignal(signal, queue);
      this.#catalog.get(queue);
    });
  }

  /**
   * {@link MultiRecordLog.follow} as a Web `ReadableStream`: records are read
   * from the log as the stream is pulled (nothing is buffered ahead), and
   * cancelling the stream releases it. A missing queue, a bad `start` or an
   * aborted `signal` errors the stream.
   *
   * @throws {QueueNotFoundError} when the queue does not exist (through the stream).
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * await log.appendRecords("q", [new Uint8Array([7]), new Uint8Array([8])]);
   * const reader = log.stream("q").getReader();
   * console.log((await reader.read()).value?.payload[0]); // 7
   * await reader.cancel();
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  stream(queue: string, options: FollowOptions = {}): ReadableStream<QueueRecord> {
    return followStream(this.follow(queue, options));
  }

  /**
   * The queue's last position: the position of its last record, or, for a
   * queue emptied by truncation, the position before its next one. Undefined
   * when nothing was ever appended.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * console.log(log.lastPosition("q")); // undefined
   * await log.appendRecord("q", new Uint8Array(1));
   * console.log(log.lastPosition("q")); // 0
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  lastPosition(queue: string): number | undefined {
    this.#checkOpen();
    const next = this.#catalog.get(queue).nextPosition();
    return next === 0 ? undefined : next - 1;
  }

  /**
   * The queue's last retained record, or undefined when it is empty. Its
   * payload is a view of the log's memory, as {@link range}'s are: do not
   * modify it (what writing into it does is said there).
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * await log.appendRecord("q", new Uint8Array([42]));
   * console.log(log.lastRecord("q")); // { position: 0, payload: Uint8Array(1) [ 42 ] }
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  lastRecord(queue: string): QueueRecord | undefined {
    this.#checkOpen();
    return this.#catalog.get(queue).lastRecord();
  }

  /**
   * Memory and disk the log holds.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir, { fileSize: 32768 * 4 });
   * console.log(log.resourceUsage().diskUsedBytes); // 131072
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  resourceUsage(): ResourceUsage {
    this.#checkOpen();
    return usage(this.#dir, this.#catalog);
  }

  /**
   * Each queue's first and last retained positions and the oldest wal file
   * it needs. The dictionaries keyed by queue name have no prototype (see
   * {@link LogSummary}).
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * await log.appendRecords("q", [new Uint8Array(1), new Uint8Array(1)]);
   * console.log({ ...log.summary().queues }); // { q: { start: 0, end: 1, fileNumber: 0 } }
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  summary(): LogSummary {
    this.#checkOpen();
    return summarize(this.#dir, this.#catalog.committed);
  }

  #checkOpen(): void {
    if (this.#life.closing) throw new LogClosedError(this.#path);
  }

  /** The write path, or a rejection: the log is closing or read-only. */
  #writable(): WritePath {
    if (this.#life.closing) throw new LogClosedError(this.#path);
    if (this.#writes === undefined) throw new LogReadOnlyError(this.#path);
    return this.#writes;
  }

  /** Checks a queue name given by a user; returns its UTF-8 bytes. */
  #encodeName(queue: string): Uint8Array {
    if (this.#life.closing) throw new LogClosedError(this.#path);
    return this.#catalog.checkName(queue);
  }
}

/**
 * The read side of an open log: which queues exist, their records,
 * followers of new records, and what the log holds (the reads of
 * `MultiRecordLog`, as a type). Reads never touch the disk: every retained
 * record is in memory.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { type LogReader, MultiRecordLog } from "@mrl/core";
 * function sizes(log: LogReader): Record<string, number> {
 *   return Object.fromEntries(log.listQueues().map((q) => [q, [...log.range(q)].length]));
 * }
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("q");
 * await log.appendRecord("q", new Uint8Array(4));
 * console.log(sizes(log)); // { q: 1 }
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export type LogReader = Pick<
  MultiRecordLog,
  | "recovery"
  | "queueExists"
  | "listQueues"
  | "range"
  | "follow"
  | "stream"
  | "lastPosition"
  | "lastRecord"
  | "resourceUsage"
  | "summary"
>;

/**
 * A log opened with `{ readOnly: true }`: its reads, `close()`, and the lock
 * it holds (none). Nothing it offers writes.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, type ReadOnlyLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * await (await MultiRecordLog.open(dir)).close();
 * const log: ReadOnlyLog = await MultiRecordLog.open(dir, { readOnly: true });
 * console.log(log.listQueues(), log.lockKind); // [] none
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export type ReadOnlyLog = LogReader & Pick<MultiRecordLog, "close" | "lockKind">;
