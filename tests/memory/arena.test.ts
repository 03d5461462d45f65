/**
 * Arena: chunked, append-only, front-releasable byte storage. Payloads never
 * straddle chunks and are handed out as views (no copy).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Arena } from "../../src/memory/arena.ts";
import { SlabPool } from "../../src/memory/slab_pool.ts";

const KiB = 1024;
const MiB = 1024 * 1024;

/** `len` bytes whose values depend on `seed` and the index. */
function pattern(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (seed * 31 + i * 7) & 0xff;
  return out;
}

test("arena: a new arena holds nothing and its tail is 0", () => {
  const arena = new Arena();
  assert.equal(arena.allocatedBytes, 0);
  assert.equal(arena.tail, 0);
});

test("arena: append returns growing logical offsets, each the previous offset plus its length", () => {
  const arena = new Arena();
  const offsets = [
    arena.append(pattern(3, 1)),
    arena.append(pattern(5, 2)),
    arena.append(pattern(1, 3)),
    arena.append(pattern(100, 4)),
  ];
  assert.deepEqual(offsets, [0, 3, 8, 9]);
  assert.equal(arena.tail, 109);
});

test("arena: view returns exactly the bytes appended at that offset", () => {
  const arena = new Arena();
  const a = arena.append(new Uint8Array([1, 2, 3]));
  const b = arena.append(new Uint8Array([4, 5, 6, 7, 8]));
  const c = arena.append(new Uint8Array([9]));
  assert.deepEqual(arena.payload(a, 3), new Uint8Array([1, 2, 3]));
  assert.deepEqual(arena.payload(b, 5), new Uint8Array([4, 5, 6, 7, 8]));
  assert.deepEqual(arena.payload(c, 1), new Uint8Array([9]));
});

test("arena: append copies the source, so mutating the source afterwards does not change the view", () => {
  const arena = new Arena();
  const src = new Uint8Array([10, 20, 30, 40]);
  const at = arena.append(src);
  src.fill(0);
  src[0] = 99;
  assert.deepEqual(arena.payload(at, 4), new Uint8Array([10, 20, 30, 40]));
});

test("arena: append copies only the source view's bytes, not its whole buffer", () => {
  const arena = new Arena();
  const backing = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const at = arena.append(backing.subarray(2, 5));
  assert.equal(at, 0);
  assert.equal(arena.tail, 3);
  assert.deepEqual(arena.payload(at, 3), new Uint8Array([3, 4, 5]));
});

test("arena: views share the chunk's buffer instead of copying", () => {
  const arena = new Arena();
  const a = arena.append(new Uint8Array([1, 2, 3]));
  const b = arena.append(new Uint8Array([4, 5]));
  const va = arena.payload(a, 3);
  const vb = arena.payload(b, 2);
  assert.equal(va.buffer, vb.buffer);
  assert.equal(vb.byteOffset - va.byteOffset, 3);
  // A write through one view is visible through a fresh view of the same bytes.
  va[1] = 200;
  assert.deepEqual(arena.payload(a, 3), new Uint8Array([1, 200, 3]));
});

test("arena: the first append allocates a 4 KiB chunk", () => {
  const arena = new Arena();
  arena.append(new Uint8Array([1]));
  assert.equal(arena.allocatedBytes, 4 * KiB);
});

test("arena: a payload that exactly fills the remaining chunk space stays in that chunk", () => {
  const arena = new Arena(new SlabPool());
  const a = arena.append(pattern(4000, 1));
  const b = arena.append(pattern(96, 2));
  assert.equal(b, 4000);
  assert.equal(arena.allocatedBytes, 4 * KiB);
  const vb = arena.payload(b, 96);
  assert.equal(vb.buffer, arena.payload(a, 4000).buffer);
  assert.equal(vb.byteOffset, 4000);
  assert.deepEqual(vb, pattern(96, 2));
});

test("arena: a payload larger than the remaining chunk space starts a new chunk (twice the size)", () => {
  const arena = new Arena(new SlabPool());
  const a = arena.append(pattern(4000, 1));
  const b = arena.append(pattern(200, 2));
  // Logical offsets stay contiguous: the unused end of the first chunk is skipped, not counted.
  assert.equal(b, 4000);
  assert.equal(arena.tail, 4200);
  assert.equal(arena.allocatedBytes, 4 * KiB + 8 * KiB);
  const va = arena.payload(a, 4000);
  const vb = arena.payload(b, 200);
  // Chunks are cut one after the other from the pool's slab: the second starts where the first ends.
  assert.equal(va.byteOffset, 0);
  assert.equal(vb.byteOffset, 4 * KiB);
  assert.deepEqual(va, pattern(4000, 1));
  assert.deepEqual(vb, pattern(200, 2));
});

test("arena: chunk sizes double from 4 KiB up to 256 KiB and then stay at 256 KiB", () => {
  const arena = new Arena();
  const sizes: number[] = [];
  let allocated = 0;
  let i = 0;
  while (sizes.length < 11) {
    arena.append(pattern(4 * KiB, i++));
    if (arena.allocatedBytes !== allocated) {
      sizes.push(arena.allocatedBytes - allocated);
      allocated = arena.allocatedBytes;
    }
  }
  assert.deepEqual(sizes, [
    4 * KiB,
    8 * KiB,
    16 * KiB,
    32 * KiB,
    64 * KiB,
    128 * KiB,
    256 * KiB,
    256 * KiB,
    256 * KiB,
    256 * KiB,
    256 * KiB,
  ]);
});

test("arena: a payload larger than the largest chunk (256 KiB) gets a chunk of exactly its own size", () => {
  const arena = new Arena();
  const small = arena.append(pattern(10, 1));
  const bigLen = MiB + 1;
  const big = arena.append(pattern(bigLen, 2));
  assert.equal(big, 10);
  assert.equal(arena.allocatedBytes, 4 * KiB + bigLen);
  const vBig = arena.payload(big, bigLen);
  assert.equal(vBig.buffer.byteLength, bigLen);
  assert.equal(vBig.byteOffset, 0);
  assert.deepEqual(vBig, pattern(bigLen, 2));
  // The big chunk is full: the next byte goes to a new chunk (capped at 256 KiB).
  const after = arena.append(new Uint8Array([7]));
  assert.equal(after, 10 + bigLen);
  assert.equal(arena.allocatedBytes, 4 * KiB + bigLen + 256 * KiB);
  const vAfter = arena.payload(after, 1);
  assert.notEqual(vAfter.buffer, vBig.buffer);
  assert.deepEqual(vAfter, new Uint8Array([7]));
  assert.deepEqual(arena.payload(small, 10), pattern(10, 1));
});

test("arena: a first payload larger than 4 KiB gets a chunk of exactly its size", () => {
  const arena = new Arena();
  const at = arena.append(pattern(5000, 3));
  assert.equal(at, 0);
  assert.equal(arena.allocatedBytes, 5000);
  assert.deepEqual(arena.payload(at, 5000), pattern(5000, 3));
});

test("arena: zero-length payloads take no space and return the current tail", () => {
  const arena = new Arena();
  assert.equal(arena.append(new Uint8Array(0)), 0);
  assert.equal(arena.allocatedBytes, 0);
  assert.equal(arena.tail, 0);
  assert.equal(arena.append(new Uint8Array([1, 2, 3])), 0);
  assert.equal(arena.append(new Uint8Array(0)), 3);
  assert.equal(arena.append(new Uint8Array([4])), 3);
  assert.equal(arena.tail, 4);
  assert.equal(arena.allocatedBytes, 4 * KiB);
});

test("arena: a zero-length view is an empty byte array", () => {
  const arena = new Arena();
  assert.deepEqual(arena.payload(0, 0), new Uint8Array(0));
  arena.append(new Uint8Array([1, 2, 3]));
  assert.deepEqual(arena.payload(3, 0), new Uint8Array(0));
  assert.deepEqual(arena.payload(1, 0), new Uint8Array(0));
});

/** Three chunks: [0, 4096) full, [4096, 12288) full, [12288, 28672) holding 100 bytes. */
function threeChunks(): { arena: Arena; offsets: number[] } {
  const arena = new Arena();
  const offsets = [
    arena.append(pattern(4 * KiB, 1)),
    arena.append(pattern(8 * KiB, 2)),
    arena.append(pattern(100, 3)),
  ];
  return { arena, offsets };
}

test("arena: releaseBefore frees only whole chunks that end at or before the offset", () => {
  const { arena, offsets } = threeChunks();
  assert.deepEqual(offsets, [0, 4096, 12288]);
  assert.equal(arena.allocatedBytes, 4 * KiB + 8 * KiB + 16 * KiB);
  arena.releaseBefore(4095); // inside the first chunk: nothing freed
  assert.equal(arena.allocatedBytes, 28 * KiB);
  arena.releaseBefore(4096); // the first chunk ends here
  assert.equal(arena.allocatedBytes, 24 * KiB);
  arena.releaseBefore(12287); // inside the second chunk: nothing more freed
  assert.equal(arena.allocatedBytes, 24 * KiB);
  arena.releaseBefore(12288);
  assert.equal(arena.allocatedBytes, 16 * KiB);
});

test("arena: releaseBefore keeps the views of later bytes valid", () => {
  const { arena, offsets } = threeChunks();
  arena.releaseBefore(offsets[2]);
  assert.deepEqual(arena.payload(offsets[2], 100), pattern(100, 3));
  // Appending afterwards still lands in the right place.
  const next = arena.append(pattern(50, 4));
  assert.equal(next, 12388);
  assert.deepEqual(arena.payload(next, 50), pattern(50, 4));
  assert.deepEqual(arena.payload(offsets[2], 100), pattern(100, 3));
  assert.equal(arena.allocatedBytes, 16 * KiB);
});

test("arena: views taken before releaseBefore keep their bytes", () => {
  const { arena, offsets } = threeChunks();
  const first = arena.payload(offsets[0], 4 * KiB);
  const second = arena.payload(offsets[1], 8 * KiB);
  arena.releaseBefore(offsets[2]);
  assert.deepEqual(first, pattern(4 * KiB, 1));
  assert.deepEqual(second, pattern(8 * KiB, 2));
});

test("arena: releaseBefore never frees the last chunk, which keeps taking appends", () => {
  const arena = new Arena();
  const a = arena.append(new Uint8Array([1, 2, 3]));
  arena.releaseBefore(1_000_000);
  assert.equal(arena.allocatedBytes, 4 * KiB);
  assert.deepEqual(arena.payload(a, 3), new Uint8Array([1, 2, 3]));
  const b = arena.append(new Uint8Array([4]));
  assert.equal(b, 3);
  assert.equal(arena.payload(b, 1).buffer, arena.payload(a, 3).buffer);
  assert.equal(arena.allocatedBytes, 4 * KiB);
});

test("arena: releaseBefore on an empty arena does nothing", () => {
  const arena = new Arena();
  arena.releaseBefore(100);
  assert.equal(arena.allocatedBytes, 0);
  assert.equal(arena.append(new Uint8Array([5])), 0);
  assert.deepEqual(arena.payload(0, 1), new Uint8Array([5]));
});

test("arena: rewind forgets the bytes appended since the mark and reuses their space", () => {
  const arena = new Arena();
  const a = arena.append(new Uint8Array([1, 2, 3]));
  const mark = arena.tail;
  assert.equal(arena.append(new Uint8Array([4, 5, 6, 7, 8])), 3);
  arena.rewind(mark);
  assert.equal(arena.tail, 3);
  const b = arena.append(new Uint8Array([9, 9]));
  assert.equal(b, 3);
  assert.equal(arena.tail, 5);
  assert.deepEqual(arena.payload(b, 2), new Uint8Array([9, 9]));
  assert.deepEqual(arena.payload(a, 3), new Uint8Array([1, 2, 3]));
  assert.equal(arena.allocatedBytes, 4 * KiB);
});

test("arena: rewind releases the chunks added since the mark", () => {
  const arena = new Arena(new SlabPool());
  const a = arena.append(pattern(4000, 1));
  const mark = arena.tail;
  arena.append(pattern(200, 2)); // new 8 KiB chunk
  arena.append(pattern(20000, 3)); // over the 16 KiB the next chunk would get: exactly 20000 bytes
  assert.equal(arena.allocatedBytes, 4 * KiB + 8 * KiB + 20000);
  arena.rewind(mark);
  assert.equal(arena.tail, 4000);
  assert.equal(arena.allocatedBytes, 4 * KiB);
  // The first chunk's free space is usable again.
  const b = arena.append(pattern(96, 4));
  assert.equal(b, 4000);
  const vb = arena.payload(b, 96);
  assert.equal(vb.buffer, arena.payload(a, 4000).buffer);
  assert.equal(vb.byteOffset, 4000);
  assert.deepEqual(vb, pattern(96, 4));
  assert.deepEqual(arena.payload(a, 4000), pattern(4000, 1));
  assert.equal(arena.allocatedBytes, 4 * KiB);
});

test("arena: rewind releases a chunk added since the mark even when it is the only chunk", () => {
  const arena = new Arena();
  const mark = arena.tail;
  arena.append(pattern(100, 1));
  assert.equal(arena.allocatedBytes, 4 * KiB);
  arena.rewind(mark);
  assert.equal(arena.tail, 0);
  assert.equal(arena.allocatedBytes, 0);
});

test("arena: rewind after clear releases the chunk added since the mark", () => {
  const arena = new Arena();
  arena.append(pattern(10, 1));
  arena.clear();
  const mark = arena.tail;
  arena.append(pattern(2 * 1024 * 1024, 2)); // a chunk of exactly 2 MiB
  arena.rewind(mark);
  assert.equal(arena.tail, 10);
  assert.equal(arena.allocatedBytes, 0);
});

test("arena: appends after rewinding a single-chunk arena land at the mark with their own bytes", () => {
  const arena = new Arena();
  const mark = arena.tail;
  arena.append(pattern(100, 1));
  arena.rewind(mark);
  const a = arena.append(pattern(5000, 2)); // larger than the first chunk
  const b = arena.append(pattern(30, 3));
  assert.deepEqual([a, b], [0, 5000]);
  assert.deepEqual(arena.payload(a, 5000), pattern(5000, 2));
  assert.deepEqual(arena.payload(b, 30), pattern(30, 3));
});

test("arena: rewind to the current tail changes nothing", () => {
  const arena = new Arena();
  const a = arena.append(new Uint8Array([1, 2]));
  arena.rewind(arena.tail);
  assert.equal(arena.tail, 2);
  assert.equal(arena.allocatedBytes, 4 * KiB);
  assert.equal(arena.append(new Uint8Array([3])), 2);
  assert.deepEqual(arena.payload(a, 3), new Uint8Array([1, 2, 3]));
});

test("arena: clear releases every chunk but logical offsets keep growing", () => {
  const arena = new Arena();
  arena.append(pattern(10, 1));
  arena.append(pattern(20, 2));
  arena.clear();
  assert.equal(arena.allocatedBytes, 0);
  assert.equal(arena.tail, 30);
  const at = arena.append(pattern(5, 3));
  assert.equal(at, 30);
  assert.equal(arena.tail, 35);
  assert.equal(arena.allocatedBytes, 4 * KiB);
  assert.deepEqual(arena.payload(at, 5), pattern(5, 3));
});

test("arena: after clear, the next chunk is a quarter of the last chunk, but at least 4 KiB", () => {
  const arena = new Arena();
  arena.append(pattern(64 * KiB, 1)); // one chunk of exactly 64 KiB
  arena.clear();
  arena.append(new Uint8Array([1]));
  assert.equal(arena.allocatedBytes, 16 * KiB);
  arena.clear();
  arena.append(new Uint8Array([2]));
  assert.equal(arena.allocatedBytes, 4 * KiB);
});

test("arena: clear on an empty arena leaves it empty and usable", () => {
  const arena = new Arena();
  arena.clear();
  assert.equal(arena.allocatedBytes, 0);
  assert.equal(arena.tail, 0);
  assert.equal(arena.append(new Uint8Array([8, 9])), 0);
  assert.deepEqual(arena.payload(0, 2), new Uint8Array([8, 9]));
  assert.equal(arena.allocatedBytes, 4 * KiB);
});

test("arena: views taken before clear keep their bytes", () => {
  const arena = new Arena();
  const at = arena.append(new Uint8Array([1, 2, 3]));
  const view = arena.payload(at, 3);
  arena.clear();
  arena.append(new Uint8Array([7, 7, 7]));
  assert.deepEqual(view, new Uint8Array([1, 2, 3]));
});

/** A source holding `payloads`, each after a 12-byte header of 0xee; its ranges as appendRanges takes them. */
function withHeaders(payloads: Uint8Array[]): {
  src: Uint8Array;
  starts: Float64Array;
  lengths: Uint32Array;
} {
  const src = new Uint8Array(payloads.reduce((n, p) => n + 12 + p.length, 5)).fill(0xee);
  const starts = new Float64Array(payloads.length);
  const lengths = new Uint32Array(payloads.length);
  let at = 5; // the ranges need not start at 0
  payloads.forEach((p, k) => {
    at += 12;
    src.set(p, at);
    starts[k] = at;
    lengths[k] = p.length;
    at += p.length;
  });
  return { src, starts, lengths };
}

test("arena: appendRanges copies the ranges one after the other, dropping what lies between them", () => {
  const arena = new Arena(new SlabPool());
  arena.append(pattern(10, 9));
  const payloads = [pattern(100, 1), new Uint8Array(0), pattern(7, 2), pattern(300, 3)];
  const { src, starts, lengths } = withHeaders(payloads);
  const offsets = new Float64Array(6);
  arena.appendRanges(src, starts, lengths, 0, 4, offsets, 2);
  assert.deepEqual([...offsets], [0, 0, 10, 110, 110, 117]);
  assert.equal(arena.tail, 417);
  payloads.forEach((p, k) => assert.deepEqual(arena.payload(offsets[2 + k], p.length), p));
  assert.deepEqual(arena.payload(0, 10), pattern(10, 9));
  assert.equal(arena.allocatedBytes, 4 * KiB);
});

test("arena: appendRanges starts a new chunk when the span of the ranges does not fit the current one", () => {
  const arena = new Arena(new SlabPool());
  arena.append(pattern(4000, 9));
  const payloads = [pattern(50, 1), pattern(60, 2)];
  const { src, starts, lengths } = withHeaders(payloads);
  const offsets = new Float64Array(2);
  arena.appendRanges(src, starts, lengths, 0, 2, offsets, 0);
  assert.deepEqual([...offsets], [4000, 4050]);
  assert.equal(arena.allocatedBytes, 4 * KiB + 8 * KiB);
  assert.equal(arena.payload(4000, 50).byteOffset, 4 * KiB, "at the start of the new chunk");
  payloads.forEach((p, k) => assert.deepEqual(arena.payload(offsets[k], p.length), p));
});

test("arena: appendRanges copies ranges spanning more than the largest chunk one by one", () => {
  const arena = new Arena(new SlabPool());
  const payloads = [pattern(200 * KiB, 1), pattern(100 * KiB, 2)];
  const { src, starts, lengths } = withHeaders(payloads);
  const offsets = new Float64Array(2);
  arena.appendRanges(src, starts, lengths, 0, 2, offsets, 0);
  assert.deepEqual([...offsets], [0, 200 * KiB]);
  payloads.forEach((p, k) => assert.deepEqual(arena.payload(offsets[k], p.length), p));
  // Each got a chunk as append gives one: 200 KiB alone, then 100 KiB in the next.
  assert.equal(arena.allocatedBytes, 200 * KiB + 256 * KiB);
});

/** Two arenas filled in turns from one pool of 64 KiB slabs, so that their chunks share slabs. */
function interleaved(): { pool: SlabPool; a: Arena; b: Arena } {
  const pool = new SlabPool(64 * KiB, 64 * KiB);
  const a = new Arena(pool);
  const b = new Arena(pool);
  for (let i = 0; i < 40; i++) {
    a.append(pattern(3000, i));
    b.append(pattern(3000, i + 1));
  }
  return { pool, a, b };
}

test("arena: clear copies the other arenas' chunks out of the slabs it leaves under half in use", () => {
  const { pool, a, b } = interleaved();
  a.clear();
  assert.ok(pool.bytesMoved > 0);
  b.clear();
});

test("arena: clear(false) copies nothing: arenas cleared together leave their slabs empty", () => {
  const { pool, a, b } = interleaved();
  const created = pool.slabsCreated;
  a.clear(false);
  b.clear(false);
  assert.equal(pool.bytesMoved, 0);
  assert.equal(pool.slabsCreated, created);
  a.append(pattern(10, 1)); // the pool still serves chunks
  assert.deepEqual(a.payload(a.tail - 10, 10), pattern(10, 1));
});
