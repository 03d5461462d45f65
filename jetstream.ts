/**
 * `@mrl/core/jetstream`: ships queues to NATS JetStream, each record once
 * (at-least-once delivery, with re-sends dropped by the stream's duplicate
 * detection). It takes your own JetStream client (`@nats-io/jetstream`) and
 * bundles none: this entry point adds no dependency.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * import { type JetStreamPublisher, shipToJetStream } from "@mrl/core/jetstream";
 * // In real use: `const js = jetstream(await connect({ servers: "localhost:4222" }));`
 * const js: JetStreamPublisher = { publish: () => Promise.resolve({ duplicate: false }) };
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("orders");
 * await log.appendRecord("orders", new TextEncoder().encode("{}"));
 * const stop = new AbortController();
 * const shipping = shipToJetStream(log, "orders", js, { subject: "orders", signal: stop.signal });
 * setTimeout(() => stop.abort(), 50);
 * console.log((await shipping).records); // 1
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 *
 * @module
 */
export {
  shipToJetStream,
  type ShipToJetStreamOptions,
  type ShipToJetStreamOutcome,
} from "./src/jetstream/ship_to_jetstream.ts";
export type { JetStreamAck, JetStreamPublisher } from "./src/jetstream/sink.ts";
