/**
 * QueueCatalog on its own: reservations (what new writes are checked
 * against) apart from the committed queues (what reads see), the memory
 * limit, and forgetting what was staged after a failure.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PositionOutOfRangeError,
  QueueAlreadyExistsError,
  QueueNotFoundError,
  ResourceExhaustedError,
} from "../../mod.ts";
import { MemQueues } from "../../src/memory/queues.ts";
import { QueueCatalog } from "../../src/engine/catalog.ts";

const encoder = new TextEncoder();

/** The ResourceExhaustedError `call` throws. */
function refusal(call: () => unknown): ResourceExhaustedError {
  try {
    call();
  } catch (err) {
    if (err instanceof ResourceExhaustedError) return err;
    throw err;
  }
  return assert.fail("no ResourceExhaustedError");
}

test("catalog: replayed queues are reserved at their next position, under their UTF-8 names", () => {
  const queues = new MemQueues();
  queues.create("été", 7).append(7, new Uint8Array(3), 0);
  const catalog = new QueueCatalog(queues);
  const r = catalog.reserved("été");
  assert.equal(r.next, 8);
  assert.deepEqual(r.name, encoder.encode("été"));
  assert.equal(catalog.checkName("été"), r.name);
  assert.throws(() => catalog.reserved("missing"), QueueNotFoundError);
});

test("catalog: a created queue is reserved at once and visible to reads only once committed", () => {
  const catalog = new QueueCatalog(new MemQueues());
  const created = catalog.reserveCreate("q", encoder.encode("q"));
  assert.throws(() => catalog.reserveCreate("q", encoder.encode("q")), QueueAlreadyExistsError);
  assert.equal(catalog.reserved("q").next, 0);
  assert.throws(() => catalog.get("q"), QueueNotFoundError);
  catalog.commitCreate("q", created);
  assert.equal(catalog.get("q"), created);
});

test("catalog: a deleted queue leaves the reservations at once and the committed queues on commit", () => {
  const queues = new MemQueues();
  queues.create("q");
  const catalog = new QueueCatalog(queues);
  assert.equal(catalog.isTaken("q"), true);
  catalog.reserveDelete("q");
  assert.equal(catalog.isTaken("q"), false);
  assert.throws(() => catalog.reserved("q"), QueueNotFoundError);
  assert.equal(catalog.get("q"), queues.get("q"));
});

test("catalog: a queue replay refused is taken and refused by name", () => {
  const queues = new MemQueues();
  queues.outOfRange.set("big", { position: 2n ** 60n, file: 3, pinnedFrom: 0 });
  const catalog = new QueueCatalog(queues);
  assert.equal(catalog.isTaken("big"), true);
  assert.throws(() => catalog.checkName("big"), PositionOutOfRangeError);
  assert.throws(() => catalog.get("big"), PositionOutOfRangeError);
});

test("catalog: the memory limit counts committed memory, names and staged appends; release gives it back", () => {
  const queues = new MemQueues();
  queues.create("q").append(0, new Uint8Array(40), 0); // 40 + 20 bytes, and 1 for the name
  const catalog = new QueueCatalog(queues, 200);
  assert.equal(catalog.memoryUsed(), 61);
  const staged = catalog.reserveMemory("q", 2, 50); // 50 + 2 x 20
  assert.equal(staged, 90);
  const e = refusal(() => catalog.reserveMemory("q", 1, 30));
  assert.deepEqual([e.resource, e.usage, e.requested, e.limit], ["memory", 151, 50, 200]);
  catalog.release(staged);
  assert.equal(catalog.reserveMemory("q", 1, 30), 50);
});

test("catalog: after a failure, staged payloads and reservations go back to what is committed", () => {
  const queues = new MemQueues();
  const q = queues.create("q");
  q.append(0, new Uint8Array([1]), 0);
  const catalog = new QueueCatalog(queues, 1000);
  const r = catalog.reserved("q");
  catalog.reserveMemory("q", 1, 500);
  q.stage(1, [new Uint8Array(500)]);
  r.next = 2;
  catalog.dropStaged();
  assert.equal(r.next, 1);
  assert.equal(catalog.reserveMemory("q", 1, 900), 920);
});
