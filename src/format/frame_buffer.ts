/**
 * A {@link FrameTarget} over a growable in-memory buffer that starts at offset 0
 * of a file: frames written to it follow the block layout of a fresh wal file.
 *
 * @module
 */
import { BLOCK_SIZE } from "./constants.ts";
import type { FrameTarget } from "./frame_writer.ts";

/** Frames of a whole new file, built in memory. */
export class FrameBuffer implements FrameTarget {
  buffer: Uint8Array;
  /** Bytes used: the file offset of the next byte. */
  length = 0;

  constructor(initial = 64 * 1024) {
    this.buffer = new Uint8Array(initial);
  }

  spaceInBlock(): number {
    return BLOCK_SIZE - (this.length % BLOCK_SIZE);
  }

  reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buffer.length) {
      const grown = new Uint8Array(Math.max(at + n, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
    }
    this.length = at + n;
    return at;
  }

  /** The bytes written so far. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
