/** Test helpers for the frame layer. */
import { BLOCK_SIZE } from "../../src/format/constants.ts";
import type { FrameSink } from "../../src/format/frame_writer.ts";

/** An in-memory FrameSink: a growable, zero-initialised buffer written from offset 0. */
export class MemorySink implements FrameSink {
  buffer: Uint8Array = new Uint8Array(1024);
  offset = 0;

  spaceInBlock(): number {
    return BLOCK_SIZE - (this.offset % BLOCK_SIZE);
  }

  reserve(n: number): number {
    if (n > this.spaceInBlock()) throw new Error(`reserve(${n}) crosses a block`);
    if (this.offset + n > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.offset + n, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, this.offset));
      this.buffer = grown;
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  /** The written bytes as whole blocks, the unwritten tail zero (as in a preallocated file). */
  blocks(): Uint8Array[] {
    const count = Math.max(1, Math.ceil(this.offset / BLOCK_SIZE));
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const block = new Uint8Array(BLOCK_SIZE);
      block.set(this.buffer.subarray(i * BLOCK_SIZE, Math.min(this.offset, (i + 1) * BLOCK_SIZE)));
      out.push(block);
    }
    return out;
  }
}

/** UTF-8 bytes of a string. */
export function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Deterministic filler bytes (a linear congruential sequence). */
export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** The parts, one after the other. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
