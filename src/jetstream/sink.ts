/**
 * The JetStream sink of `ship()`: publishes a batch of records with one
 * message id each, all at once, then waits for all their acks.
 *
 * @module
 */
import type { QueueRecord } from "../types.ts";

/**
 * What `shipToJetStream` needs of a JetStream client: `publish` resolving
 * with the stream's ack. The `JetStreamClient` of `@nats-io/jetstream`
 * (`jetstream(nc)`) is one; this library does not depend on it.
 *
 * @example
 * ```ts
 * import type { JetStreamPublisher } from "@mrl/core/jetstream";
 * // Stands for `jetstream(await connect({ servers }))` (@nats-io/jetstream, @nats-io/transport-node).
 * const js: JetStreamPublisher = {
 *   publish: (_subject, _payload, _options) => Promise.resolve({ duplicate: false }),
 * };
 * ```
 */
export interface JetStreamPublisher {
  /**
   * Publishes `payload` on `subject` with the message id `options.msgID`;
   * resolves with the stream's ack once stored (or dropped as a duplicate).
   */
  publish(
    subject: string,
    payload: Uint8Array,
    options: { msgID: string },
  ): Promise<JetStreamAck>;
}

/**
 * The part of a JetStream publish ack the sink reads.
 *
 * @example
 * ```ts
 * import type { JetStreamAck } from "@mrl/core/jetstream";
 * const ack: JetStreamAck = { duplicate: true }; // the stream already had this message id
 * ```
 */
export interface JetStreamAck {
  /** True when the stream dropped the message: its id was already seen in the duplicate window. */
  duplicate?: boolean;
}

/**
 * Publishes every record of `records` (pipelined: all publishes go out before
 * any ack is awaited), then resolves with how many the stream dropped as
 * duplicates once every ack arrived; rejects with the first failure once all
 * have settled (so that a retry never overlaps this batch).
 */
export function publishBatch(
  js: JetStreamPublisher,
  subject: string,
  msgIdPrefix: string,
  records: readonly QueueRecord[],
): Promise<number> {
  if (records.length === 0) return Promise.resolve(0);
  return new Promise((resolve, reject) => {
    let left = records.length;
    let duplicates = 0;
    let failed = false;
    let failure: unknown;
    const settle = () => {
      if (--left > 0) return;
      if (failed) reject(failure);
      else resolve(duplicates);
    };
    const onAck = (ack: JetStreamAck) => {
      if (ack?.duplicate === true) duplicates++;
      settle();
    };
    const onError = (err: unknown) => {
      if (!failed) {
        failed = true;
        failure = err;
      }
      settle();
    };
    for (const { position, payload } of records) {
      let ack: Promise<JetStreamAck>;
      try {
        ack = js.publish(subject, payload, { msgID: `${msgIdPrefix}:${position}` });
      } catch (err) {
        ack = Promise.reject(err);
      }
      ack.then(onAck, onError);
    }
  });
}
