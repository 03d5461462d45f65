/**
 * The record table's segment memory: ordinary buffers when small; on V8
 * (Deno, Node), large ones are resizable buffers of their own, which the
 * engine maps from the system and unmaps when collected.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_OWN_BUFFERS, ownBufferCount, recordBuffer } from "../../src/memory/record_arrays.ts";

const onV8 = !("Bun" in globalThis);
const resizable = (buffer: ArrayBufferLike) =>
  (buffer as { resizable?: boolean }).resizable === true;

test("record buffers: zeroed, of the size asked, small and large alike", () => {
  for (const bytes of [320, 65535, 65536, 81920]) {
    const buffer = recordBuffer(bytes);
    assert.equal(buffer.byteLength, bytes);
    assert.equal(new Uint8Array(buffer).every((x) => x === 0), true);
  }
});

test("record buffers: under 64 KiB, an ordinary buffer", () => {
  assert.equal(resizable(recordBuffer(65535)), false);
});

test("record buffers: from 64 KiB, a resizable buffer of exactly that size on V8, an ordinary one on Bun", () => {
  const buffer = recordBuffer(81920);
  assert.equal(resizable(buffer), onV8);
  if (onV8) assert.equal((buffer as unknown as { maxByteLength: number }).maxByteLength, 81920);
});

test(
  "record buffers: past the budget of buffers of their own (mappings), large ones are ordinary",
  {
    skip: onV8 ? undefined : "Bun gives every buffer an ordinary one",
  },
  () => {
    const held: ArrayBuffer[] = [];
    while (ownBufferCount() < MAX_OWN_BUFFERS) held.push(recordBuffer(65536));
    const past = recordBuffer(65536);
    assert.equal(resizable(past), false);
    assert.equal(past.byteLength, 65536);
    assert.equal(held.every(resizable), true);
  },
);
