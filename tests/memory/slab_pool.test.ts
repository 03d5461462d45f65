/**
 * SlabPool: arena chunks cut from shared slabs, given back, and moved out
 * of slabs that are mostly unused. Small slabs keep the numbers readable.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Arena } from "../../src/memory/arena.ts";
import { SlabPool } from "../../src/memory/slab_pool.ts";
import { pattern } from "../helpers/frames.ts";

const KiB = 1024;

test("slab pool: chunks are cut one after the other from the same slab", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const a = pool.take(4 * KiB);
  const b = pool.take(8 * KiB);
  assert.equal(a.bytes.buffer, b.bytes.buffer);
  assert.deepEqual([a.bytes.byteOffset, a.bytes.length], [0, 4 * KiB]);
  assert.deepEqual([b.bytes.byteOffset, b.bytes.length], [4 * KiB, 8 * KiB]);
  assert.equal(pool.slabsCreated, 1);
});

test("slab pool: a chunk that does not fit in the rest of the slab starts a new slab", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  for (let i = 0; i < 3; i++) pool.take(16 * KiB);
  const fits = pool.take(16 * KiB);
  assert.equal(fits.bytes.byteOffset, 48 * KiB);
  const next = pool.take(4 * KiB);
  assert.notEqual(next.bytes.buffer, fits.bytes.buffer);
  assert.equal(next.bytes.byteOffset, 0);
  assert.equal(pool.slabsCreated, 2);
});

test("slab pool: a chunk larger than the largest slab chunk gets a buffer of its own", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const big = pool.take(20 * KiB);
  assert.equal(big.bytes.buffer.byteLength, 20 * KiB);
  assert.equal(big.slab, undefined);
  assert.equal(pool.slabsCreated, 0);
});

test("slab pool: space given back while other chunks of the slab are in use is not cut again", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const a = pool.take(16 * KiB);
  pool.take(16 * KiB);
  pool.give(a);
  const b = pool.take(16 * KiB);
  assert.equal(b.bytes.byteOffset, 32 * KiB);
});

test("slab pool: space of a slab a view was taken of is never cut again, even once it is empty", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const a = pool.take(16 * KiB);
  SlabPool.viewed(a);
  pool.give(a);
  const b = pool.take(16 * KiB);
  assert.equal(b.bytes.byteOffset, 16 * KiB);
});

test("slab pool: the current slab, emptied with no view ever taken, is cut again from its start", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const a = pool.take(16 * KiB);
  const c = pool.take(8 * KiB);
  pool.give(a);
  pool.give(c);
  const b = pool.take(16 * KiB);
  assert.equal(b.bytes.buffer, a.bytes.buffer);
  assert.equal(b.bytes.byteOffset, 0);
  assert.equal(pool.slabsCreated, 1);
});

test("slab pool: when under half of an older slab is in use, its chunks are copied into the current slab", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const a = pool.take(8 * KiB);
  a.bytes.set(pattern(8 * KiB, 1));
  const oldBytes = a.bytes;
  const others = [
    pool.take(16 * KiB),
    pool.take(16 * KiB),
    pool.take(16 * KiB),
    pool.take(8 * KiB),
  ];
  const current = pool.take(4 * KiB); // a second slab: the first one is no longer current
  pool.give(others[0]);
  pool.give(others[1]);
  // 32 KiB of 64 KiB in use is half, not under it: nothing moves.
  assert.equal(pool.bytesMoved, 0);
  assert.equal(a.bytes, oldBytes);
  pool.give(others[2]);
  // 16 KiB in use: a and others[3] move, in the order they were cut.
  assert.equal(pool.bytesMoved, 16 * KiB);
  assert.equal(a.bytes.buffer, current.bytes.buffer);
  assert.equal(a.bytes.byteOffset, 4 * KiB);
  assert.equal(others[3].bytes.byteOffset, 12 * KiB);
  assert.deepEqual(a.bytes, pattern(8 * KiB, 1));
  // The old bytes are left as they were, for views already taken.
  assert.deepEqual(oldBytes, pattern(8 * KiB, 1));
});

test("slab pool: the current slab is never emptied into another", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const a = pool.take(4 * KiB);
  const b = pool.take(16 * KiB);
  pool.give(b);
  assert.equal(pool.bytesMoved, 0);
  assert.equal(a.bytes.byteOffset, 0);
  assert.equal(pool.slabsCreated, 1);
});

test("slab pool: giving a chunk back twice counts once", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const a = pool.take(4 * KiB);
  const b = pool.take(16 * KiB);
  pool.take(16 * KiB);
  pool.take(16 * KiB);
  pool.take(12 * KiB);
  pool.take(4 * KiB); // a second slab
  pool.give(b);
  pool.give(b);
  pool.give(b);
  // Counted once, 48 KiB of the first slab are still in use: nothing moves.
  assert.equal(pool.bytesMoved, 0);
  assert.equal(a.slab !== undefined, true);
  assert.equal(b.slab, undefined);
});

test("arena: after its chunk moves to another slab, old views keep their bytes and new appends follow", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const arena = new Arena(pool);
  const at = arena.append(pattern(100, 1)); // a 4 KiB chunk at the start of the first slab
  const before = arena.payload(at, 100);
  const fillers = [
    pool.take(16 * KiB),
    pool.take(16 * KiB),
    pool.take(16 * KiB),
    pool.take(12 * KiB),
  ];
  const current = pool.take(4 * KiB);
  for (const chunk of fillers) pool.give(chunk);
  // Moved when 16 KiB were left in use: the arena's chunk, then the 12 KiB filler.
  assert.equal(pool.bytesMoved, 4 * KiB + 12 * KiB);
  const after = arena.payload(at, 100);
  assert.equal(after.buffer, current.bytes.buffer);
  assert.equal(after.byteOffset, 4 * KiB);
  assert.deepEqual(after, pattern(100, 1));
  assert.deepEqual(before, pattern(100, 1));
  const next = arena.append(pattern(50, 2));
  assert.equal(next, 100);
  assert.equal(arena.payload(next, 50).byteOffset, 4 * KiB + 100);
  assert.deepEqual(arena.payload(next, 50), pattern(50, 2));
  assert.equal(arena.allocatedBytes, 4 * KiB);
});

test("arena: chunks released by a truncation go back to the pool", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const arena = new Arena(pool);
  arena.append(pattern(4000, 1)); // a 4 KiB chunk at [0, 4) KiB of the first slab
  const at = arena.append(pattern(5000, 2)); // an 8 KiB chunk at [4, 12) KiB
  const fillers = [16 * KiB, 16 * KiB, 16 * KiB, 4 * KiB].map((size) => pool.take(size)); // [12, 64) KiB
  pool.take(4 * KiB); // a second slab
  arena.releaseBefore(4 * KiB); // the first chunk covers logical bytes [0, 4 KiB): it goes back
  assert.equal(arena.allocatedBytes, 8 * KiB);
  pool.give(fillers[0]);
  pool.give(fillers[1]);
  // In use in the first slab: the arena's 8 KiB chunk and two fillers (16 + 4 KiB), 28 KiB, under
  // half: all move. Without the 4 KiB chunk given back, 32 KiB would be in use and none would move.
  assert.equal(pool.bytesMoved, 28 * KiB);
  assert.deepEqual(arena.payload(at, 5000), pattern(5000, 2));
});

test("slab pool: an emptied slab no view was taken of is reused for the next slab", () => {
  const pool = new SlabPool(64 * KiB, 64 * KiB);
  const first = pool.take(64 * KiB); // the whole first slab
  pool.take(16 * KiB); // a second slab
  pool.give(first);
  for (let i = 0; i < 3; i++) pool.take(16 * KiB); // fills the second slab
  const next = pool.take(16 * KiB);
  assert.equal(next.bytes.buffer, first.bytes.buffer);
  assert.equal(next.bytes.byteOffset, 0);
  assert.deepEqual([pool.slabsCreated, pool.slabsReused], [2, 1]);
});

test("slab pool: an emptied slab a view was taken of is never reused, and the view keeps its bytes", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const arena = new Arena(pool);
  const at = arena.append(pattern(4000, 1));
  const view = arena.payload(at, 4000);
  const fillers = [16 * KiB, 16 * KiB, 16 * KiB, 12 * KiB].map((size) => pool.take(size));
  pool.take(16 * KiB); // a second slab
  arena.clear();
  for (const chunk of fillers) pool.give(chunk);
  for (let i = 0; i < 4; i++) pool.take(16 * KiB).bytes.fill(0xee); // the second slab, then a third
  assert.deepEqual([pool.slabsCreated, pool.slabsReused], [3, 0]);
  assert.deepEqual(view, pattern(4000, 1));
});

test("slab pool: a second emptied slab no view was taken of is released at once", () => {
  const pool = new SlabPool(64 * KiB, 16 * KiB);
  const first = [0, 1, 2, 3].map(() => pool.take(16 * KiB));
  const second = [0, 1, 2, 3].map(() => pool.take(16 * KiB));
  pool.take(16 * KiB); // a third slab
  for (const chunk of first) pool.give(chunk); // kept for reuse
  const buffer = second[0].bytes.buffer;
  for (const chunk of second) pool.give(chunk); // released
  assert.equal(buffer.byteLength, 0);
  assert.equal(first[0].bytes.buffer.byteLength, 64 * KiB);
});
