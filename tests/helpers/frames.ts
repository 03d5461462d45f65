/** Test helpers for the frame layer. */
import { BLOCK_SIZE } from "../../src/format/constants.ts";
import { FrameBuffer } from "../../src/format/frame_buffer.ts";

/**
 * The log's own in-memory frame buffer (src/format/frame_buffer.ts), written from
 * offset 0, made strict for tests: a reservation that crosses a block end
 * throws, and memory not yet reserved holds `fill` (0 by default, as in a
 * preallocated file; another value shows bytes the writer forgot to write).
 */
export class MemorySink extends FrameBuffer {
  readonly #fill: number;

  constructor(fill = 0) {
    super(1024);
    this.#fill = fill;
    this.buffer.fill(fill);
  }

  override reserve(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n > this.spaceInBlock()) {
      throw new Error(`reserve(${n}) with ${this.spaceInBlock()} bytes left in the block`);
    }
    const before = this.buffer;
    const at = super.reserve(n);
    if (this.buffer !== before) this.buffer.fill(this.#fill, at); // grown: the new memory is zeroed
    return at;
  }

  /** Moves to `offset` as if that many bytes had been written (holding the fill byte). */
  skipTo(offset: number): void {
    while (this.length < offset) this.reserve(Math.min(offset - this.length, this.spaceInBlock()));
  }

  /** The written bytes as whole blocks, the unwritten tail zero (as in a preallocated file). */
  blocks(): Uint8Array[] {
    const count = Math.max(1, Math.ceil(this.length / BLOCK_SIZE));
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const block = new Uint8Array(BLOCK_SIZE);
      block.set(this.buffer.subarray(i * BLOCK_SIZE, Math.min(this.length, (i + 1) * BLOCK_SIZE)));
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
