/**
 * TypedQueue: one queue of a log seen through a {@link Codec}, so that an
 * application appends and reads values (strings, JSON objects) instead of
 * bytes. Every call goes to the log's binary API, which stays the fast path.
 *
 * @module
 */
import type { Codec } from "./codecs.ts";
import { InvalidArgumentError, PayloadDecodeError } from "../errors.ts";
import type {
  AppendOptions,
  AppendOutcome,
  FollowIterator,
  FollowOptions,
  QueueRecord,
  RangeOptions,
} from "../types.ts";

/**
 * The calls of a log a typed queue makes: `MultiRecordLog` has them (this
 * module needs only their shape, so the log can hand out typed queues
 * without the two importing each other).
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, type TypedQueueLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log: TypedQueueLog = await MultiRecordLog.open(dir);
 * console.log(typeof log.appendRecords); // function
 * await (log as MultiRecordLog).close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export interface TypedQueueLog {
  /** See `MultiRecordLog.appendRecords`. */
  appendRecords(
    queue: string,
    payloads: Iterable<Uint8Array>,
    options?: AppendOptions,
  ): Promise<AppendOutcome>;
  /** See `MultiRecordLog.range`. */
  range(queue: string, options?: RangeOptions): IterableIterator<QueueRecord>;
  /** See `MultiRecordLog.follow`. */
  follow(queue: string, options?: FollowOptions): FollowIterator;
  /** See `MultiRecordLog.lastRecord`. */
  lastRecord(queue: string): QueueRecord | undefined;
}

/**
 * A record of a {@link TypedQueue}: its position and its decoded value.
 *
 * @example
 * ```ts
 * import type { TypedRecord } from "@mrl/core";
 * const record: TypedRecord<string> = { position: 0, value: "hello" };
 * ```
 */
export interface TypedRecord<T> {
  /** The record's position in its queue. */
  position: number;
  /** The payload, decoded. */
  value: T;
}

/**
 * A queue of `log` whose payloads are values of type `T`, encoded and
 * decoded by `codec`. Get one with {@link MultiRecordLog.queue}. Reading a
 * payload the codec cannot decode throws {@link PayloadDecodeError}.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { jsonCodec, MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("orders");
 * const orders = log.queue("orders", jsonCodec<{ id: number; total: number }>());
 * await orders.appendAll([{ id: 1, total: 20 }, { id: 2, total: 5 }]);
 * console.log([...orders.range()].map((r) => r.value.total)); // [20, 5]
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class TypedQueue<T> {
  /** The queue's name. */
  readonly name: string;
  /** How values become payloads and back. */
  readonly codec: Codec<T>;
  readonly #log: TypedQueueLog;

  /** Use {@link MultiRecordLog.queue}. */
  constructor(log: TypedQueueLog, name: string, codec: Codec<T>) {
    const c = codec as Partial<Codec<T>> | null | undefined;
    if (typeof c?.encode !== "function" || typeof c?.decode !== "function") {
      throw new InvalidArgumentError(
        "codec",
        "type",
        `codec for queue ${JSON.stringify(name)} must have encode and decode functions`,
      );
    }
    this.#log = log;
    this.name = name;
    this.codec = codec;
  }

  /**
   * Appends one value; see {@link MultiRecordLog.appendRecords}.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog, textCodec } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("lines");
   * console.log((await log.queue("lines", textCodec).append("first")).lastPosition); // 0
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  append(value: T, options?: AppendOptions): Promise<AppendOutcome> {
    return this.appendAll([value], options);
  }

  /**
   * Appends values atomically at consecutive positions; see
   * {@link MultiRecordLog.appendRecords}. A value the codec refuses rejects
   * the call before anything is written.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog, textCodec } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("lines");
   * console.log((await log.queue("lines", textCodec).appendAll(["a", "b"])).lastPosition); // 1
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  appendAll(values: Iterable<T>, options?: AppendOptions): Promise<AppendOutcome> {
    let payloads: Uint8Array[];
    try {
      if (typeof (values as Partial<Iterable<T>> | null)?.[Symbol.iterator] !== "function") {
        throw new InvalidArgumentError(
          "values",
          "type",
          `values for queue ${JSON.stringify(this.name)} must be an iterable, got ${typeof values}`,
        );
      }
      payloads = Array.from(values, (value) => this.codec.encode(value));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#log.appendRecords(this.name, payloads, options);
  }

  /**
   * The values with `start <= position < end`, in position order; see
   * {@link MultiRecordLog.range}.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog, textCodec } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("lines");
   * const lines = log.queue("lines", textCodec);
   * await lines.appendAll(["a", "b", "c"]);
   * console.log([...lines.range({ start: 1 })]); // [ { position: 1, value: "b" }, { position: 2, value: "c" } ]
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  *range(options?: RangeOptions): IterableIterator<TypedRecord<T>> {
    for (const record of this.#log.range(this.name, options)) yield this.#decode(record);
  }

  /**
   * Follows the queue's values: the retained ones from `start` on, then new
   * ones as they are appended; see {@link MultiRecordLog.follow} (a `signal`
   * ends it).
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { MultiRecordLog, textCodec } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("lines");
   * const lines = log.queue("lines", textCodec);
   * await lines.append("hello");
   * for await (const { value } of lines.follow()) {
   *   console.log(value); // hello
   *   break;
   * }
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  async *follow(options?: FollowOptions): AsyncGenerator<TypedRecord<T>, void, undefined> {
    const records = this.#log.follow(this.name, options);
    try {
      for await (const record of records) yield this.#decode(record);
    } finally {
      await records.return();
    }
  }

  /**
   * The last retained value, or undefined when the queue is empty.
   *
   * @example
   * ```ts
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { jsonCodec, MultiRecordLog } from "@mrl/core";
   * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
   * const log = await MultiRecordLog.open(dir);
   * await log.createQueue("q");
   * const q = log.queue("q", jsonCodec<number[]>());
   * await q.append([1, 2]);
   * console.log(q.lastRecord()); // { position: 0, value: [ 1, 2 ] }
   * await log.close();
   * await rm(dir, { recursive: true, force: true });
   * ```
   */
  lastRecord(): TypedRecord<T> | undefined {
    const record = this.#log.lastRecord(this.name);
    return record === undefined ? undefined : this.#decode(record);
  }

  #decode(record: QueueRecord): TypedRecord<T> {
    let value: T;
    try {
      value = this.codec.decode(record.payload);
    } catch (err) {
      throw new PayloadDecodeError(this.name, record.position, err);
    }
    return { position: record.position, value };
  }
}
