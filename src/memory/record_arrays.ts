/**
 * Memory for a queue's per-record arrays (positions, offsets, sizes). Small
 * arrays are ordinary typed arrays. Large ones, where the engine is V8 (Deno,
 * Node), sit on a resizable `ArrayBuffer`: V8 maps those straight from the
 * system and unmaps them when they are collected, where an ordinary buffer
 * comes from the C allocator's heap and leaves a hole there that the
 * process keeps. A queue's arrays are replaced as it grows and shrinks, so
 * without this their old copies kept about twice the live size in the heap
 * after a truncation (w4).
 *
 * @module
 */
import { runtimeName } from "../ports/runtime.ts";

/** Arrays of at least this many bytes get a buffer of their own (64 KiB: 8192 positions). */
const OWN_BUFFER_BYTES = 64 * 1024;
/**
 * Buffers of their own alive at most: each is a mapping, and a process may
 * hold only so many (Linux's vm.max_map_count, 65530 by default), which the
 * payload slabs and the runtime need too. Past this, arrays are ordinary.
 */
export const MAX_OWN_BUFFERS = 3000;

const resizable = typeof (ArrayBuffer.prototype as { resize?: unknown }).resize === "function" &&
  runtimeName() !== "bun"; // JavaScriptCore keeps such memory like any other

let ownBuffers = 0;
const collected = new FinalizationRegistry<undefined>(() => {
  ownBuffers--;
});

/** Buffers of their own alive now (collected ones are counted out once the engine says so). */
export function ownBufferCount(): number {
  return ownBuffers;
}

/** A buffer of `bytes` bytes, zeroed, on its own mapping where that can be had. */
function buffer(bytes: number): ArrayBuffer {
  if (!resizable || bytes < OWN_BUFFER_BYTES || ownBuffers >= MAX_OWN_BUFFERS) {
    return new ArrayBuffer(bytes);
  }
  const Resizable = ArrayBuffer as unknown as new (
    length: number,
    options: { maxByteLength: number },
  ) => ArrayBuffer;
  let own: ArrayBuffer;
  try {
    own = new Resizable(bytes, { maxByteLength: bytes });
  } catch {
    return new ArrayBuffer(bytes); // no mapping to be had: the heap will do
  }
  ownBuffers++;
  collected.register(own, undefined);
  return own;
}

/** A Float64Array of `length` zeros. */
export function float64Array(length: number): Float64Array<ArrayBuffer> {
  return new Float64Array(buffer(length * 8));
}

/** A Uint32Array of `length` zeros. */
export function uint32Array(length: number): Uint32Array<ArrayBuffer> {
  return new Uint32Array(buffer(length * 4));
}
