/** What the crash test's child writes at each position: checkable without the child. */

/** The queues the child appends to. */
export const CRASH_QUEUES = ["q0", "q1", "q2", "q3"];

/** The payload of `queue` at `position`. */
export function crashPayload(queue: string, position: number): Uint8Array {
  const size = 16 + ((position * 97 + queue.charCodeAt(1) * 13) % 3000);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, position);
  out[4] = queue.charCodeAt(1);
  for (let i = 5; i < size; i++) out[i] = (position * 31 + i) & 0xff;
  return out;
}
