/**
 * ship(): batches in position order, truncation once the sink resolved,
 * retries with backoff, and how it ends (signal, deletion, close). The sink
 * here is a plain function; tests/jetstream/jetstream*.test.ts ship to a real
 * nats-server.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog, QueueNotFoundError, type QueueRecord, ship } from "../../mod.ts";
import { tempDir } from "../helpers/temp.ts";
import { payloads } from "../jetstream/records.ts";

/** A log in a fresh directory with the queue "q" holding `count` records. */
async function logWith(count: number) {
  const dir = await tempDir();
  const log = await MultiRecordLog.open(dir.path);
  await log.createQueue("q");
  if (count > 0) await log.appendRecords("q", payloads(0, count));
  return {
    log,
    [Symbol.asyncDispose]: async () => {
      await log.close().catch(() => {});
      await dir.cleanup();
    },
  };
}

const positions = (records: QueueRecord[]) => records.map((r) => r.position);
const retained = (log: MultiRecordLog) => positions([...log.range("q")]);

/** A promise with its resolve and reject at hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test("ship: hands the records in batches of maxBatch, truncating each once the sink resolved", async () => {
  await using t = await logWith(7);
  const stop = new AbortController();
  const seen: { batch: number[]; stillInTheQueue: boolean }[] = [];
  const outcome = await ship(t.log, "q", (records) => {
    const batch = positions(records);
    const inQueue = retained(t.log);
    seen.push({ batch, stillInTheQueue: batch.every((p) => inQueue.includes(p)) });
    if (records[records.length - 1].position === 6) stop.abort();
    return Promise.resolve();
  }, { maxBatch: 3, signal: stop.signal });
  assert.deepEqual(seen, [
    { batch: [0, 1, 2], stillInTheQueue: true },
    { batch: [3, 4, 5], stillInTheQueue: true },
    { batch: [6], stillInTheQueue: true },
  ]);
  assert.deepEqual(outcome, { reason: "aborted", records: 7, batches: 3, retries: 0 });
  assert.deepEqual(retained(t.log), []);
  assert.equal(t.log.lastPosition("q"), 6);
});

test("ship: starts from the first retained record", async () => {
  await using t = await logWith(5);
  await t.log.truncate("q", 1);
  const stop = new AbortController();
  const batches: number[][] = [];
  await ship(t.log, "q", (records) => {
    batches.push(positions(records));
    stop.abort();
    return Promise.resolve();
  }, { signal: stop.signal });
  assert.deepEqual(batches, [[2, 3, 4]]);
});

test("ship: records appended later are shipped as they come", async () => {
  await using t = await logWith(0);
  const stop = new AbortController();
  const batches: number[][] = [];
  const first = deferred();
  const shipping = ship(t.log, "q", (records) => {
    batches.push(positions(records));
    if (batches.length === 1) first.resolve();
    else stop.abort();
    return Promise.resolve();
  }, { signal: stop.signal });
  await t.log.appendRecords("q", payloads(0, 2));
  await first.promise;
  await t.log.appendRecord("q", payloads(2, 1)[0]);
  assert.deepEqual(await shipping, { reason: "aborted", records: 3, batches: 2, retries: 0 });
  assert.deepEqual(batches, [[0, 1], [2]]);
});

test("ship: a rejected batch is sent again whole after a pause, and truncated only once taken", async () => {
  await using t = await logWith(3);
  const stop = new AbortController();
  const calls: { batch: number[]; retainedThen: number[] }[] = [];
  const errors: [string, number][] = [];
  const outcome = await ship(t.log, "q", (records) => {
    calls.push({ batch: positions(records), retainedThen: retained(t.log) });
    if (calls.length <= 2) return Promise.reject(new Error(`down ${calls.length}`));
    stop.abort();
    return Promise.resolve();
  }, {
    signal: stop.signal,
    backoff: { initialMs: 1, maxMs: 2 },
    onError: (err, attempt) => errors.push([(err as Error).message, attempt]),
  });
  assert.deepEqual(calls, [
    { batch: [0, 1, 2], retainedThen: [0, 1, 2] },
    { batch: [0, 1, 2], retainedThen: [0, 1, 2] },
    { batch: [0, 1, 2], retainedThen: [0, 1, 2] },
  ]);
  assert.deepEqual(errors, [["down 1", 1], ["down 2", 2]]);
  assert.deepEqual(outcome, { reason: "aborted", records: 3, batches: 1, retries: 2 });
  assert.deepEqual(retained(t.log), []);
});

test("ship: aborting while a batch is in flight waits for it to settle, then truncates it", async () => {
  await using t = await logWith(2);
  const stop = new AbortController();
  const inFlight = deferred();
  const called = deferred();
  let settled = false;
  const shipping = ship(t.log, "q", () => {
    called.resolve();
    return inFlight.promise;
  }, { signal: stop.signal }).finally(() => (settled = true));
  await called.promise;
  stop.abort();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(settled, false);
  inFlight.resolve();
  assert.deepEqual(await shipping, { reason: "aborted", records: 2, batches: 1, retries: 0 });
  assert.deepEqual(retained(t.log), []);
});

test("ship: aborting during the pause after a rejection ends it at once, the batch kept", async () => {
  await using t = await logWith(2);
  const stop = new AbortController();
  const outcome = await ship(t.log, "q", () => Promise.reject(new Error("down")), {
    signal: stop.signal,
    backoff: { initialMs: 600_000 },
    onError: () => stop.abort(),
  });
  assert.deepEqual(outcome, { reason: "aborted", records: 0, batches: 0, retries: 1 });
  assert.deepEqual(retained(t.log), [0, 1]);
});

test("ship: a signal already aborted ships nothing", async () => {
  await using t = await logWith(2);
  let calls = 0;
  const outcome = await ship(t.log, "q", () => Promise.resolve(calls++), {
    signal: AbortSignal.abort(),
  });
  assert.deepEqual(outcome, { reason: "aborted", records: 0, batches: 0, retries: 0 });
  assert.equal(calls, 0);
});

test("ship: deleting the queue ends it while it waits for records", async () => {
  await using t = await logWith(1);
  const shipping = ship(t.log, "q", () => Promise.resolve());
  await new Promise((resolve) => setTimeout(resolve, 10));
  await t.log.deleteQueue("q");
  assert.deepEqual(await shipping, { reason: "deleted", records: 1, batches: 1, retries: 0 });
});

test("ship: a queue deleted and created again while a batch is in flight is not truncated", async () => {
  await using t = await logWith(2);
  const inFlight = deferred();
  const called = deferred();
  const shipping = ship(t.log, "q", () => {
    called.resolve();
    return inFlight.promise;
  });
  await called.promise;
  await t.log.deleteQueue("q");
  await t.log.createQueue("q");
  await t.log.appendRecords("q", payloads(0, 3));
  inFlight.resolve();
  assert.deepEqual(await shipping, { reason: "deleted", records: 0, batches: 0, retries: 0 });
  assert.deepEqual(retained(t.log), [0, 1, 2]);
});

test("ship: closing the log ends it", async () => {
  await using t = await logWith(0);
  const shipping = ship(t.log, "q", () => Promise.resolve());
  await new Promise((resolve) => setTimeout(resolve, 10));
  await t.log.close();
  assert.deepEqual(await shipping, { reason: "closed", records: 0, batches: 0, retries: 0 });
});

test("ship: a missing queue throws QueueNotFoundError, a bad maxBatch or backoff an InvalidArgumentError naming it", async () => {
  await using t = await logWith(0);
  await assert.rejects(ship(t.log, "nope", () => Promise.resolve()), QueueNotFoundError);
  await assert.rejects(ship(t.log, "q", () => Promise.resolve(), { maxBatch: 0 }), {
    name: "InvalidArgumentError",
    argument: "maxBatch",
    kind: "range",
    message: "maxBatch must be a positive integer, got 0",
  });
  await assert.rejects(
    ship(t.log, "q", () => Promise.resolve(), { backoff: { initialMs: 1.5 } }),
    { name: "InvalidArgumentError", argument: "backoff.initialMs", kind: "range" },
  );
});

test("ship: a sink that is not a function, a signal that is not an AbortSignal or an onError that is not a function is an InvalidArgumentError naming the queue, before anything is sent", async () => {
  await using t = await logWith(3);
  await assert.rejects(ship(t.log, "q", "sink" as never), {
    name: "InvalidArgumentError",
    argument: "sink",
    message: 'sink for queue "q" must be a function returning a promise',
  });
  await assert.rejects(ship(t.log, "q", () => Promise.resolve(), { signal: 1 as never }), {
    name: "InvalidArgumentError",
    argument: "signal",
    message: 'signal for following queue "q" must be an AbortSignal, got 1',
  });
  await assert.rejects(ship(t.log, "q", () => Promise.resolve(), { onError: "x" as never }), {
    name: "InvalidArgumentError",
    argument: "onError",
    message: 'onError for queue "q" must be a function',
  });
  assert.equal([...t.log.range("q")].length, 3);
});

test("ship: options that are not an object are an InvalidArgumentError, before anything is sent", async () => {
  await using t = await logWith(3);
  await assert.rejects(ship(t.log, "q", () => Promise.resolve(), null as never), {
    name: "InvalidArgumentError",
    argument: "options",
    kind: "type",
    message: "options must be an object, got null",
  });
  assert.equal([...t.log.range("q")].length, 3);
});
