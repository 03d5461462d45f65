/**
 * Reads the blocks of all wal files in file-number order, several blocks per
 * read call. Only whole blocks count: a partial block at the end of a file is
 * ignored and reading moves on to the next file.
 *
 * Every port of this library reads synchronously, so there is nothing to
 * overlap a read with: one buffer, filled when its blocks are used up (no
 * read past what replay asks for, such as the preallocated rest of the last
 * file). Reads start at one block in each file and double up to the
 * blocks-per-read size: a small log costs one small read (reading 1 MiB of
 * the preallocated zeros was most of reopening an empty log), a large one
 * reaches full-size reads after a few.
 *
 * @module
 */
import { BLOCK_SIZE } from "../format/constants.ts";
import type { WalDirectory, WalFile } from "./directory.ts";

/** Blocks fetched per read call, unless told otherwise. */
const BLOCKS_PER_READ = 32;

/** Walks the blocks of a directory's wal files. */
export class RollingReader {
  readonly #dir: WalDirectory;
  readonly #files: readonly number[];
  /** The most blocks one read fetches. */
  readonly #maxBlocks: number;
  /** Blocks the next read of the current file fetches (doubles up to `#maxBlocks`). */
  #readBlocks = 1;
  #fileIndex = -1;
  #file: WalFile | undefined;
  /** The buffer whose blocks are handed out; grown as reads grow (a new directory needs none). */
  #buffer = new Uint8Array(0);
  /** Whole blocks in `#buffer` and the file offset of its first byte. */
  #bufferedBlocks = 0;
  #bufferOffset = 0;
  #nextInBuffer = 0;
  #fileExhausted = false;
  #openNumber = 0;

  /** The current block (valid after `take()` returned true). */
  block: Uint8Array = new Uint8Array(0);
  /** File number of the current block. */
  fileNumber: number;
  /** Index of the current block within its file. */
  blockIndex = -1;

  /**
   * Reads the wal files `files` of `dir` (ascending; default: all of them),
   * `blocksPerRead` blocks per read call.
   */
  constructor(
    dir: WalDirectory,
    options: { files?: readonly number[]; blocksPerRead?: number } = {},
  ) {
    this.#dir = dir;
    this.#files = options.files ?? dir.fileNumbers();
    this.#maxBlocks = options.blocksPerRead ?? BLOCKS_PER_READ;
    this.fileNumber = this.#files[0] ?? 0;
  }

  /**
   * Moves to the next block if it is already read (no I/O); false when the
   * caller must await {@link fill} first.
   */
  take(): boolean {
    if (this.#nextInBuffer >= this.#bufferedBlocks) return false;
    const i = this.#nextInBuffer++;
    this.block = this.#buffer.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE);
    this.blockIndex = this.#bufferOffset / BLOCK_SIZE + i;
    this.fileNumber = this.#openNumber;
    return true;
  }

  /**
   * Reads the next blocks (opening the next file when one is used up), for
   * {@link take}; resolves false when no file has one left (then `block`,
   * `fileNumber` and `blockIndex` still describe the last block). The
   * previous blocks' bytes may be overwritten.
   */
  async fill(): Promise<boolean> {
    for (;;) {
      if (this.#nextInBuffer < this.#bufferedBlocks) return true;
      if (this.#file !== undefined && !this.#fileExhausted) {
        await this.#fill();
        continue;
      }
      if (!(await this.#openNextFile())) return false;
    }
  }

  /** Closes the file being read. */
  async close(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    if (file !== undefined) await file.close();
  }

  async #fill(): Promise<void> {
    const offset = this.#bufferOffset + this.#bufferedBlocks * BLOCK_SIZE;
    const size = this.#readBlocks * BLOCK_SIZE;
    if (this.#buffer.length < size) this.#buffer = new Uint8Array(size);
    const n = await this.#file!.readFully(this.#buffer.subarray(0, size), offset);
    this.#bufferOffset = offset;
    this.#bufferedBlocks = Math.floor(n / BLOCK_SIZE);
    this.#nextInBuffer = 0;
    if (n < size) this.#fileExhausted = true;
    this.#readBlocks = Math.min(this.#readBlocks * 2, this.#maxBlocks);
  }

  async #openNextFile(): Promise<boolean> {
    await this.close();
    if (this.#fileIndex + 1 >= this.#files.length) return false;
    this.#fileIndex++;
    const n = this.#files[this.#fileIndex];
    this.#file = await this.#dir.openFile(n, "read");
    // Opens settle the file size first (file_size.ts), which records every file's size: read it only if not.
    if (this.#dir.knownSize(n) === undefined) this.#dir.setSize(n, await this.#file.size());
    this.#readBlocks = 1;
    this.#openNumber = n;
    this.#bufferOffset = 0;
    this.#bufferedBlocks = 0;
    this.#nextInBuffer = 0;
    this.#fileExhausted = false;
    return true;
  }
}
