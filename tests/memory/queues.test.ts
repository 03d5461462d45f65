/**
 * MemQueues: the named queues of a log, and the replay operations that
 * rebuild them (docs/FORMAT.md, "Replay semantics").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemQueues } from "../../src/memory/queues.ts";
import { MemQueue } from "../../src/memory/queue.ts";

/** Bytes from numbers. */
function b(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

/** A queue's records as [position, bytes] pairs. */
function records(q: MemQueue): [number, number[]][] {
  return [...q.range(0, Infinity)].map((r) => [r.position, [...r.payload]]);
}

test("queues: a new set of queues is empty", () => {
  const queues = new MemQueues();
  assert.equal(queues.count, 0);
  assert.deepEqual(queues.names(), []);
  assert.deepEqual([...queues.entries()], []);
  assert.equal(queues.get("q"), undefined);
  assert.equal(queues.has("q"), false);
  assert.equal(queues.oldestFileInUse(), undefined);
});

test("queues: create makes an empty queue at the given next position (0 by default)", () => {
  const queues = new MemQueues();
  const a = queues.create("a");
  const b7 = queues.create("b", 7);
  assert.equal(queues.get("a"), a);
  assert.equal(queues.get("b"), b7);
  assert.equal(queues.has("a"), true);
  assert.equal(queues.count, 2);
  assert.deepEqual([a.size, a.nextPosition()], [0, 0]);
  assert.deepEqual([b7.size, b7.nextPosition()], [0, 7]);
});

test("queues: create replaces an existing queue of the same name", () => {
  const queues = new MemQueues();
  const old = queues.create("q");
  old.append(0, b(1), 0);
  const fresh = queues.create("q", 3);
  assert.notEqual(fresh, old);
  assert.equal(queues.get("q"), fresh);
  assert.equal(queues.count, 1);
  assert.deepEqual([fresh.size, fresh.nextPosition()], [0, 3]);
});

test("queues: ackPosition creates a missing queue, empty, at the given next position", () => {
  const queues = new MemQueues();
  queues.ackPosition("q", 12);
  const q = queues.get("q");
  assert.ok(q instanceof MemQueue);
  assert.deepEqual([q.size, q.nextPosition(), q.firstFile()], [0, 12, undefined]);
  assert.deepEqual(queues.names(), ["q"]);
});

test("queues: ackPosition leaves an empty queue with the same next position alone", () => {
  const queues = new MemQueues();
  const q = queues.create("q", 5);
  queues.ackPosition("q", 5);
  assert.equal(queues.get("q"), q);
  assert.deepEqual([q.size, q.nextPosition()], [0, 5]);
});

test("queues: ackPosition leaves alone a queue emptied by truncation at the same next position", () => {
  const queues = new MemQueues();
  const q = queues.create("q");
  q.append(0, b(1), 0);
  q.append(1, b(2), 0);
  q.truncate(1);
  queues.ackPosition("q", 2);
  assert.equal(queues.get("q"), q);
  assert.deepEqual([q.size, q.nextPosition()], [0, 2]);
});

test("queues: ackPosition resets a queue that holds records, even at the same next position", () => {
  const queues = new MemQueues();
  const old = queues.create("q");
  old.append(0, b(1), 0);
  old.append(1, b(2), 1);
  assert.equal(old.nextPosition(), 2);
  queues.ackPosition("q", 2);
  const q = queues.get("q")!;
  assert.notEqual(q, old);
  assert.deepEqual([q.size, q.nextPosition(), q.payloadBytes, q.firstFile()], [0, 2, 0, undefined]);
  assert.deepEqual(records(q), []);
});

test("queues: ackPosition resets a queue that holds records to a different next position", () => {
  const queues = new MemQueues();
  const old = queues.create("q");
  old.append(0, b(1), 0);
  queues.ackPosition("q", 40);
  const q = queues.get("q")!;
  assert.deepEqual([q.size, q.nextPosition()], [0, 40]);
  assert.deepEqual(records(q), []);
});

test("queues: ackPosition moves an empty queue to a higher next position", () => {
  const queues = new MemQueues();
  queues.create("q", 3);
  queues.ackPosition("q", 9);
  const q = queues.get("q")!;
  assert.deepEqual([q.size, q.nextPosition()], [0, 9]);
});

test("queues: ackPosition moves an empty queue to a lower next position", () => {
  const queues = new MemQueues();
  queues.create("q", 9);
  queues.ackPosition("q", 0);
  const q = queues.get("q")!;
  assert.deepEqual([q.size, q.nextPosition()], [0, 0]);
});

test("queues: ackPosition leaves the other queues untouched", () => {
  const queues = new MemQueues();
  const a = queues.create("a");
  a.append(0, b(1), 0);
  queues.create("b");
  queues.ackPosition("b", 4);
  assert.equal(queues.get("a"), a);
  assert.deepEqual(records(a), [[0, [1]]]);
  assert.equal(queues.get("b")!.nextPosition(), 4);
});

test("queues: delete removes a queue and reports whether it existed", () => {
  const queues = new MemQueues();
  queues.create("a");
  queues.create("b");
  assert.equal(queues.delete("a"), true);
  assert.equal(queues.delete("a"), false);
  assert.equal(queues.delete("missing"), false);
  assert.equal(queues.get("a"), undefined);
  assert.equal(queues.has("a"), false);
  assert.equal(queues.count, 1);
  assert.deepEqual(queues.names(), ["b"]);
});

test("queues: names lists the queues in creation order", () => {
  const queues = new MemQueues();
  queues.create("charlie");
  queues.create("alpha");
  queues.ackPosition("bravo", 0);
  queues.create("delta", 5);
  assert.deepEqual(queues.names(), ["charlie", "alpha", "bravo", "delta"]);
});

test("queues: a deleted and re-created queue moves to the end of names", () => {
  const queues = new MemQueues();
  queues.create("a");
  queues.create("b");
  queues.create("c");
  queues.delete("a");
  queues.create("a");
  assert.deepEqual(queues.names(), ["b", "c", "a"]);
});

test("queues: entries pairs each name with its queue, in creation order", () => {
  const queues = new MemQueues();
  const x = queues.create("x");
  const y = queues.create("y", 2);
  assert.deepEqual([...queues.entries()], [["x", x], ["y", y]]);
});

test("queues: oldestFileInUse is undefined when every queue is empty", () => {
  const queues = new MemQueues();
  queues.create("a");
  queues.create("b", 10);
  assert.equal(queues.oldestFileInUse(), undefined);
});

test("queues: oldestFileInUse is the smallest first file across the queues, ignoring empty ones", () => {
  const queues = new MemQueues();
  const a = queues.create("a");
  const b0 = queues.create("b");
  queues.create("empty");
  a.append(0, b(1), 3);
  a.append(1, b(2), 4);
  b0.append(0, b(1), 2);
  b0.append(1, b(2), 5);
  assert.equal(queues.oldestFileInUse(), 2);
});

test("queues: oldestFileInUse follows truncations and deletions", () => {
  const queues = new MemQueues();
  const a = queues.create("a");
  const c = queues.create("c");
  a.append(0, b(1), 1);
  a.append(1, b(2), 4);
  c.append(0, b(1), 2);
  c.append(1, b(2), 3);
  assert.equal(queues.oldestFileInUse(), 1);
  a.truncate(0); // a now starts in file 4
  assert.equal(queues.oldestFileInUse(), 2);
  c.truncate(0); // c now starts in file 3
  assert.equal(queues.oldestFileInUse(), 3);
  queues.delete("c");
  assert.equal(queues.oldestFileInUse(), 4);
  a.truncate(1);
  assert.equal(queues.oldestFileInUse(), undefined);
});

test("queues: oldestFileInUse counts file 0", () => {
  const queues = new MemQueues();
  queues.create("a").append(0, b(1), 5);
  queues.create("b").append(0, b(1), 0);
  assert.equal(queues.oldestFileInUse(), 0);
});

test("queues: oldestFileInUse forgets the files of a queue reset by ackPosition", () => {
  const queues = new MemQueues();
  queues.create("a").append(0, b(1), 1);
  queues.create("b").append(0, b(1), 6);
  queues.ackPosition("a", 1);
  assert.equal(queues.oldestFileInUse(), 6);
});

test("queues: releaseAll gives every queue's payload memory back; views taken before keep their bytes", () => {
  const queues = new MemQueues();
  const a = queues.create("a");
  const c = queues.create("c");
  a.append(0, new Uint8Array(1000).fill(7), 0);
  c.append(0, new Uint8Array(5000).fill(9), 0);
  const view = [...a.range(0, Infinity)][0].payload;
  assert.notEqual(a.allocatedBytes, c.allocatedBytes); // payload chunks of different sizes
  queues.releaseAll();
  // What is left is the record metadata alone, the same for both (one record each).
  assert.equal(a.allocatedBytes, c.allocatedBytes);
  assert.ok(a.allocatedBytes < 1000, `${a.allocatedBytes} bytes left`);
  queues.create("later").append(0, new Uint8Array(1000).fill(1), 0); // may reuse given-back space
  assert.deepEqual([...new Set(view)], [7]);
});
