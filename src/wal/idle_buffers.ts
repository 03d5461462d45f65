/**
 * Staging buffers of closed writers, kept for the next writer opened in this
 * process. A fresh buffer costs a page fault per 4 KiB the first time it is
 * filled (1.2-1.6 ms per 4 MiB on this project's machine) and copies while it
 * grows; a reused one has its pages mapped already. At most
 * {@link IDLE_LIMIT} bytes are kept, largest buffers first.
 *
 * @module
 */

/** Bytes of idle buffers kept at most. */
export const IDLE_LIMIT = 16 * 1024 * 1024;

const idle: Uint8Array[] = [];
let idleBytes = 0;

/** An idle buffer of at least `min` bytes (the largest), or a new one of `min` bytes. */
export function takeBuffer(min: number): Uint8Array {
  if (idle.length > 0 && idle[0].length >= min) {
    const buffer = idle.shift()!;
    idleBytes -= buffer.length;
    return buffer;
  }
  return new Uint8Array(min);
}

/**
 * Keeps `buffer` for a later {@link takeBuffer}; the caller must hold no
 * view of it. Dropped when the idle buffers would pass {@link IDLE_LIMIT}
 * without it being larger than one of them (which then goes).
 */
export function giveBuffer(buffer: Uint8Array): void {
  if (buffer.length > IDLE_LIMIT) return;
  idle.push(buffer);
  idle.sort((a, b) => b.length - a.length);
  idleBytes += buffer.length;
  while (idleBytes > IDLE_LIMIT) idleBytes -= idle.pop()!.length;
}

/** Bytes held by idle buffers. */
export function idleBufferBytes(): number {
  return idleBytes;
}

/** Drops every idle buffer. */
export function dropIdleBuffers(): void {
  idle.length = 0;
  idleBytes = 0;
}
