/**
 * Memory for the segments of a queue's record table (`record_table.ts`).
 * Small buffers are ordinary. Large ones, where the engine is V8 (Deno,
 * Node), are resizable `ArrayBuffer`s (never resized): V8 maps those
 * straight from the system and unmaps them when they are collected, where
 * an ordinary buffer comes from the C allocator's heap and leaves a hole
 * there that the process keeps. A truncation drops segments, so without
 * this the heap kept their memory (w4 after truncating half: 1.34-1.36x
 * with segments on the heap, against a 1.3x target).
 *
 * @module
 */
import { runtimeName } from "../ports/runtime.ts";

/** Buffers of at least this many bytes are on a mapping of their own. */
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
export function recordBuffer(bytes: number): ArrayBuffer {
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
