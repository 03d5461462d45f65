/**
 * MemQueue: one queue in memory (positions, payloads, and the wal files its
 * records were written in). See docs/FORMAT.md, "Positions" and "Replay
 * semantics".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemQueue } from "../../src/memory/queue.ts";

const KiB = 1024;

/** Bytes from numbers. */
function b(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

/** A payload that names its position: `len` bytes derived from `position`. */
function payloadFor(position: number, len = 4): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (position >>> ((i % 4) * 8)) & 0xff ^ (i * 13);
  return out;
}

/** The queue's records in [start, end) as [position, bytes] pairs. */
function records(q: MemQueue, start = 0, end = Infinity): [number, number[]][] {
  return [...q.range(start, end)].map((r) => [r.position, [...r.payload]]);
}

/** The queue's retained positions. */
function positions(q: MemQueue): number[] {
  return [...q.range(0, Infinity)].map((r) => r.position);
}

/** A queue holding positions `from`..`to` (inclusive), payloads from payloadFor, all in file 0. */
function filled(from: number, to: number): MemQueue {
  const q = new MemQueue(from);
  for (let p = from; p <= to; p++) q.append(p, payloadFor(p), 0);
  return q;
}

test("queue: a new queue is empty and its next position defaults to 0", () => {
  const q = new MemQueue();
  assert.equal(q.size, 0);
  assert.equal(q.nextPosition(), 0);
  assert.equal(q.firstPosition(), 0);
  assert.equal(q.payloadBytes, 0);
  assert.equal(q.usedBytes, 0);
  assert.equal(q.lastRecord(), undefined);
  assert.equal(q.firstFile(), undefined);
  assert.deepEqual(records(q), []);
});

test("queue: nextPosition and firstPosition of an empty queue start at the constructor's value", () => {
  const q = new MemQueue(42);
  assert.equal(q.nextPosition(), 42);
  assert.equal(q.firstPosition(), 42);
  assert.equal(q.size, 0);
});

test("queue: append adds records at consecutive positions and moves the next position", () => {
  const q = new MemQueue(7);
  q.append(7, b(1), 0);
  q.append(8, b(2, 2), 0);
  q.append(9, b(3, 3, 3), 0);
  assert.equal(q.size, 3);
  assert.equal(q.firstPosition(), 7);
  assert.equal(q.nextPosition(), 10);
  assert.deepEqual(records(q), [[7, [1]], [8, [2, 2]], [9, [3, 3, 3]]]);
});

test("queue: lastRecord is the record with the highest position", () => {
  const q = new MemQueue();
  q.append(0, b(1), 0);
  q.append(1, b(5, 6), 0);
  assert.deepEqual(q.lastRecord(), { position: 1, payload: b(5, 6) });
});

test("queue: append copies the payload, so mutating the source afterwards does not change the record", () => {
  const q = new MemQueue();
  const src = b(1, 2, 3);
  q.append(0, src, 0);
  src.fill(9);
  assert.deepEqual(records(q), [[0, [1, 2, 3]]]);
});

test("queue: lowerBound, positionAt and payloadAt address the records by index", () => {
  const q = new MemQueue(10);
  q.append(10, b(10), 0);
  q.append(11, b(11), 0);
  q.append(12, b(12), 0);
  assert.deepEqual(
    [q.lowerBound(0), q.lowerBound(10), q.lowerBound(11), q.lowerBound(12), q.lowerBound(13)],
    [0, 0, 1, 2, 3],
  );
  assert.equal(q.endIndex, 3);
  assert.deepEqual([q.positionAt(0), q.positionAt(1), q.positionAt(2)], [10, 11, 12]);
  assert.deepEqual([q.payloadAt(0), q.payloadAt(1), q.payloadAt(2)], [b(10), b(11), b(12)]);
});

test("queue: lowerBound past the last record is endIndex, also after a truncation", () => {
  const q = filled(0, 9);
  q.truncate(3);
  const end = q.endIndex;
  assert.equal(q.lowerBound(10), end);
  assert.equal(q.lowerBound(1000), end);
  assert.equal(q.positionAt(q.lowerBound(0)), 4);
  assert.equal(q.positionAt(end - 1), 9);
  assert.equal(end - q.lowerBound(0), 6);
});

test("queue: appending above the next position jumps forward (sparse positions)", () => {
  const q = new MemQueue();
  q.append(0, b(0), 0);
  q.append(5, b(5), 0);
  q.append(6, b(6), 0);
  q.append(20, b(20), 0);
  assert.equal(q.size, 4);
  assert.equal(q.nextPosition(), 21);
  assert.deepEqual(records(q), [[0, [0]], [5, [5]], [6, [6]], [20, [20]]]);
  assert.equal(q.positionAt(q.lowerBound(1)), 5);
  assert.equal(q.positionAt(q.lowerBound(7)), 20);
});

test("queue: the first record of a queue may be above its start position", () => {
  const q = new MemQueue(3);
  q.append(100, b(1), 0);
  assert.equal(q.firstPosition(), 100);
  assert.equal(q.nextPosition(), 101);
  assert.deepEqual(records(q), [[100, [1]]]);
});

test("queue: range(start, end) is start-inclusive and end-exclusive over sparse positions", () => {
  const q = new MemQueue();
  for (const p of [0, 5, 6, 20]) q.append(p, b(p), 0);
  const at = (start: number, end: number) => [...q.range(start, end)].map((r) => r.position);
  assert.deepEqual(at(0, Infinity), [0, 5, 6, 20]);
  assert.deepEqual(at(5, 20), [5, 6]);
  assert.deepEqual(at(1, 6), [5]);
  assert.deepEqual(at(6, 21), [6, 20]);
  assert.deepEqual(at(7, 20), []);
  assert.deepEqual(at(5, 5), []);
  assert.deepEqual(at(21, Infinity), []);
  assert.deepEqual(at(0, 1), [0]);
});

test("queue: range yields each record's position and payload", () => {
  const q = new MemQueue();
  q.append(0, b(1, 2), 0);
  q.append(3, b(), 0);
  q.append(4, b(9), 0);
  assert.deepEqual([...q.range(0, Infinity)], [
    { position: 0, payload: b(1, 2) },
    { position: 3, payload: b() },
    { position: 4, payload: b(9) },
  ]);
});

test("queue: zero-length payloads are kept as empty records", () => {
  const q = new MemQueue();
  q.append(0, b(), 0);
  q.append(1, b(7), 0);
  q.append(2, b(), 0);
  assert.equal(q.size, 3);
  assert.equal(q.payloadBytes, 1);
  assert.deepEqual(records(q), [[0, []], [1, [7]], [2, []]]);
  assert.equal(q.truncate(0), 1);
  assert.deepEqual(records(q), [[1, [7]], [2, []]]);
});

test("queue: truncating below the first position removes nothing", () => {
  const q = filled(10, 12);
  const generation = q.generation;
  assert.equal(q.truncate(9), 0);
  assert.equal(q.truncate(0), 0);
  assert.equal(q.size, 3);
  assert.equal(q.firstPosition(), 10);
  assert.equal(q.nextPosition(), 13);
  assert.equal(q.generation, generation);
  assert.deepEqual(positions(q), [10, 11, 12]);
});

test("queue: truncating in the middle removes the records up to and including the position", () => {
  const q = filled(0, 4);
  assert.equal(q.truncate(2), 3);
  assert.equal(q.size, 2);
  assert.equal(q.firstPosition(), 3);
  assert.equal(q.nextPosition(), 5);
  assert.deepEqual(records(q), [[3, [...payloadFor(3)]], [4, [...payloadFor(4)]]]);
});

test("queue: truncating between sparse positions removes the records below it", () => {
  const q = new MemQueue();
  for (const p of [0, 5, 10, 15]) q.append(p, b(p), 0);
  assert.equal(q.truncate(7), 2);
  assert.deepEqual(records(q), [[10, [10]], [15, [15]]]);
  assert.equal(q.firstPosition(), 10);
  assert.equal(q.nextPosition(), 16);
});

test("queue: truncating at the last position empties it and moves the next position to position + 1", () => {
  const q = filled(0, 2);
  assert.equal(q.truncate(2), 3);
  assert.equal(q.size, 0);
  assert.equal(q.nextPosition(), 3);
  assert.equal(q.firstPosition(), 3);
  assert.equal(q.lastRecord(), undefined);
  assert.equal(q.payloadBytes, 0);
  assert.deepEqual(records(q), []);
});

test("queue: truncating past the last position empties it and moves the next position to position + 1", () => {
  const q = filled(0, 2);
  assert.equal(q.truncate(10), 3);
  assert.equal(q.size, 0);
  assert.equal(q.nextPosition(), 11);
  assert.equal(q.firstPosition(), 11);
  q.append(11, b(1), 0);
  assert.deepEqual(records(q), [[11, [1]]]);
});

test("queue: truncating past the last of sparse positions empties it and moves the next position to position + 1", () => {
  const q = new MemQueue();
  for (const p of [0, 5, 10]) q.append(p, b(p), 0);
  assert.equal(q.truncate(10), 3);
  assert.equal(q.nextPosition(), 11);
  assert.equal(q.size, 0);
});

test("queue: truncating an empty queue below its next position does nothing", () => {
  const q = new MemQueue(5);
  assert.equal(q.truncate(4), 0);
  assert.equal(q.nextPosition(), 5);
});

test("queue: truncating an empty queue at or past its next position moves the next position to position + 1", () => {
  const q = new MemQueue(5);
  assert.equal(q.truncate(5), 0);
  assert.equal(q.nextPosition(), 6);
  assert.equal(q.truncate(9), 0);
  assert.equal(q.nextPosition(), 10);
  assert.equal(q.firstPosition(), 10);
});

test("queue: after emptying, a truncation below the new next position does nothing", () => {
  const q = filled(0, 4);
  q.truncate(4);
  assert.equal(q.truncate(3), 0);
  assert.equal(q.nextPosition(), 5);
});

test("queue: truncate returns the number of records removed by each call", () => {
  const q = filled(0, 9);
  assert.deepEqual([q.truncate(0), q.truncate(0), q.truncate(4), q.truncate(8), q.truncate(20)], [
    1,
    0,
    4,
    4,
    1,
  ]);
  assert.equal(q.size, 0);
  assert.equal(q.nextPosition(), 21);
});

test("queue: records appended after a partial truncation follow the retained ones", () => {
  const q = filled(0, 4);
  q.truncate(1);
  q.append(5, payloadFor(5), 0);
  q.append(9, payloadFor(9), 0);
  assert.deepEqual(positions(q), [2, 3, 4, 5, 9]);
  assert.deepEqual(
    records(q),
    [2, 3, 4, 5, 9].map((p) => [p, [...payloadFor(p)]]),
  );
});

test("queue: generation changes when records are removed", () => {
  const q = filled(0, 4);
  const g0 = q.generation;
  q.truncate(1);
  const g1 = q.generation;
  assert.notEqual(g1, g0);
  q.truncate(10);
  assert.notEqual(q.generation, g1);
});

test("queue: payloadBytes and usedBytes count the retained records (20 bytes of metadata each)", () => {
  const q = new MemQueue();
  q.append(0, b(1, 2, 3), 0);
  q.append(1, b(), 0);
  q.append(2, b(1, 2, 3, 4, 5, 6, 7), 0);
  assert.deepEqual([q.payloadBytes, q.usedBytes], [10, 10 + 3 * 20]);
  q.truncate(0);
  assert.deepEqual([q.payloadBytes, q.usedBytes], [7, 7 + 2 * 20]);
  q.truncate(1);
  assert.deepEqual([q.payloadBytes, q.usedBytes], [7, 7 + 1 * 20]);
  q.truncate(2);
  assert.deepEqual([q.payloadBytes, q.usedBytes], [0, 0]);
});

test("queue: allocatedBytes counts the arena chunks and 20 bytes per record slot", () => {
  const q = new MemQueue();
  assert.equal(q.allocatedBytes, 16 * 20);
  q.append(0, b(1), 0);
  assert.equal(q.allocatedBytes, 4 * KiB + 16 * 20);
  // The 17th record finds the 16 slots full: they grow to 1.5 x 16 + 16 = 40.
  for (let p = 1; p < 17; p++) q.append(p, b(1), 0);
  assert.equal(q.allocatedBytes, 4 * KiB + 40 * 20);
});

test("queue: truncating everything releases the arena's chunks", () => {
  const q = new MemQueue();
  for (let p = 0; p < 10; p++) q.append(p, new Uint8Array(1000), 0);
  // Four records fill the 4 KiB chunk, the other six go to an 8 KiB chunk.
  assert.equal(q.allocatedBytes, 4 * KiB + 8 * KiB + 16 * 20);
  q.truncate(9);
  assert.equal(q.allocatedBytes, 16 * 20);
  assert.equal(q.usedBytes, 0);
});

test("queue: truncating most of 100000 small records gives memory back", () => {
  const q = new MemQueue();
  for (let p = 0; p < 100_000; p++) q.append(p, payloadFor(p, 8), 0);
  // 800000 payload bytes fill chunks of 4 KiB, 8 KiB, ..., 256 KiB, then two more of
  // 256 KiB (1044480 bytes); the record table grew 16, 40, 76, ... up to one segment of 4096
  // slots, then by segments: 25 of them, 102400 slots.
  assert.equal(q.payloadBytes, 800_000);
  assert.equal(q.usedBytes, 800_000 + 100_000 * 20);
  assert.equal(q.allocatedBytes, 1_044_480 + 102_400 * 20);
  assert.equal(q.truncate(98_999), 99_000);
  // Only the 256 KiB chunk holding the last records stays; 24 whole segments go, and the last
  // one, under half in use, shrinks to 1.125 x 1000 + 16 slots.
  assert.equal(q.payloadBytes, 8_000);
  assert.equal(q.usedBytes, 8_000 + 1_000 * 20);
  assert.equal(q.allocatedBytes, 256 * KiB + 1141 * 20);
  assert.deepEqual(
    records(q, 98_999, 99_002),
    [99_000, 99_001].map((p) => [p, [...payloadFor(p, 8)]]),
  );
});

test("queue: firstFile follows the oldest wal file that still holds a retained record", () => {
  const q = new MemQueue();
  const files = [0, 0, 1, 1, 2];
  files.forEach((file, p) => q.append(p, b(p), file));
  assert.equal(q.firstFile(), 0);
  q.truncate(0); // position 1 is still in file 0
  assert.equal(q.firstFile(), 0);
  q.truncate(1); // file 0's records are gone
  assert.equal(q.firstFile(), 1);
  q.truncate(2); // position 3 is still in file 1
  assert.equal(q.firstFile(), 1);
  q.truncate(3);
  assert.equal(q.firstFile(), 2);
  q.truncate(4);
  assert.equal(q.firstFile(), undefined);
});

test("queue: firstFile skips several files removed by one truncation", () => {
  const q = new MemQueue();
  [0, 1, 2, 3, 3].forEach((file, p) => q.append(p, b(p), file));
  q.truncate(2);
  assert.equal(q.firstFile(), 3);
});

test("queue: firstFile with sparse positions keeps a file while any of its records is retained", () => {
  const q = new MemQueue();
  q.append(0, b(0), 4);
  q.append(10, b(10), 5);
  q.append(20, b(20), 5);
  q.append(30, b(30), 6);
  assert.equal(q.firstFile(), 4);
  q.truncate(5);
  assert.equal(q.firstFile(), 5);
  q.truncate(15);
  assert.equal(q.firstFile(), 5);
  q.truncate(25);
  assert.equal(q.firstFile(), 6);
});

test("queue: firstFile tracks new appends after the queue was emptied", () => {
  const q = new MemQueue();
  q.append(0, b(0), 0);
  q.append(1, b(1), 1);
  q.truncate(1);
  assert.equal(q.firstFile(), undefined);
  q.append(2, b(2), 3);
  q.append(3, b(3), 4);
  assert.equal(q.firstFile(), 3);
  q.truncate(2);
  assert.equal(q.firstFile(), 4);
});

test("queue: a range iterator advanced after a truncation in the middle continues with the next retained position", () => {
  const q = filled(0, 9);
  const it = q.range(0, Infinity);
  const seen = [it.next().value!.position, it.next().value!.position, it.next().value!.position];
  assert.deepEqual(seen, [0, 1, 2]);
  q.truncate(5);
  assert.deepEqual(
    [...it].map((r) => [r.position, [...r.payload]]),
    [6, 7, 8, 9].map((p) => [p, [...payloadFor(p)]]),
  );
});

test("queue: a range iterator advanced after truncating records it already yielded does not repeat them", () => {
  const q = filled(0, 9);
  const it = q.range(0, Infinity);
  for (let p = 0; p <= 3; p++) assert.equal(it.next().value!.position, p);
  q.truncate(1);
  assert.deepEqual(
    [...it].map((r) => [r.position, [...r.payload]]),
    [4, 5, 6, 7, 8, 9].map((p) => [p, [...payloadFor(p)]]),
  );
});

test("queue: a range iterator advanced after a truncation that compacts the record arrays continues correctly", () => {
  const q = filled(0, 99); // 128 slots; dropping 80 records moves the rest to the front
  const it = q.range(0, 95);
  for (let p = 0; p <= 9; p++) assert.equal(it.next().value!.position, p);
  assert.equal(q.truncate(79), 80);
  const rest = [];
  for (let p = 80; p < 95; p++) rest.push(p);
  assert.deepEqual(
    [...it].map((r) => [r.position, [...r.payload]]),
    rest.map((p) => [p, [...payloadFor(p)]]),
  );
});

test("queue: a range iterator advanced after the queue was emptied ends", () => {
  const q = filled(0, 9);
  const it = q.range(0, Infinity);
  it.next();
  q.truncate(9);
  assert.deepEqual(it.next(), { done: true, value: undefined });
});

test("queue: a range iterator advanced after an append that moves the record arrays continues at the next position", () => {
  const q = filled(0, 15); // fills the 16 initial slots
  q.truncate(2); // live records now start at slot 3
  const it = q.range(0, Infinity);
  for (let p = 3; p <= 5; p++) assert.equal(it.next().value!.position, p);
  q.append(16, payloadFor(16), 0); // no free slot at the end: the records move to the front
  const rest = [];
  for (let p = 6; p <= 16; p++) rest.push(p);
  assert.deepEqual(
    [...it].map((r) => [r.position, [...r.payload]]),
    rest.map((p) => [p, [...payloadFor(p)]]),
  );
});

test("queue: payload views handed out before a truncation keep their bytes", () => {
  const q = new MemQueue();
  for (let p = 0; p < 50; p++) q.append(p, payloadFor(p, 1000), 0);
  const views = [...q.range(0, Infinity)].map((r) => r.payload);
  q.truncate(48);
  views.forEach((view, p) => assert.deepEqual(view, payloadFor(p, 1000)));
});

test("queue: staged payloads become records only when committed", () => {
  const q = new MemQueue();
  q.stage(0, [b(4, 5, 6), b(7)]);
  assert.deepEqual([q.size, q.payloadBytes, q.nextPosition(), q.firstFile()], [0, 0, 0, undefined]);
  assert.deepEqual(records(q), []);
  q.commitStaged(2, 4, 2);
  assert.deepEqual([q.size, q.payloadBytes, q.nextPosition(), q.firstFile()], [2, 4, 2, 2]);
  assert.deepEqual(records(q), [[0, [4, 5, 6]], [1, [7]]]);
});

test("queue: stage copies the payloads, so the caller may reuse its buffers at once", () => {
  const q = new MemQueue();
  const buffer = b(1, 2, 3);
  q.stage(0, [buffer]);
  buffer.set([7, 8, 9]);
  q.stage(1, [buffer]);
  q.commitStaged(1, 3, 0);
  q.commitStaged(1, 3, 0);
  assert.deepEqual(records(q), [[0, [1, 2, 3]], [1, [7, 8, 9]]]);
});

test("queue: stagings commit in the order they were staged, each in its own wal file", () => {
  const q = new MemQueue();
  q.stage(0, [b(1), b(2)]);
  q.stage(2, [b(3)]);
  q.commitStaged(2, 2, 4);
  assert.deepEqual(records(q), [[0, [1]], [1, [2]]]);
  q.commitStaged(1, 1, 5);
  assert.deepEqual(records(q), [[0, [1]], [1, [2]], [2, [3]]]);
  assert.deepEqual([...q.bytesByFile()], [[4, 2], [5, 1]]);
});

test("queue: a staging that outgrows the arrays keeps the live records and the earlier stagings", () => {
  const q = new MemQueue();
  for (let p = 0; p < 10; p++) q.append(p, payloadFor(p), 0);
  q.stage(10, [payloadFor(10)]);
  const many = Array.from({ length: 100 }, (_, i) => payloadFor(11 + i));
  q.stage(11, many);
  q.commitStaged(1, payloadFor(10).length, 0);
  q.commitStaged(100, many.reduce((n, p) => n + p.length, 0), 0);
  assert.deepEqual(
    records(q),
    Array.from({ length: 111 }, (_, p) => [p, [...payloadFor(p)]]),
  );
});

test("queue: unstageAll forgets every staged payload and gives back the chunks allocated for them", () => {
  const q = new MemQueue();
  q.append(0, b(1), 0);
  const before = q.allocatedBytes;
  q.stage(1, [new Uint8Array(5000), new Uint8Array(20000)]);
  assert.equal(q.allocatedBytes, before + 8 * KiB + 20000);
  q.unstageAll();
  assert.equal(q.allocatedBytes, before);
  q.stage(1, [b(5)]);
  q.commitStaged(1, 1, 0);
  assert.deepEqual(records(q), [[0, [1]], [1, [5]]]);
  assert.equal(q.payloadBytes, 2);
});

test("queue: payloads staged before a truncation that empties the queue can still be committed", () => {
  const q = filled(0, 2);
  q.stage(3, [b(7, 7), payloadFor(4, 5000)]); // the second does not fit the first chunk: a new one
  assert.equal(q.truncate(2), 3);
  q.commitStaged(2, 5002, 1);
  assert.deepEqual(records(q), [[3, [7, 7]], [4, [...payloadFor(4, 5000)]]]);
  assert.equal(q.firstFile(), 1);
  assert.equal(q.payloadBytes, 5002);
});

test("queue: payloads staged before a partial truncation can still be committed", () => {
  const q = filled(0, 4);
  q.stage(5, [b(8, 9)]);
  assert.equal(q.truncate(3), 4);
  q.commitStaged(1, 2, 0);
  assert.deepEqual(records(q), [[4, [...payloadFor(4)]], [5, [8, 9]]]);
});

test("queue: payloads staged before truncations that shrink the arrays can still be committed", () => {
  const q = new MemQueue();
  for (let p = 0; p < 2000; p++) q.append(p, payloadFor(p), 0);
  q.stage(2000, [b(1), b(2)]);
  assert.equal(q.truncate(1997), 1998); // two live records left: the arrays shrink
  assert.equal(q.truncate(1999), 2); // empty
  q.commitStaged(2, 2, 3);
  assert.deepEqual(records(q), [[2000, [1]], [2001, [2]]]);
});

test("queue: unstageAll on an empty queue gives back the chunk allocated while staging", () => {
  const q = new MemQueue();
  const before = q.allocatedBytes;
  q.stage(0, [new Uint8Array(100_000)]);
  assert.equal(q.allocatedBytes, before + 100_000);
  q.unstageAll();
  assert.equal(q.allocatedBytes, before);
  assert.deepEqual([q.size, q.payloadBytes, q.usedBytes], [0, 0, 0]);
});

test("queue: appendRanges makes ranges of a buffer records at the given positions", () => {
  const q = new MemQueue(3);
  q.append(3, b(9), 1);
  const src = b(0, 1, 2, 0, 0, 3, 4, 0);
  q.appendRanges(
    src,
    Float64Array.from([4, 7]),
    Float64Array.from([1, 5]),
    Uint32Array.from([2, 2]),
    2,
    4,
    2,
  );
  src.fill(0); // copied in
  assert.deepEqual(records(q), [[3, [9]], [4, [1, 2]], [7, [3, 4]]]);
  assert.deepEqual([q.size, q.payloadBytes, q.nextPosition()], [3, 5, 8]);
  assert.deepEqual([...q.bytesByFile()], [[1, 1], [2, 4]]);
});

test("queue: appendAll makes a list of payloads records at consecutive positions at once", () => {
  const q = new MemQueue(5);
  q.appendAll(5, [b(1), new Uint8Array(0), b(2, 3)], 3, 7);
  assert.deepEqual(records(q), [[5, [1]], [6, []], [7, [2, 3]]]);
  assert.deepEqual([q.size, q.payloadBytes, q.nextPosition(), q.firstFile()], [3, 3, 8, 7]);
});

test("queue: positions up to Number.MAX_SAFE_INTEGER are kept exactly", () => {
  const top = Number.MAX_SAFE_INTEGER;
  const q = new MemQueue(top - 2);
  q.append(top - 2, b(1), 0);
  q.append(top - 1, b(2), 0);
  assert.equal(q.nextPosition(), top);
  assert.equal(q.truncate(top - 2), 1);
  assert.deepEqual(records(q), [[top - 1, [2]]]);
});

test("queue: 100000 appends then truncations keep every payload intact", () => {
  const q = new MemQueue();
  const N = 100_000;
  const lengthOf = (p: number) => 4 + (p % 13) * 9; // 4..112 bytes
  let total = 0;
  for (let p = 0; p < N; p++) {
    q.append(p, payloadFor(p, lengthOf(p)), p >>> 12);
    total += lengthOf(p);
  }
  assert.equal(q.size, N);
  assert.equal(q.payloadBytes, total);

  const check = (first: number) => {
    assert.equal(q.size, N - first);
    assert.equal(q.firstPosition(), first);
    assert.equal(q.nextPosition(), N);
    assert.equal(q.firstFile(), first >>> 12);
    let expected = first;
    let bytes = 0;
    for (const record of q.range(0, Infinity)) {
      assert.equal(record.position, expected);
      assert.deepEqual(record.payload, payloadFor(expected, lengthOf(expected)));
      bytes += lengthOf(expected);
      expected++;
    }
    assert.equal(expected, N);
    assert.equal(q.payloadBytes, bytes);
    // Index access agrees with the iterator.
    for (let i = q.lowerBound(0), p = first; i < q.endIndex; i++, p++) {
      assert.equal(q.positionAt(i), p);
      assert.deepEqual(q.payloadAt(i), payloadFor(p, lengthOf(p)));
    }
  };

  check(0);
  for (const cut of [0, 999, 4095, 4096, 50_000, 77_777, 99_000, 99_998]) {
    q.truncate(cut);
    check(cut + 1);
  }
  assert.equal(q.truncate(N - 1), 1);
  assert.equal(q.size, 0);
  assert.equal(q.nextPosition(), N);
});

test("queue: truncating half of the records shrinks the record arrays to 1.125 times the rest", () => {
  const q = new MemQueue();
  for (let p = 0; p < 1000; p++) q.append(p, b(1), 0);
  // The arrays grew 16, 40, 76, 130, 211, 333, 516, 790, 1201 slots.
  assert.equal(q.allocatedBytes, 4 * KiB + 1201 * 20);
  assert.equal(q.truncate(499), 500);
  // 500 records in 1201 slots: under half in use, so 1.125 x 500 + 16 = 579 slots.
  assert.equal(q.allocatedBytes, 4 * KiB + 579 * 20);
  assert.deepEqual(positions(q).slice(0, 2), [500, 501]);
  assert.equal(q.size, 500);
});

test("queue: truncating a few records keeps the record arrays' size", () => {
  const q = new MemQueue();
  for (let p = 0; p < 1000; p++) q.append(p, b(1), 0);
  assert.equal(q.truncate(9), 10);
  assert.equal(q.allocatedBytes, 4 * KiB + 1201 * 20);
});

test("queue: release empties it for good; an iterator opened before ends instead of reading given-back memory", () => {
  const q = new MemQueue();
  q.append(0, new Uint8Array([1]), 0);
  q.append(1, new Uint8Array([2]), 0);
  const it = q.range(0, Infinity);
  assert.deepEqual([...it.next().value!.payload], [1]);
  q.release();
  assert.equal(q.size, 0);
  assert.equal(q.payloadBytes, 0);
  assert.deepEqual(it.next(), { done: true, value: undefined });
  assert.deepEqual([...q.range(0, Infinity)], []);
});

test("queue: past one segment of 4096 records the table grows by whole segments", () => {
  const q = new MemQueue();
  for (let p = 0; p < 10_000; p++) q.append(p, b(p & 0xff), 0);
  // 10000 one-byte payloads: arena chunks of 4 and 8 KiB; three segments of 4096 slots.
  assert.equal(q.allocatedBytes, 12 * KiB + 3 * 4096 * 20);
  assert.deepEqual(records(q, 4094, 4098).map(([p]) => p), [4094, 4095, 4096, 4097]);
  assert.deepEqual(records(q, 9998, 10_000), [[9998, [9998 & 0xff]], [9999, [9999 & 0xff]]]);
});

test("queue: a truncation gives back the whole segments before the first record left, copying nothing", () => {
  const q = new MemQueue();
  for (let p = 0; p < 10_000; p++) q.append(p, b(p & 0xff), 0);
  assert.equal(q.truncate(5000), 5001);
  // Segment 0 (positions 0-4095) and the 4 KiB chunk go; two segments stay, records as they were.
  assert.equal(q.allocatedBytes, 8 * KiB + 2 * 4096 * 20);
  assert.deepEqual(records(q, 0, 5003), [[5001, [5001 & 0xff]], [5002, [5002 & 0xff]]]);
  assert.equal(q.size, 4999);
  assert.equal(q.truncate(8191), 3191);
  // One segment left, under half in use: it shrinks to 1.125 x 1808 + 16 slots.
  assert.equal(q.allocatedBytes, 8 * KiB + 2050 * 20);
  assert.deepEqual(records(q, 8191, 8194), [[8192, [8192 & 0xff]], [8193, [8193 & 0xff]]]);
  assert.equal(q.nextPosition(), 10_000);
});

test("queue: a staging across segment boundaries keeps every payload at its position", () => {
  const q = new MemQueue();
  for (let p = 0; p < 2000; p++) q.append(p, b(p & 0xff), 0);
  const list = Array.from({ length: 3000 }, (_, k) => payloadFor(2000 + k, 1 + (k % 5)));
  q.stage(2000, list);
  q.commitStaged(3000, list.reduce((n, p) => n + p.length, 0), 1);
  assert.equal(q.size, 5000);
  for (const p of [1999, 2000, 2047, 2048, 4095, 4096, 4999]) {
    const [[position, payload]] = records(q, p, p + 1);
    assert.deepEqual([position, payload], [
      p,
      p < 2000 ? [p & 0xff] : [...payloadFor(p, 1 + ((p - 2000) % 5))],
    ]);
  }
});
