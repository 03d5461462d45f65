/** Payloads the shipping tests append, and the check of what a stream holds (not a test itself). */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";

/** The payload of position `position`: `size` bytes, the position first (big-endian), then a pattern of it. */
export function payloadOf(position: number, size = 64): Uint8Array {
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, position);
  for (let i = 4; i < size; i++) out[i] = (position * 31 + i) & 0xff;
  return out;
}

/** `count` payloads from position `first` on. */
export function payloads(first: number, count: number, size = 64): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => payloadOf(first + i, size));
}

/**
 * Asserts that `messages` are the records 0..count-1 of a queue shipped with
 * `prefix`, each once, in position order, with their payloads.
 */
export function assertEachOnceInOrder(
  messages: { id: string | undefined; payload: Uint8Array }[],
  count: number,
  prefix: string,
  size = 64,
): void {
  assert.equal(messages.length, count);
  assert.deepEqual(
    messages.map((m) => m.id),
    Array.from({ length: count }, (_, i) => `${prefix}:${i}`),
  );
  const wrong = messages.flatMap((m, i) =>
    Buffer.compare(Buffer.from(m.payload), Buffer.from(payloadOf(i, size))) === 0 ? [] : [i]
  );
  assert.deepEqual(wrong, []);
}
