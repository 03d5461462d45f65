/**
 * shipToJetStream against a real `nats-server -js` (started here on a free
 * port, with its own store; skipped when nats-server is not on the PATH):
 * everything shipped once and in order, through a server restart, the
 * log's limits holding appends back while the server is down, and what a
 * queue created again under the same name needs (a new message id prefix).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog, ResourceExhaustedError } from "../../mod.ts";
import { shipToJetStream } from "../../jetstream.ts";
import { tempDir } from "../helpers/temp.ts";
import {
  connectTo,
  createStream,
  NatsServer,
  readStream,
  skipWithoutNats,
  streamMessages,
  until,
} from "./nats_server.ts";
import { assertEachOnceInOrder, payloads } from "./records.ts";

/**
 * A server, a client with a stream "RECORDS" on subject "records" (publishes
 * time out after `timeoutMs`), and a log in a fresh directory.
 */
async function setup(timeoutMs: number, limits?: { maxMemoryBytes: number }) {
  const server = await NatsServer.start();
  const nc = await connectTo(server);
  const js = await createStream(nc, "RECORDS", "records", timeoutMs);
  const dir = await tempDir();
  const log = await MultiRecordLog.open(dir.path, { limits });
  await log.createQueue("q");
  return {
    server,
    nc,
    js,
    log,
    empty: () => log.range("q").next().done === true,
    [Symbol.asyncDispose]: async () => {
      await log.close().catch(() => {});
      await nc.close().catch(() => {});
      await server.dispose();
      await dir.cleanup();
    },
  };
}

test(
  "jetstream (a): 20,000 records shipped, the stream holds each once in position order, the queue is empty",
  {
    skip: skipWithoutNats,
    timeout: 120_000,
  },
  async () => {
    await using t = await setup(30_000);
    for (let first = 0; first < 20_000; first += 2_000) {
      await t.log.appendRecords("q", payloads(first, 2_000));
    }
    const stop = new AbortController();
    const shipping = shipToJetStream(t.log, "q", t.js, { subject: "records", signal: stop.signal });
    await until(t.empty, "the queue to be shipped");
    stop.abort();
    assert.deepEqual(await shipping, {
      reason: "aborted",
      records: 20_000,
      batches: 40,
      retries: 0,
      duplicates: 0,
    });
    assert.equal(await streamMessages(t.nc, "RECORDS"), 20_000);
    assertEachOnceInOrder(await readStream(t.nc, "RECORDS"), 20_000, "q");
    assert.deepEqual([...t.log.range("q")], []);
    assert.equal(t.log.lastPosition("q"), 19_999);
  },
);

test(
  "jetstream (c): the server stopped mid-way and started again: retried, nothing lost or duplicated",
  {
    skip: skipWithoutNats,
    timeout: 120_000,
  },
  async () => {
    await using t = await setup(1_000);
    await t.log.appendRecords("q", payloads(0, 10_000));
    const stop = new AbortController();
    let failures = 0;
    const shipping = shipToJetStream(t.log, "q", t.js, {
      subject: "records",
      signal: stop.signal,
      maxBatch: 200,
      backoff: { initialMs: 50, maxMs: 200 },
      onError: () => failures++,
    });
    await until(() => (t.log.range("q").next().value?.position ?? 0) >= 2_000, "2,000 shipped");
    await t.server.stop();
    await until(() => failures >= 1, "a failed attempt");
    assert.ok(!t.empty(), "records are still waiting while the server is down");
    await t.server.restart();
    await until(t.empty, "the rest to be shipped after the restart");
    stop.abort();
    const outcome = await shipping;
    assert.equal(outcome.records, 10_000);
    assert.ok(outcome.retries >= 1, `retries: ${outcome.retries}`);
    assert.equal(await streamMessages(t.nc, "RECORDS"), 10_000);
    assertEachOnceInOrder(await readStream(t.nc, "RECORDS"), 10_000, "q");
  },
);

test(
  "jetstream (d): while the server is down, the log's memory limit refuses appends instead of growing",
  {
    skip: skipWithoutNats,
    timeout: 120_000,
  },
  async () => {
    const limit = 100_000;
    await using t = await setup(1_000, { maxMemoryBytes: limit });
    const stop = new AbortController();
    const shipping = shipToJetStream(t.log, "q", t.js, {
      subject: "records",
      signal: stop.signal,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    await t.log.appendRecords("q", payloads(0, 100));
    await until(t.empty, "the first 100 to be shipped");
    await t.server.stop();

    let next = 100;
    let refused: unknown;
    while (refused === undefined) {
      try {
        await t.log.appendRecords("q", payloads(next, 50));
        next += 50;
      } catch (err) {
        refused = err;
      }
    }
    assert.ok(refused instanceof ResourceExhaustedError, String(refused));
    // 64-byte records take 84 bytes each, plus 1 for the queue's name: 23 batches of 50 fit.
    assert.deepEqual(
      { resource: refused.resource, usage: refused.usage, requested: refused.requested },
      { resource: "memory", usage: 1 + 23 * 50 * 84, requested: 50 * 84 },
    );
    assert.equal(next, 100 + 23 * 50);
    assert.equal(t.log.resourceUsage().memoryUsedBytes, 1 + 23 * 50 * 84);
    assert.equal(t.log.lastPosition("q"), next - 1, "the refused batch wrote nothing");

    await t.server.restart();
    await until(t.empty, "the held-back records to be shipped after the restart");
    await t.log.appendRecords("q", payloads(next, 50)); // room again
    next += 50;
    await until(t.empty, "the last 50 to be shipped");
    stop.abort();
    assert.equal((await shipping).records, next);
    assertEachOnceInOrder(await readStream(t.nc, "RECORDS"), next, "q");
  },
);

test(
  "jetstream (e): a queue created again restarts at 0: under its old prefix the stream drops its records, under a new one it keeps them",
  {
    skip: skipWithoutNats,
    timeout: 120_000,
  },
  async () => {
    await using t = await setup(30_000);
    /** Ships "q" until it is empty; the outcome. */
    const drain = async (msgIdPrefix?: string) => {
      const stop = new AbortController();
      const shipping = shipToJetStream(t.log, "q", t.js, {
        subject: "records",
        signal: stop.signal,
        msgIdPrefix,
      });
      await until(t.empty, "the queue to be shipped");
      stop.abort();
      return await shipping;
    };
    await t.log.appendRecords("q", payloads(0, 3));
    assert.equal((await drain()).duplicates, 0);

    await t.log.deleteQueue("q");
    await t.log.createQueue("q");
    await t.log.appendRecords("q", payloads(0, 3));
    assert.deepEqual(await drain(), {
      reason: "aborted",
      records: 3,
      batches: 1,
      retries: 0,
      duplicates: 3,
    });
    assert.equal(await streamMessages(t.nc, "RECORDS"), 3);

    await t.log.deleteQueue("q");
    await t.log.createQueue("q");
    await t.log.appendRecords("q", payloads(0, 3));
    assert.equal((await drain("q-2")).duplicates, 0);
    assert.deepEqual((await readStream(t.nc, "RECORDS")).map((m) => m.id), [
      "q:0",
      "q:1",
      "q:2",
      "q-2:0",
      "q-2:1",
      "q-2:2",
    ]);
  },
);
