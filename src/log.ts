/**
 * MultiRecordLog: many named queues multiplexed on one rolling write-ahead
 * log, each kept in memory for reads. Ties the layers together:
 * API -> record codec -> frames -> rolling files -> port.
 *
 * @module
 */
import {
  asIoError,
  LogClosedError,
  LogFailedError,
  LogLockedError,
  LogReadOnlyError,
  PositionInPastError,
} from "./errors.ts";
import { WalDirectory } from "./files/directory.ts";
import { walFileName } from "./files/file_name.ts";
import { settleFileSize } from "./files/file_size.ts";
import {
  DEFAULT_FILE_SIZE,
  RECORD_DELETE_QUEUE,
  RECORD_POSITION,
  RECORD_TRUNCATE,
} from "./format/constants.ts";
import { type Crc32, loadCrc32 } from "./format/crc.ts";
import { RecordWriter } from "./record_writer.ts";
import { QueueCatalog } from "./queue_catalog.ts";
import { Maintenance } from "./maintenance.ts";
import type { MemQueues } from "./memory/queues.ts";
import type {
  AppendOptions,
  AppendOutcome,
  CompactionOptions,
  CompactionOutcome,
  FollowIterator,
  FollowOptions,
  Limits,
  LogSummary,
  OpenOptions,
  PersistAction,
  QueueRecord,
  QueueSummary,
  RangeOptions,
  RecoveryReport,
  ResourceUsage,
  TruncateOutcome,
} from "./options.ts";
import { checkOpenOptions, checkPayloads, checkPosition, payloadList } from "./options.ts";
import { PersistSchedule } from "./persist.ts";
import {
  CommitPipeline,
  type Durability,
  DURABILITY_FLUSH,
  DURABILITY_FSYNC,
  DURABILITY_NONE,
  type DurableSink,
} from "./pipeline.ts";
import { defaultFileSystem } from "./ports/runtime.ts";
import type { DirLock, FileSystem, LockHolder } from "./ports/file_system.ts";
import { keepUnreadBytes, recover } from "./recovery.ts";
import { type Follower, QueueFollower } from "./follow.ts";
import { encodeQueueName } from "./queue_name.ts";
import { recoverReadOnly } from "./read_only_replay.ts";

/** The largest `end` of a range: one past the largest record position, Number.MAX_SAFE_INTEGER. */
const MAX_END = 2 ** 53;

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
  readonly #writer: RecordWriter;
  readonly #catalog: QueueCatalog;
  readonly #schedule: PersistSchedule;
  readonly #pipeline: CommitPipeline;
  #closing = false;
  #closed = false;
  /** The close in progress (or done). */
  #closingDone: Promise<void> = Promise.resolve();
  /** Automatic compaction (undefined: off). */
  readonly #maintenance: Maintenance;
  /** Iterators of follow() waiting for new records. */
  readonly #followers = new Set<Follower>();
  /** The directory lock (undefined when the port has none, or read-only). */
  readonly #lock: DirLock | undefined;
  readonly #readOnly: boolean;

  /** What replay found when the log was opened: damaged spots it skipped, records replayed. */
  readonly recovery: RecoveryReport;

  private constructor(
    path: string,
    dir: WalDirectory,
    writer: RecordWriter | undefined,
    lock: DirLock | undefined,
    queues: MemQueues,
    schedule: PersistSchedule,
    recovery: RecoveryReport,
    limits: Limits,
    compaction: CompactionOptions | false,
    crc: Crc32,
  ) {
    this.#path = path;
    this.#dir = dir;
    // A read-only log has no writer: every write is refused in #write before reaching one.
    this.#writer = writer as RecordWriter;
    this.#readOnly = writer === undefined;
    this.#lock = lock;
    this.#catalog = new QueueCatalog(queues, limits);
    this.#schedule = schedule;
    this.recovery = recovery;
    this.#pipeline = new CommitPipeline(writer?.durable as DurableSink, {
      onFailure: () => this.#catalog.dropStaged(),
      failedError: (cause) => new LogFailedError(this.#path, cause),
    });
    this.#maintenance = new Maintenance(
      dir,
      writer as RecordWriter,
      this.#catalog,
      this.#pipeline,
      compaction,
      crc,
    );
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
    const { fileSize, persistPolicy: policy, limits, compaction, readOnly, ...checked } =
      checkOpenOptions(dir, options);
    const fs = checked.fs ?? await defaultFileSystem();
    const crc = await loadCrc32();
    // Read-only: no lock, so a writer may delete files meanwhile; replay retries (read_only_replay.ts).
    const live = readOnly ? await recoverReadOnly(fs, dir, fileSize, crc) : undefined;
    const directory = live?.directory ??
      await WalDirectory.open(fs, dir, fileSize ?? DEFAULT_FILE_SIZE);
    const lock = readOnly || fs.lock === undefined ? undefined : await lockDirectory(fs, dir);
    let writer: RecordWriter | undefined;
    try {
      if (!readOnly) await settleFileSize(directory, fileSize);
      const recovered = live?.recovered ?? await recover(directory, crc);
      const { queues, resumeAt, report } = recovered;
      if (!readOnly) {
        await keepUnreadBytes(directory, recovered); // before the writer cuts what replay did not read
        writer = await RecordWriter.open(directory, resumeAt, crc);
      }
      const log = new MultiRecordLog(
        dir,
        directory,
        writer,
        lock,
        queues,
        new PersistSchedule(policy),
        report,
        limits,
        compaction,
        crc,
      );
      if (!readOnly) {
        await directory.removeStrayTemp();
        await log.#maintenance.collectGarbage();
      }
      return log;
    } catch (err) {
      await writer?.abandon().catch(() => {});
      await lock?.release().catch(() => {});
      throw err;
    }
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
    return await this.#write(() => {
      const created = this.#catalog.reserveCreate(queue, name);
      this.#writer.writeControl(RECORD_POSITION, name, 0);
      return this.#pipeline.submit(DURABILITY_FSYNC, () => {
        this.#catalog.commitCreate(queue, created);
      });
    });
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
    await this.#write(() => {
      const r = this.#catalog.reserveDelete(queue);
      this.#writer.writeControl(RECORD_DELETE_QUEUE, r.name, r.next);
      return this.#pipeline.submit(DURABILITY_FSYNC, () => {
        this.#catalog.committed.delete(queue);
        this.#wake(queue);
      });
    });
    await this.#maintenance.maintain();
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
    this.#catalog.checkInRange(queue);
    encodeQueueName(queue); // a name no queue can have is refused, not answered with false
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
   * With an explicit position: equal to the queue's last position, the call
   * is an idempotent no-op (`lastPosition` undefined); below the next
   * position, it rejects with {@link PositionInPastError}; above it, the
   * queue jumps forward. An empty batch writes nothing.
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
      let list = payloadList(queue, payloads);
      const bytes = checkPayloads(queue, list);
      const explicit = options?.position;
      if (explicit !== undefined) checkPosition(explicit, "position", queue);
      // Staging waits while wal files are deleted: keep the caller's bytes as they are now.
      if (this.#pipeline.blocked) list = list.map((payload) => payload.slice());
      return this.#write(() => this.#stageAppend(queue, list, bytes, explicit));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Checks an append against the reserved state, encodes it, copies its payloads and submits it. */
  #stageAppend(
    queue: string,
    list: Uint8Array[],
    bytes: number,
    explicit: number | undefined,
  ): Promise<AppendOutcome> {
    const r = this.#catalog.reserved(queue);
    const next = r.next;
    if (explicit !== undefined) {
      if (explicit + 1 === next) {
        return Promise.resolve({ lastPosition: undefined, walBytesWritten: 0 });
      }
      if (explicit < next) throw new PositionInPastError(queue, explicit, next);
    }
    const count = list.length;
    if (count === 0) return Promise.resolve({ lastPosition: undefined, walBytesWritten: 0 });
    const first = explicit ?? next;
    const last = first + (count - 1);
    if (first > Number.MAX_SAFE_INTEGER || last > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(
        `queue ${JSON.stringify(queue)} would go past position Number.MAX_SAFE_INTEGER`,
      );
    }
    const catalog = this.#catalog;
    const reserved = catalog.checkLimits(r, queue, count, bytes, this.#writer);
    const file = this.#writer.fileNumber;
    const walBytesWritten = this.#writer.writeAppend(r.name, first, list, bytes);
    r.next = last + 1;
    const q = r.queue;
    const outcome: AppendOutcome = { lastPosition: last, walBytesWritten };
    if (count === 1) {
      const offset = q.stage(list[0]);
      const size = list[0].length;
      return this.#pipeline.submit(this.#writeDurability(), (): AppendOutcome => {
        q.commit(first, offset, size, file);
        catalog.release(reserved);
        if (this.#followers.size > 0) this.#wake(queue);
        return outcome;
      });
    }
    // Offsets and sizes of the staged copies, side by side.
    const staged = new Float64Array(count * 2);
    for (let i = 0; i < count; i++) {
      staged[2 * i] = q.stage(list[i]);
      staged[2 * i + 1] = list[i].length;
    }
    return this.#pipeline.submit(this.#writeDurability(), (): AppendOutcome => {
      for (let i = 0; i < count; i++) q.commit(first + i, staged[2 * i], staged[2 * i + 1], file);
      catalog.release(reserved);
      if (this.#followers.size > 0) this.#wake(queue);
      return outcome;
    });
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
    const start = options?.start ?? 0;
    const end = options?.end ?? Infinity;
    checkPosition(start, "start", queue);
    // An exclusive end: 2^53 (exact as a number) reaches the record at 2^53 - 1.
    if (end !== Infinity && end !== MAX_END) checkPosition(end, "end", queue);
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
    const source = {
      current: () => this.#catalog.committed.get(queue),
      closing: () => this.#closing,
      add: (f: Follower) => this.#followers.add(f),
      delete: (f: Follower) => this.#followers.delete(f),
    };
    const start = options?.start ?? 0;
    let error: unknown;
    try {
      this.#checkOpen();
      checkPosition(start, "start", queue);
      this.#catalog.get(queue);
    } catch (err) {
      error = err;
    }
    return new QueueFollower(queue, start, source, error);
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
    const outcome = await this.#write(() => {
      const r = this.#catalog.reserved(queue);
      const walBytesWritten = this.#writer.writeControl(RECORD_TRUNCATE, r.name, position);
      if (position + 1 > r.next) r.next = position + 1;
      return this.#pipeline.submit(this.#writeDurability(), (): TruncateOutcome => {
        return { evictedRecords: r.queue.truncate(position), walBytesWritten };
      });
    });
    await this.#maintenance.maintain();
    return outcome;
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
    if (action !== "flush" && action !== "fsync") {
      throw new TypeError(`persist action must be "flush" or "fsync", got ${String(action)}`);
    }
    const durability = action === "fsync" ? DURABILITY_FSYNC : DURABILITY_FLUSH;
    await this.#write(() => this.#pipeline.submit(durability, () => {}));
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
    return await this.#write(() => this.#maintenance.compact());
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
    return {
      memoryUsedBytes: this.#catalog.memoryUsed(),
      memoryAllocatedBytes: this.#catalog.memoryAllocated(),
      diskUsedBytes: this.#dir.diskBytes,
    };
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
   * console.log(log.summary()); // { queues: { q: { start: 0, end: 1, fileNumber: 0 } } }
   * await log.close();
   * ```
   */
  summary(): LogSummary {
    this.#checkOpen();
    const queues: Record<string, QueueSummary> = {};
    const committed = this.#catalog.committed;
    for (const [name, queue] of committed.entries()) {
      queues[name] = {
        start: queue.firstPosition(),
        end: queue.size > 0 ? queue.nextPosition() - 1 : undefined,
        fileNumber: queue.firstFile(),
      };
    }
    const files: LogSummary["files"] = {};
    for (const n of this.#dir.fileNumbers()) {
      files[walFileName(n)] = { size: this.#dir.sizeOf(n), queues: {} };
    }
    for (const [name, queue] of committed.entries()) {
      for (const [n, bytes] of queue.bytesByFile()) {
        (files[walFileName(n)] ??= { size: 0, queues: {} }).queues[name] = bytes;
      }
    }
    return { queues, files };
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
    this.#wake(undefined);
    this.#closingDone = this.#pipeline.exclusive(async () => {
      this.#closed = true;
      try {
        if (this.#readOnly) return;
        if (this.#pipeline.failure === undefined) await this.#writer.close();
        else await this.#writer.abandon();
      } finally {
        await this.#lock?.release();
      }
    });
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

  /**
   * Runs `stage` (checks, encoding, reservation; ends by submitting to the
   * pipeline) now, or once exclusive work (file deletion) is done.
   */
  #write<T>(stage: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new LogClosedError(this.#path));
    if (this.#readOnly) return Promise.reject(new LogReadOnlyError(this.#path));
    const failure = this.#pipeline.failure;
    if (failure !== undefined) return Promise.reject(new LogFailedError(this.#path, failure));
    if (!this.#pipeline.blocked) return stage();
    return new Promise<T>((resolve, reject) => {
      this.#pipeline.defer(() => {
        const failure = this.#pipeline.failure;
        if (failure !== undefined) return reject(new LogFailedError(this.#path, failure));
        if (this.#closed) return reject(new LogClosedError(this.#path));
        try {
          stage().then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  /** Wakes the followers of `queue` (of every queue when undefined). */
  #wake(queue: string | undefined): void {
    for (const follower of this.#followers) {
      if (queue === undefined || follower.queue === queue) follower.wake();
    }
  }

  /** How durable an append or truncation must be, as the persist policy says now. */
  #writeDurability(): Durability {
    const action = this.#schedule.afterWrite();
    return action === "fsync"
      ? DURABILITY_FSYNC
      : action === "flush"
      ? DURABILITY_FLUSH
      : DURABILITY_NONE;
  }

  #checkOpen(): void {
    if (this.#closed || this.#closing) throw new LogClosedError(this.#path);
  }

  /** Checks a queue name given by a user; returns its UTF-8 bytes. */
  #encodeName(queue: string): Uint8Array {
    if (this.#closing) throw new LogClosedError(this.#path);
    return this.#catalog.checkName(queue);
  }
}

/** Takes the directory's lock through the port; a held lock becomes LogLockedError. */
async function lockDirectory(fs: FileSystem, dir: string): Promise<DirLock> {
  try {
    return await fs.lock!(dir);
  } catch (err) {
    const e = err as { code?: unknown; pid?: unknown; holder?: LockHolder; hint?: unknown };
    if (e?.code === "ELOCKED") {
      const holder = e.holder ?? (typeof e.pid === "number" ? { pid: e.pid } : undefined);
      throw new LogLockedError(dir, holder, typeof e.hint === "string" ? e.hint : undefined, err);
    }
    throw asIoError("lock", dir, err);
  }
}
