/**
 * shipToJetStream(): ship() with the JetStream sink, one message per record,
 * its id made of a prefix and the record's position.
 *
 * @module
 */
import type { MultiRecordLog } from "../log.ts";
import { ship, type ShipOptions, type ShipOutcome } from "../extras/ship.ts";
import { type JetStreamPublisher, publishBatch } from "./sink.ts";
import { checkNonEmptyString } from "../validate.ts";

/**
 * Options of {@link shipToJetStream}: those of `ship()` (signal, maxBatch,
 * backoff, onError) plus where the records go.
 *
 * @example
 * ```ts
 * import type { ShipToJetStreamOptions } from "@mrl/core/jetstream";
 * const options: ShipToJetStreamOptions = { subject: "orders.created", msgIdPrefix: "orders-v2" };
 * ```
 */
export interface ShipToJetStreamOptions extends ShipOptions {
  /** The subject every record is published on (a stream must capture it). */
  subject: string;
  /**
   * Message ids are `${msgIdPrefix}:${position}` (default: the queue's
   * name). Give a new prefix when the queue was deleted and created again:
   * its positions restart at 0, and ids the stream still remembers would
   * drop its records as duplicates.
   */
  msgIdPrefix?: string;
}

/**
 * How a {@link shipToJetStream} ended and what it delivered: `ship()`'s
 * outcome plus the messages the stream dropped as duplicates (re-sends of
 * records it already held).
 *
 * @example
 * ```ts
 * import type { ShipToJetStreamOutcome } from "@mrl/core/jetstream";
 * const outcome: ShipToJetStreamOutcome = {
 *   reason: "aborted",
 *   records: 1000,
 *   batches: 2,
 *   retries: 0,
 *   duplicates: 500,
 * };
 * ```
 */
export interface ShipToJetStreamOutcome extends ShipOutcome {
  /** Records published again whose message id the stream had already (dropped by the server). */
  duplicates: number;
}

/**
 * Ships `queue` to a NATS JetStream stream through `js`, your own
 * JetStream client (`jetstream(nc)` from `@nats-io/jetstream`): each record
 * is published on `subject` with the message id
 * `${msgIdPrefix ?? queue}:${position}`, a batch's publishes all at once and
 * their acks awaited together; the queue is truncated past a batch once
 * every ack arrived. Everything else is `ship()`'s: retries with backoff,
 * ends when `signal` aborts, the queue is deleted or the log closed.
 *
 * What holds:
 * - A record is truncated from the log only once JetStream acked it (stored).
 * - A re-sent record (a crash between the acks and the truncation, a batch
 *   retried after some of it was stored) is dropped by the server if its id
 *   is within the stream's duplicate window (`duplicate_window`, 2 minutes
 *   by default): make the window longer than a restart can take. Past it,
 *   the record is stored twice (at most one batch).
 * - Records of one queue are stored in position order, as long as one
 *   shipper at a time ships the queue and the stream stores a batch's
 *   messages up to the first it fails (so it is with one server, or a
 *   replicated stream with one leader). Queues shipped at once interleave.
 * - A queue deleted and created again restarts at position 0: ship it with a
 *   new `msgIdPrefix`, or its first records are dropped as duplicates.
 *
 * @throws {QueueNotFoundError} when the queue does not exist when called.
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * import { type JetStreamPublisher, shipToJetStream } from "@mrl/core/jetstream";
 * // In real use: `const js = jetstream(await connect({ servers: "localhost:4222" }));`
 * const published: string[] = [];
 * const js: JetStreamPublisher = {
 *   publish: (_subject, _payload, { msgID }) => {
 *     published.push(msgID);
 *     return Promise.resolve({ duplicate: false });
 *   },
 * };
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("orders");
 * await log.appendRecords("orders", [new Uint8Array([1]), new Uint8Array([2])]);
 * const shipping = shipToJetStream(log, "orders", js, { subject: "orders.created" });
 * await log.deleteQueue("orders"); // ends the shipper (here once its first batch was acked)
 * console.log((await shipping).reason, published); // deleted [ "orders:0", "orders:1" ]
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export async function shipToJetStream(
  log: MultiRecordLog,
  queue: string,
  js: JetStreamPublisher,
  options: ShipToJetStreamOptions,
): Promise<ShipToJetStreamOutcome> {
  const { subject } = options;
  checkNonEmptyString(subject, "subject");
  const prefix = options.msgIdPrefix ?? queue;
  let duplicates = 0;
  const outcome = await ship(log, queue, async (records) => {
    duplicates += await publishBatch(js, subject, prefix, records);
  }, options);
  return { ...outcome, duplicates };
}
