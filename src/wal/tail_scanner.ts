/**
 * Looks past the end of the log for bytes replay does not read.
 *
 * Replay stops at the first frame header of seven zero bytes (docs/FORMAT.md,
 * "End of the log" and "Bytes after the end") and skips a partial block at
 * the end of a file.
 * In a healthy log everything it does not read is zeros: the preallocated
 * rest of the last file, and nothing else (files end on block boundaries,
 * and no file follows the one the log ends in). Any non-zero byte there is
 * damage: a zeroed block or frame header that cut the log short, or a file
 * cut inside a block. This module finds those bytes, read-only; replay
 * reports them, and a writable open keeps them (`salvage.ts`) before the
 * writer cuts or reuses that space.
 *
 * What is scanned, given the point where replay ended (`end`):
 * - files before `end.fileNumber`: their trailing partial block, if any;
 * - file `end.fileNumber`: from `end.offset` to its end;
 * - later files: all of them.
 *
 * The cost is one extra read of the rest of the last file (mostly zeros,
 * checked four bytes at a time), plus one open per later file; where the
 * file system's count of allocated storage shows that the rest holds no
 * data, only the rest of the block where the log ends (see `dataEnd`).
 *
 * A read-only open takes no lock, so the log's writer may append while it
 * runs: bytes appended after replay read the end are not damage (see
 * `grewAfterReplay`).
 *
 * @module
 */
import { BLOCK_SIZE } from "../format/constants.ts";
import type { Crc32 } from "../format/crc.ts";
import { FrameReader } from "../format/frame_reader.ts";
import { countFrames, HEADER_BYTES, nextFrameAt, searchFrames } from "./walker.ts";
import type { WalDirectory, WalFile } from "./directory.ts";
import type { WritePosition } from "./rolling_writer.ts";

/** Blocks read per call. */
const BLOCKS_PER_READ = 32;
const EMPTY = new Uint8Array(0);

/** Non-zero bytes in one wal file that replay does not read. */
export interface UnreadBytes {
  /** The wal file. */
  fileNumber: number;
  /** Offset of the first non-zero byte. */
  offset: number;
  /** Bytes from `offset` to the last non-zero byte, inclusive. */
  length: number;
  /** Frames in that range whose checksum matches. */
  frames: number;
  /** True when every one of those bytes lies in the file's trailing partial block. */
  partialBlock: boolean;
}

/**
 * Finds, file by file, the non-zero bytes replay did not read when it ended
 * at `end` (see the module documentation for what is scanned). Needs the
 * sizes of the files before `end.fileNumber` to be known to `dir` (replay's
 * reader records them); opens the others. Changes nothing.
 */
export async function scanUnreadBytes(
  dir: WalDirectory,
  end: WritePosition,
  crc: Crc32,
): Promise<UnreadBytes[]> {
  const found: UnreadBytes[] = [];
  const scanner = new RegionScanner(crc);
  for (const n of dir.fileNumbers()) {
    if (n < end.fileNumber) {
      const size = dir.sizeOf(n);
      const partial = size % BLOCK_SIZE;
      if (partial === 0) continue;
      const file = await dir.openFile(n, "read");
      try {
        const hit = await scanner.scan(file, size - partial, size, false);
        if (hit !== undefined) found.push(hit);
      } finally {
        await file.close();
      }
      continue;
    }
    const file = await dir.openFile(n, "read");
    try {
      const size = await file.size();
      if (n === end.fileNumber && await grewAfterReplay(file, end.offset, size)) continue;
      const from = n === end.fileNumber ? end.offset : 0;
      const readEnd = await dataEnd(file, from, size);
      // Where the log ended mid-block, the frames after the end are found by searching.
      const hit = await scanner.scan(file, from, size, n === end.fileNumber, readEnd);
      // Checked again: the writer may have appended between the check above and the scan.
      if (hit === undefined) continue;
      if (n === end.fileNumber && await grewAfterReplay(file, end.offset, size)) continue;
      found.push(hit);
    } finally {
      await file.close();
    }
  }
  return found;
}

/**
 * Files of this size or more are large enough that the file system cannot
 * keep their bytes inside the inode (ext4's inline data), where no block is
 * counted; smaller ones are read, which costs little.
 */
const MIN_SKIPPED_SIZE = 64 * 1024;

/**
 * Where the bytes of the file that may not be zero end, by the storage the
 * file system allocated to it: when the blocks holding the bytes before
 * `from` account for all of it, nothing lies past the block holding `from`
 * (the preallocated rest of the last file is a hole, most of a 128 MiB file,
 * which would otherwise be read as zeros at every open). `size` where the
 * port or the file system cannot tell (see `FileHandle.allocation`).
 */
async function dataEnd(file: WalFile, from: number, size: number): Promise<number> {
  if (size < MIN_SKIPPED_SIZE) return size;
  const allocation = await file.allocation();
  if (allocation === undefined) return size;
  const { bytes, blockSize } = allocation;
  const endOfBlock = Math.ceil(from / blockSize) * blockSize;
  return bytes <= endOfBlock ? Math.min(size, endOfBlock) : size;
}

/**
 * True when the frame header where the next frame after `end` would start
 * (the next block when fewer than 7 bytes are left in this one) lies in
 * whole blocks and is no longer zero. Replay saw zeros there, or it would
 * have read on: so the log's writer appended after replay read the end,
 * which only a read-only open (no lock) running beside the writer can see.
 * What follows is then new data, not damage, and is not scanned.
 */
async function grewAfterReplay(file: WalFile, end: number, size: number): Promise<boolean> {
  const at = nextFrameAt(end);
  if (at + HEADER_BYTES > size - (size % BLOCK_SIZE)) return false;
  const header = new Uint8Array(HEADER_BYTES);
  const n = await file.readFully(header, at);
  return n === HEADER_BYTES && header.some((b) => b !== 0);
}

/** Scans one range of one file; keeps its buffer from call to call. */
class RegionScanner {
  readonly #frames: FrameReader;
  /** Allocated by the first scan: most opens scan nothing (a new directory, a log that ends its file). */
  #buffer = EMPTY;
  #words = new Int32Array(0);

  constructor(crc: Crc32) {
    this.#frames = new FrameReader(crc);
  }

  /**
   * Scans `[from, size)` of `file`. Frames are counted block by block as a
   * reader would walk them (from the block start, stepping over frames with
   * a bad checksum, stopping at a bad or zero header); in the block holding
   * `from` when `search` is set, by trying every byte offset instead, since
   * the frame boundaries there are unknown. Bytes from `readEnd` on are
   * known to be zeros and are not read.
   */
  async scan(
    file: WalFile,
    from: number,
    size: number,
    search: boolean,
    readEnd = size,
  ): Promise<UnreadBytes | undefined> {
    if (from >= readEnd) return undefined;
    if (this.#buffer.length === 0) {
      this.#buffer = new Uint8Array(BLOCK_SIZE * BLOCKS_PER_READ);
      this.#words = new Int32Array(this.#buffer.buffer);
    }
    const buffer = this.#buffer;
    let first = -1;
    let last = -1;
    let frames = 0;
    for (let chunk = from - (from % BLOCK_SIZE); chunk < readEnd; chunk += buffer.length) {
      const want = Math.min(buffer.length, readEnd - chunk);
      const n = await file.readFully(
        want === buffer.length ? buffer : buffer.subarray(0, want),
        chunk,
      );
      if (n <= 0) break;
      // A partial block reads as if the rest were zeros: frames crossing its end do not check out.
      const blocksEnd = Math.min(buffer.length, Math.ceil(n / BLOCK_SIZE) * BLOCK_SIZE);
      buffer.fill(0, n, blocksEnd);
      for (let b = 0; b < blocksEnd; b += BLOCK_SIZE) {
        const blockStart = chunk + b;
        const lo = Math.max(from - blockStart, 0);
        const hi = Math.min(BLOCK_SIZE, n - b);
        if (hi <= lo) continue;
        if (lo === 0 && hi === BLOCK_SIZE && this.#zeroWords(b >> 2, (b + BLOCK_SIZE) >> 2)) {
          continue;
        }
        const at = this.#firstNonZero(b + lo, b + hi);
        if (at < 0) continue;
        if (first < 0) first = chunk + at;
        last = chunk + this.#lastNonZero(at, b + hi);
        const block = buffer.subarray(b, b + BLOCK_SIZE);
        const holdsFrom = blockStart <= from && from < blockStart + BLOCK_SIZE;
        frames += search && holdsFrom ? this.#searchFrames(block, lo) : this.#walkFrames(block, lo);
      }
      if (n < buffer.length) break;
    }
    if (first < 0) return undefined;
    return {
      fileNumber: file.number,
      offset: first,
      length: last - first + 1,
      frames,
      partialBlock: first >= size - (size % BLOCK_SIZE),
    };
  }

  /** Frames with a good checksum met walking `block` from `start`, as replay would. */
  #walkFrames(block: Uint8Array, start: number): number {
    return countFrames(this.#frames, block, start);
  }

  /** Frames with a good checksum found by trying each offset of `block` from `start`. */
  #searchFrames(block: Uint8Array, start: number): number {
    return searchFrames(this.#frames, block, start);
  }

  /** True when the 32-bit words `[from, to)` of the buffer are all zero (`to - from` a multiple of 8): the fast path for the zeros of a preallocated file. */
  #zeroWords(from: number, to: number): boolean {
    const w = this.#words;
    for (let i = from; i < to; i += 8) {
      if (
        (w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7]) !== 0
      ) {
        return false;
      }
    }
    return true;
  }

  /** Index of the first non-zero byte of `buffer[lo, hi)`, or -1. */
  #firstNonZero(lo: number, hi: number): number {
    const buffer = this.#buffer;
    let i = lo;
    for (; i < hi && (i & 3) !== 0; i++) if (buffer[i] !== 0) return i;
    if (i >= hi) return -1;
    const words = this.#words;
    const wordEnd = hi >> 2;
    let w = i >> 2;
    while (w < wordEnd && words[w] === 0) w++;
    for (i = w << 2; i < hi; i++) if (buffer[i] !== 0) return i;
    return -1;
  }

  /** Index of the last non-zero byte of `buffer[at, hi)`, given that `buffer[at]` is non-zero. */
  #lastNonZero(at: number, hi: number): number {
    const buffer = this.#buffer;
    let i = hi;
    while (i > at && (i & 3) !== 0) {
      i--;
      if (buffer[i] !== 0) return i;
    }
    const words = this.#words;
    const minWord = (at >> 2) + 1;
    let w = i >> 2;
    while (w > minWord && words[w - 1] === 0) w--;
    for (i = (w << 2) - 1; i > at; i--) if (buffer[i] !== 0) return i;
    return at;
  }
}
