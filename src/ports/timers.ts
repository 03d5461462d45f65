/**
 * Timers that do not keep the process alive: `unref()` on Node and Bun,
 * `Deno.unrefTimer` on Deno.
 *
 * @module
 */

/** Runs `fn` once after `ms` milliseconds unless cancelled; a pending run never keeps the process alive. Returns the cancel function. */
export function unrefTimeout(fn: () => void, ms: number): () => void {
  const handle: unknown = setTimeout(fn, ms);
  if (typeof handle === "number") {
    (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno?.unrefTimer?.(handle);
  } else {
    (handle as { unref?(): void }).unref?.();
  }
  return () => clearTimeout(handle as number);
}
