/**
 * Shipping to JetStream: records per second shipped from one log to a local
 * `nats-server -js` by `shipToJetStream`, beside the JetStream client
 * publishing the same records straight from memory (same batches of 500,
 * pipelined the same way, same message ids). Each measurement gets a fresh
 * stream (file storage); the log is filled (and fsynced) before the clock starts and the
 * shipper is timed until the queue is empty (every batch acked and
 * truncated). A third figure is the log side alone: ship() to a sink that
 * resolves at once (what the shipper itself costs). Needs nats-server on the PATH.
 *
 * Run: deno run -A bench/ship.ts | bun bench/ship.ts | node npm/bench/ship.js
 * (BENCH_ITER: rounds per figure, default 3.)
 */
import process from "node:process";
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import { MultiRecordLog, ship } from "../mod.ts";
import { shipToJetStream } from "../jetstream.ts";
import { median, RUNTIME } from "./harness.ts";
import {
  connectTo,
  createStream,
  NatsServer,
  natsServerPath,
} from "../tests/jetstream/nats_server.ts";
import { tempDir } from "../tests/helpers/temp.ts";

const BATCH = 500;
const ROUNDS = Number(process.env.BENCH_ITER ?? 3);
const CASES = [
  { size: 256, count: 50_000 },
  { size: 16 * 1024, count: 5_000 },
];

if (natsServerPath === undefined) {
  console.log("bench/ship: nats-server not on PATH, nothing measured");
  process.exit(0);
}

let streams = 0;
/** A fresh stream for one measurement; its subject. */
async function freshStream(nc: NatsConnection): Promise<{ js: JetStreamClient; subject: string }> {
  const n = ++streams;
  const js = await createStream(nc, `BENCH${n}`, `bench.${n}`, 30_000);
  return { js, subject: `bench.${n}` };
}

/** Distinct payloads of `size` bytes. */
function makePayloads(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const out = new Uint8Array(size);
    new DataView(out.buffer).setUint32(0, i);
    return out;
  });
}

/** The client alone: batches of BATCH publishes, each batch's acks awaited together. */
async function direct(nc: NatsConnection, records: Uint8Array[]): Promise<number> {
  const { js, subject } = await freshStream(nc);
  const start = performance.now();
  for (let first = 0; first < records.length; first += BATCH) {
    const acks: Promise<unknown>[] = [];
    const end = Math.min(records.length, first + BATCH);
    for (let i = first; i < end; i++) {
      acks.push(js.publish(subject, records[i], { msgID: `q:${i}` }));
    }
    await Promise.all(acks);
  }
  return performance.now() - start;
}

/** The shipper: a log holding the records, shipped until its queue is empty. */
function shipped(nc: NatsConnection, records: Uint8Array[]): Promise<number> {
  return fromLog(records, async (log, signal) => {
    const { js, subject } = await freshStream(nc);
    return async () => {
      const outcome = await shipToJetStream(log, "q", js, { subject, signal, maxBatch: BATCH });
      return outcome.duplicates === 0 ? outcome.records : -1;
    };
  });
}

/** The log side alone: ship() to a sink that resolves at once. */
function shippedNowhere(records: Uint8Array[]): Promise<number> {
  return fromLog(records, (log, signal) =>
    Promise.resolve(async () => {
      const outcome = await ship(log, "q", () => Promise.resolve(), { signal, maxBatch: BATCH });
      return outcome.records;
    }));
}

/**
 * Milliseconds from starting `shipper` on a log holding `records` (written and
 * fsynced first) until its queue is empty; checks that it shipped them all.
 */
async function fromLog(
  records: Uint8Array[],
  prepare: (log: MultiRecordLog, signal: AbortSignal) => Promise<() => Promise<number>>,
): Promise<number> {
  const dir = await tempDir("mrl-bench-ship-");
  const log = await MultiRecordLog.open(dir.path);
  try {
    await log.createQueue("q");
    for (let first = 0; first < records.length; first += 1_000) {
      await log.appendRecords("q", records.slice(first, first + 1_000));
    }
    await log.persist("fsync"); // the records on disk before the clock starts, as a backlog is
    const stop = new AbortController();
    const shipper = await prepare(log, stop.signal);
    const start = performance.now();
    const shipping = shipper();
    while (log.range("q").next().done !== true) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const ms = performance.now() - start;
    stop.abort();
    const shippedRecords = await shipping;
    if (shippedRecords !== records.length) {
      throw new Error(`shipped ${shippedRecords} records (-1: duplicates), not ${records.length}`);
    }
    return ms;
  } finally {
    await log.close();
    await dir.cleanup();
  }
}

const server = await NatsServer.start();
const nc = await connectTo(server);
const rows: string[] = [];
try {
  for (const { size, count } of CASES) {
    const records = makePayloads(count, size);
    await direct(nc, records.slice(0, 2_000)); // warm-up
    const client: number[] = [];
    const shipper: number[] = [];
    const logSide: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      client.push(count / ((await direct(nc, records)) / 1000));
      shipper.push(count / ((await shipped(nc, records)) / 1000));
      logSide.push(count / ((await shippedNowhere(records)) / 1000));
    }
    const c = median(client);
    const s = median(shipper);
    const l = median(logSide);
    const mib = (perSecond: number) => ((perSecond * size) / 2 ** 20).toFixed(1);
    rows.push(
      `| ${RUNTIME} | ${size} B | ${count} | ${Math.round(c)} (${mib(c)} MiB/s) | ` +
        `${Math.round(s)} (${mib(s)} MiB/s) | ${(s / c * 100).toFixed(0)} % | ${Math.round(l)} |`,
    );
  }
} finally {
  await nc.close();
  await server.dispose();
}
console.log(
  "| runtime | record | records | client from memory, rec/s | shipToJetStream from a log, rec/s " +
    "| shipper / client | ship() to a no-op sink, rec/s |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
