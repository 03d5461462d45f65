/**
 * The per-record arrays' memory: ordinary typed arrays when small; on V8
 * (Deno, Node), large ones sit on a resizable buffer of their own, which the
 * engine maps from the system and unmaps when collected.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  float64Array,
  MAX_OWN_BUFFERS,
  ownBufferCount,
  uint32Array,
} from "../../src/memory/record_arrays.ts";

const onV8 = !("Bun" in globalThis);
const resizable = (array: { buffer: ArrayBufferLike }) =>
  (array.buffer as { resizable?: boolean }).resizable === true;

test("record arrays: zeroed, of the length asked, small and large alike", () => {
  for (const length of [16, 8191, 8192, 100_000]) {
    const positions = float64Array(length);
    const sizes = uint32Array(length);
    assert.equal(positions.length, length);
    assert.equal(sizes.length, length);
    assert.equal(positions.every((x) => x === 0) && sizes.every((x) => x === 0), true);
    positions[length - 1] = 2 ** 53;
    sizes[length - 1] = 2 ** 32 - 1;
    assert.deepEqual([positions[length - 1], sizes[length - 1]], [2 ** 53, 2 ** 32 - 1]);
  }
});

test("record arrays: under 64 KiB, an ordinary buffer", () => {
  assert.equal(resizable(float64Array(8191)), false);
  assert.equal(resizable(uint32Array(16383)), false);
});

test("record arrays: from 64 KiB, a resizable buffer of exactly that size on V8, an ordinary one on Bun", () => {
  const positions = float64Array(8192);
  const sizes = uint32Array(16384);
  assert.equal(resizable(positions), onV8);
  assert.equal(resizable(sizes), onV8);
  assert.equal(positions.buffer.byteLength, 65536);
  if (onV8) {
    assert.equal((positions.buffer as unknown as { maxByteLength: number }).maxByteLength, 65536);
  }
});

test(
  "record arrays: past the budget of buffers of their own (mappings), large arrays are ordinary",
  {
    skip: onV8 ? undefined : "Bun gives every array an ordinary buffer",
  },
  () => {
    const held: Float64Array[] = [];
    while (ownBufferCount() < MAX_OWN_BUFFERS) held.push(float64Array(8192));
    const past = float64Array(8192);
    assert.equal(resizable(past), false);
    assert.equal(past.length, 8192);
    assert.equal(held.every(resizable), true);
  },
);
