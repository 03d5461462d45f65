/**
 * The write path of a writable log: each write is checked against the
 * queues' reservations, encoded by the record writer and submitted to the
 * commit pipeline when it is called (in call order), and committed to the
 * queues once durable. It owns what only a writable log has: the record
 * writer, the pipeline, maintenance, the persist schedule and the directory
 * lock. A read-only log has none of it.
 *
 * @module
 */
import {
  InvalidArgumentError,
  LogClosedError,
  LogFailedError,
  PositionInPastError,
  ResourceExhaustedError,
} from "../errors.ts";
import type { WalDirectory } from "../wal/directory.ts";
import { RECORD_DELETE_QUEUE, RECORD_POSITION, RECORD_TRUNCATE } from "../format/constants.ts";
import type { Crc32 } from "../format/crc.ts";
import type { Followers } from "./follow.ts";
import { Maintenance } from "./maintenance.ts";
import type {
  AppendOutcome,
  CompactionOptions,
  CompactionOutcome,
  PersistPolicy,
  TruncateOutcome,
} from "../types.ts";
import { PersistSchedule } from "./persist.ts";
import {
  CommitPipeline,
  type Durability,
  DURABILITY_FLUSH,
  DURABILITY_FSYNC,
  DURABILITY_NONE,
} from "./pipeline.ts";
import type { PayloadLocations } from "../memory/payload_store.ts";
import { MAX_FILES_SPANNED } from "../memory/disk_payloads.ts";
import type { DirLock } from "../ports/file_system.ts";
import type { QueueCatalog, Reservation } from "./catalog.ts";
import type { RecordWriter } from "./record_writer.ts";

/** Writes of one open, writable log. */
export class WritePath {
  readonly #path: string;
  readonly #writer: RecordWriter;
  readonly #catalog: QueueCatalog;
  readonly #followers: Followers;
  readonly #pipeline: CommitPipeline;
  readonly #maintenance: Maintenance;
  readonly #schedule: PersistSchedule;
  readonly #lock: DirLock | undefined;
  readonly #dir: WalDirectory;
  /** Disk mode: where the payloads of the append being written lie (reused); undefined in memory mode. */
  #located: PayloadLocations | undefined;
  /** True once the close has started running (after every earlier write). */
  #closed = false;
  /**
   * Calls that queue more work once they commit (truncate and deleteQueue
   * collect garbage, compact runs as exclusive work), until they settle:
   * close() waits for them, so none of that runs after the close.
   */
  readonly #settling = new Set<Promise<unknown>>();

  constructor(
    path: string,
    dir: WalDirectory,
    writing: { writer: RecordWriter; lock: DirLock | undefined },
    catalog: QueueCatalog,
    followers: Followers,
    options: { persistPolicy: PersistPolicy; compaction: CompactionOptions | false },
    crc: Crc32,
  ) {
    this.#path = path;
    this.#dir = dir;
    if (catalog.committed.onDisk) {
      this.#located = { files: new Float64Array(64), offsets: new Float64Array(64) };
    }
    this.#writer = writing.writer;
    this.#lock = writing.lock;
    this.#catalog = catalog;
    this.#followers = followers;
    this.#schedule = new PersistSchedule(options.persistPolicy, (durability) => {
      // A failure fails the log: later writes report it.
      if (!this.#closed) this.persist(durability).catch(() => {});
    });
    this.#pipeline = new CommitPipeline(writing.writer, {
      onFailure: () => catalog.dropStaged(),
      failedError: (cause) => new LogFailedError(path, cause),
    });
    this.#maintenance = new Maintenance(
      dir,
      writing.writer,
      catalog,
      this.#pipeline,
      options.compaction,
      crc,
    );
  }

  /** Deletes the wal files no queue needs (at open, before any write). */
  collectGarbage(): Promise<void> {
    return this.#maintenance.collectGarbage();
  }

  /** Writes a queue's creation (`name`: its UTF-8 bytes); resolves once fsynced and committed. */
  createQueue(queue: string, name: Uint8Array): Promise<void> {
    return this.#write(() => {
      const created = this.#catalog.reserveCreate(queue, name);
      this.#writer.writeControl(RECORD_POSITION, name, 0);
      return this.#pipeline.submit(DURABILITY_FSYNC, () => {
        this.#catalog.commitCreate(queue, created);
      });
    });
  }

  /** Writes a queue's deletion; resolves once fsynced and committed, and the files it frees deleted. */
  deleteQueue(queue: string): Promise<void> {
    return this.#untilSettled(this.#deleteQueue(queue));
  }

  async #deleteQueue(queue: string): Promise<void> {
    await this.#write(() => {
      const r = this.#catalog.reserveDelete(queue);
      this.#writer.writeControl(RECORD_DELETE_QUEUE, r.name, r.next);
      return this.#pipeline.submit(DURABILITY_FSYNC, () => {
        this.#catalog.committed.delete(queue);
        this.#followers.wake(queue);
      });
    });
    await this.#maintenance.maintain();
  }

  /** Appends checked payloads (`bytes` in all) at `explicit` or the queue's next position. */
  append(
    queue: string,
    list: Uint8Array[],
    bytes: number,
    explicit: number | undefined,
  ): Promise<AppendOutcome> {
    const pipeline = this.#pipeline;
    // The common case, without a closure: nothing failed, nothing exclusive is due.
    if (pipeline.failure === undefined && !pipeline.blocked) {
      return this.#stageAppend(queue, list, bytes, explicit);
    }
    // Staging waits while wal files are deleted: keep the caller's bytes as they are now.
    if (pipeline.blocked) list = list.map((payload) => payload.slice());
    return this.#write(() => this.#stageAppend(queue, list, bytes, explicit));
  }

  /** Checks an append against the reservation, encodes it, copies its payloads and submits it. */
  #stageAppend(
    queue: string,
    list: Uint8Array[],
    bytes: number,
    explicit: number | undefined,
  ): Promise<AppendOutcome> {
    const catalog = this.#catalog;
    const r = catalog.reserved(queue);
    const next = r.next;
    if (explicit !== undefined) {
      if (explicit + 1 === next) return nothingAppended();
      if (explicit < next) throw new PositionInPastError(queue, explicit, next);
    }
    const count = list.length;
    if (count === 0) return nothingAppended();
    const first = explicit ?? next;
    const last = first + (count - 1);
    if (first > Number.MAX_SAFE_INTEGER || last > Number.MAX_SAFE_INTEGER) {
      throw new InvalidArgumentError(
        explicit !== undefined ? "position" : "payloads",
        "range",
        `queue ${JSON.stringify(queue)} would go past position Number.MAX_SAFE_INTEGER ` +
          `(positions ${first} to ${last}): append at a lower position, or fewer records`,
      );
    }
    const writer = this.#writer;
    writer.checkDiskRoom(queue, r.name.length, count, bytes);
    const located = this.#located === undefined
      ? undefined
      : this.#locations(queue, r, count, bytes);
    const reserved = catalog.reserveMemory(queue, count, bytes);
    const file = writer.fileNumber;
    const walBytesWritten = writer.writeAppend(r.name, first, list, bytes, located);
    r.next = last + 1;
    const q = r.queue;
    const outcome: AppendOutcome = { lastPosition: last, walBytesWritten };
    const pipeline = this.#pipeline;
    let durability = this.#schedule.afterWrite();
    // Disk mode reads committed payloads from the files: they reach the OS before committing.
    if (located !== undefined && durability === DURABILITY_NONE) durability = DURABILITY_FLUSH;
    // An idle pipeline and a flush at most: durable and committed before returning.
    if (pipeline.persistNow(durability)) {
      q.appendAll(first, list, bytes, file, located);
      this.#committed(queue, reserved);
      return Promise.resolve(outcome);
    }
    q.stage(first, list, located);
    return pipeline.submit(durability, (): AppendOutcome => {
      q.commitStaged(count, bytes, file);
      this.#committed(queue, reserved);
      return outcome;
    });
  }

  /**
   * Disk mode: the arrays the record writer notes an append's payload
   * locations in (grown to `count`), once the append is known to stay
   * within the wal files a queue's refs can span (see `MAX_FILES_SPANNED`).
   */
  #locations(queue: string, r: Reservation, count: number, bytes: number): PayloadLocations {
    const writer = this.#writer;
    const oldest = r.queue.firstFile() ?? writer.fileNumber;
    const bound = writer.appendBound(r.name.length, count, bytes);
    const last = writer.fileNumber + Math.ceil(bound / this.#dir.fileSize) + 1;
    if (last - oldest >= MAX_FILES_SPANNED) {
      const fileSize = this.#dir.fileSize;
      throw new ResourceExhaustedError(
        queue,
        "disk",
        (writer.fileNumber - oldest) * fileSize,
        bound,
        MAX_FILES_SPANNED * fileSize,
      );
    }
    let located = this.#located!;
    if (located.files.length < count) {
      const size = Math.max(count, located.files.length * 2);
      located = this.#located = { files: new Float64Array(size), offsets: new Float64Array(size) };
    }
    return located;
  }

  /** After an append's records are committed: frees its memory reservation and wakes followers. */
  #committed(queue: string, reservedMemory: number): void {
    this.#catalog.release(reservedMemory);
    if (this.#followers.size > 0) this.#followers.wake(queue);
  }

  /** Writes a truncation; resolves once committed, and the files it frees deleted. */
  truncate(queue: string, position: number): Promise<TruncateOutcome> {
    return this.#untilSettled(this.#truncate(queue, position));
  }

  async #truncate(queue: string, position: number): Promise<TruncateOutcome> {
    const outcome = await this.#write(() => {
      const r = this.#catalog.reserved(queue);
      const walBytesWritten = this.#writer.writeControl(RECORD_TRUNCATE, r.name, position);
      if (position + 1 > r.next) r.next = position + 1;
      return this.#pipeline.submit(this.#schedule.afterWrite(), (): TruncateOutcome => {
        return { evictedRecords: r.queue.truncate(position), walBytesWritten };
      });
    });
    await this.#maintenance.maintain();
    return outcome;
  }

  /** Persists every write made so far. */
  async persist(durability: Durability): Promise<void> {
    await this.#write(() => this.#pipeline.submit(durability, () => {}));
  }

  /** Compacts once every earlier write has committed. */
  compact(): Promise<CompactionOutcome> {
    return this.#untilSettled(this.#write(() => this.#maintenance.compact()));
  }

  /** Keeps `call` among the calls close() waits for until it settles. */
  #untilSettled<T>(call: Promise<T>): Promise<T> {
    this.#settling.add(call);
    const forget = () => this.#settling.delete(call);
    call.then(forget, forget);
    return call;
  }

  /**
   * Once every call made before it has settled (and so every write has
   * committed, and the work those calls queue is done): persists everything
   * and closes the files (only closes them after a failure), then releases
   * the lock. Nothing touches the directory after it resolves.
   */
  async close(): Promise<void> {
    this.#schedule.stop();
    while (this.#settling.size > 0) await Promise.allSettled(this.#settling);
    return await this.#pipeline.exclusive(async () => {
      this.#closed = true;
      try {
        if (this.#pipeline.failure === undefined) await this.#writer.close();
        else await this.#writer.abandon();
      } finally {
        await this.#lock?.release();
      }
    });
  }

  /**
   * Runs `stage` (checks, encoding, reservation; ends by submitting to the
   * pipeline) now, or once exclusive work (file deletion) is done.
   */
  #write<T>(stage: () => Promise<T>): Promise<T> {
    const pipeline = this.#pipeline;
    const failure = pipeline.failure;
    if (failure !== undefined) return Promise.reject(new LogFailedError(this.#path, failure));
    if (!pipeline.blocked) return stage();
    return new Promise<T>((resolve, reject) => {
      pipeline.defer(() => {
        const failure = pipeline.failure;
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
}

function nothingAppended(): Promise<AppendOutcome> {
  return Promise.resolve({ lastPosition: undefined, walBytesWritten: 0 });
}
