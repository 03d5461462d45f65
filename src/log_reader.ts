/**
 * LogReader, the read side of an open log: queues, ranges, followers and
 * what the log holds, answered from the queue catalog in memory. A
 * read-only open needs nothing else; `MultiRecordLog` adds the writes.
 *
 * @module
 */
import { LogClosedError } from "./errors.ts";
import type { WalDirectory } from "./files/directory.ts";
import { followQueue, type FollowSource, followStream } from "./follow.ts";
import type { LogParts } from "./open_log.ts";
import {
  checkPosition,
  checkSignal,
  type FollowIterator,
  type FollowOptions,
  type LogSummary,
  type QueueRecord,
  rangeBounds,
  type RangeOptions,
  type RecoveryReport,
  type ResourceUsage,
} from "./options.ts";
import type { QueueCatalog } from "./queue_catalog.ts";
import { summarize, usage } from "./summary.ts";

/**
 * The read side of an open log (`MultiRecordLog` extends it): which queues
 * exist, their records, followers of new records, and what the log holds.
 * Reads never touch the disk: every retained record is in memory.
 *
 * @example
 * ```ts
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { type LogReader, MultiRecordLog } from "@mrl/core";
 * function sizes(log: LogReader): Record<string, number> {
 *   return Object.fromEntries(log.listQueues().map((q) => [q, [...log.range(q)].length]));
 * }
 * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`));
 * await log.createQueue("q");
 * await log.appendRecord("q", new Uint8Array(4));
 * console.log(sizes(log)); // { q: 1 }
 * await log.close();
 * ```
 */
export class LogReader {
  readonly #path: string;
  readonly #dir: WalDirectory;
  readonly #catalog: QueueCatalog;
  readonly #life: LogParts["life"];
  /** What follow()'s iterators see of the log, and where they wait for new records. */
  readonly #following: FollowSource;

  /** What replay found when the log was opened: damaged spots it skipped, records replayed. */
  readonly recovery: RecoveryReport;

  /** Use `MultiRecordLog.open()`. @ignore */
  protected constructor(parts: LogParts) {
    this.#path = parts.path;
    this.#dir = parts.directory;
    this.#catalog = parts.catalog;
    this.#life = parts.life;
    this.#following = {
      current: (queue) => parts.catalog.committed.get(queue),
      closing: () => parts.life.closing,
      followers: parts.followers,
    };
    this.recovery = parts.report;
  }

  /**
   * Whether the queue exists.
   *
   * @example
   * ```ts
   * import { mkdtemp } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`));
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
   * import { mkdtemp } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`));
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
   * import { mkdtemp } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`));
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
   * even while a `next()` waits) releases it, and so does aborting
   * `options.signal` (the waiting `next()` then rejects with the signal's
   * reason). A missing queue or a bad `start` rejects the first `next()`.
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { mkdtemp } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`));
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
    const signal = options?.signal;
    return followQueue(queue, start, signal, this.#following, () => {
      this.#checkOpen();
      checkPosition(start, "start", queue);
      checkSignal(signal, queue);
      this.#catalog.get(queue);
    });
  }

  /**
   * {@link LogReader.follow} as a Web `ReadableStream`: records are read
   * from the log as the stream is pulled (nothing is buffered ahead), and
   * cancelling the stream releases it. A missing queue, a bad `start` or an
   * aborted `signal` errors the stream.
   *
   * @throws {QueueNotFoundError} when the queue does not exist (through the stream).
   * @example
   * ```ts
   * import { mkdtemp } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`));
   * await log.createQueue("q");
   * await log.appendRecords("q", [new Uint8Array([7]), new Uint8Array([8])]);
   * const reader = log.stream("q").getReader();
   * console.log((await reader.read()).value?.payload[0]); // 7
   * await reader.cancel();
   * await log.close();
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
   * import { mkdtemp } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`));
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
   * The queue's last retained record, or undefined when it is empty. Its
   * payload is a view of the log's memory, as {@link range}'s are: do not
   * modify it (what writing into it does is said there).
   *
   * @throws {QueueNotFoundError} when the queue does not exist.
   * @example
   * ```ts
   * import { mkdtemp } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`));
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
   * Memory and disk the log holds.
   *
   * @example
   * ```ts
   * import { mkdtemp } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`), { fileSize: 32768 * 4 });
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
   * it needs. The dictionaries keyed by queue name have no prototype (see
   * {@link LogSummary}).
   *
   * @example
   * ```ts
   * import { mkdtemp } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog } from "@mrl/core";
   * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`));
   * await log.createQueue("q");
   * await log.appendRecords("q", [new Uint8Array(1), new Uint8Array(1)]);
   * console.log({ ...log.summary().queues }); // { q: { start: 0, end: 1, fileNumber: 0 } }
   * await log.close();
   * ```
   */
  summary(): LogSummary {
    this.#checkOpen();
    return summarize(this.#dir, this.#catalog.committed);
  }

  #checkOpen(): void {
    if (this.#life.closing) throw new LogClosedError(this.#path);
  }
}
