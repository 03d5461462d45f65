/**
 * Reads payloads back from the wal files, for disk mode: given the file and
 * offset of a payload's first byte and its length, it reads the blocks that
 * hold it (synchronously, through a bounded cache of blocks), follows the
 * frames the way the walker does and checks their CRCs
 * (format/payload_frames.ts), going on into the next file when a record
 * crosses a file's end. What it returns is a copy: it stays valid whatever
 * happens to the files afterwards.
 *
 * A failed read is an `IoError` naming the file and the offset; bytes that
 * are no longer what was written (a file changed or damaged since) are a
 * `CorruptLogError` naming the file and the offset. Either way only that
 * read fails.
 *
 * @module
 */
import { BLOCK_SIZE } from "../format/constants.ts";
import type { Crc32 } from "../format/crc.ts";
import { PayloadFrames, PIECE_DAMAGED, PIECE_NEXT_BLOCK } from "../format/payload_frames.ts";
import { CorruptLogError, IoError } from "../errors.ts";
import type { WalDirectory, WalFile } from "./directory.ts";
import { walFileName } from "./file_name.ts";

/** Blocks per file at most (files of up to 4 GiB): block keys are `file * BLOCKS_PER_FILE + block`. */
const BLOCKS_PER_FILE = 2 ** 17;

/** The open wal files a reader reads from, by number (undefined: not open, e.g. deleted). */
export type OpenWalFile = (file: number) => WalFile | undefined;

/** Blocks read in one call at most when reads go through a file in order. */
const READ_AHEAD = 8;
/** Payloads read back up to 1/16 of this are cut from shared chunks of this size. */
const RESULT_CHUNK = 256 * 1024;

/** Wal files a reader keeps open at most (the least recently read is closed first). */
export const MAX_OPEN_FILES = 16;

/** A block read from a file, and the starts of the frames in it whose CRC was checked. */
interface CachedBlock {
  bytes: Uint8Array;
  checked: Set<number>;
  /** Whether a read used it (blocks read ahead start unused). */
  used: boolean;
}

/** Reads payloads back from the wal files of a directory. */
export class PayloadReader {
  readonly #dir: WalDirectory;
  readonly #files: OpenWalFile;
  /** Files this reader opened itself, least recently read first. */
  readonly #open = new Map<number, WalFile>();
  readonly #frames: PayloadFrames;
  readonly #maxBlocks: number;
  /** Cached blocks by key, least recently used first, with the starts of their frames checked. */
  readonly #cache = new Map<number, CachedBlock>();
  /** The key of the last block read from a file, and where blocks read ahead land first. */
  #lastRead = -2;
  /** The block returned last, and its key (-1: none). */
  #recentKey = -1;
  #recent: CachedBlock | undefined;
  /** Blocks to read ahead next time (halved when under half of the last ones were used, up to READ_AHEAD). */
  #ahead = READ_AHEAD;
  /** The keys of the blocks read ahead last: (#aheadFrom, #lastRead]. */
  #aheadFrom = -2;
  readonly #scratch = new Uint8Array(READ_AHEAD * BLOCK_SIZE);
  /** Where the small payloads read back are cut from (see #space). */
  #chunk = new ArrayBuffer(0);
  #chunkUsed = RESULT_CHUNK;
  #reads = 0;
  #blocks = 0;

  /**
   * A reader of the files of `dir`, keeping up to `cacheBytes` of blocks (at
   * least one block). It opens the files itself, read-only and when a read
   * needs them (the port's `openFileSync`), at most {@link MAX_OPEN_FILES}
   * at a time, and drops what it read of a file the directory removes or
   * replaces; `files` (for tests) hands it open files instead.
   */
  constructor(
    dir: WalDirectory,
    crc: Crc32,
    cacheBytes: number,
    files?: OpenWalFile,
  ) {
    this.#dir = dir;
    this.#files = files ?? ((n) => this.#openFile(n));
    dir.onFileChange((n) => this.forget(n));
    this.#frames = new PayloadFrames(crc);
    this.#maxBlocks = Math.max(1, Math.floor(cacheBytes / BLOCK_SIZE));
  }

  /** Reads from the files so far (cache misses; one read brings several blocks when reading ahead). */
  get blockReads(): number {
    return this.#reads;
  }

  /** Blocks read from the files so far (read ahead included). */
  get blocksRead(): number {
    return this.#blocks;
  }

  /**
   * The `length` bytes of the payload whose first byte is at `offset` of
   * wal file `file`, as a new array.
   */
  read(file: number, offset: number, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const out = this.#space(length);
    try {
      this.#readInto(out, file, offset, false);
    } catch (err) {
      // A block cached while the writer was still filling it may lack the frames read now:
      // read the blocks again once before calling it damage.
      if (!(err instanceof CorruptLogError)) throw err;
      this.#readInto(out, file, offset, true);
    }
    return out;
  }

  /**
   * A new array of `length` bytes for a payload read back: cut from a chunk
   * of {@link RESULT_CHUNK} bytes shared by small payloads (one allocation
   * for many reads; no part of a chunk is handed out twice, so a payload
   * stays as it was read for as long as it is held), or its own when large.
   */
  #space(length: number): Uint8Array {
    if (length > RESULT_CHUNK / 16) return new Uint8Array(length);
    if (this.#chunkUsed + length > RESULT_CHUNK) {
      this.#chunk = new ArrayBuffer(RESULT_CHUNK);
      this.#chunkUsed = 0;
    }
    const out = new Uint8Array(this.#chunk, this.#chunkUsed, length);
    this.#chunkUsed += length;
    return out;
  }

  /** Drops the cached blocks of `file` and closes it (deleted, or replaced). */
  forget(file: number): void {
    this.#recentKey = -1;
    for (const key of this.#cache.keys()) {
      if (Math.floor(key / BLOCKS_PER_FILE) === file) this.#cache.delete(key);
    }
    const handle = this.#open.get(file);
    if (handle !== undefined) {
      this.#open.delete(file);
      handle.close().catch(() => {}); // a read-only handle: nothing to lose
    }
  }

  /** Closes the files it opened. */
  async close(): Promise<void> {
    const handles = [...this.#open.values()];
    this.#open.clear();
    this.#cache.clear();
    this.#recentKey = -1;
    for (const handle of handles) await handle.close().catch(() => {});
  }

  /** Wal file `n`, opened read-only now if it is not open (closing the least recently read past the bound). */
  #openFile(n: number): WalFile | undefined {
    const open = this.#open;
    const known = open.get(n);
    if (known !== undefined) {
      open.delete(n);
      open.set(n, known);
      return known;
    }
    if (!this.#dir.fileNumbers().includes(n)) return undefined;
    const handle = this.#dir.openFileSync(n, "read");
    if (open.size >= MAX_OPEN_FILES) {
      const [oldest, file] = open.entries().next().value as [number, WalFile];
      open.delete(oldest);
      file.close().catch(() => {});
    }
    open.set(n, handle);
    return handle;
  }

  #readInto(out: Uint8Array, file: number, offset: number, fresh: boolean): void {
    const frames = this.#frames;
    let blockIndex = Math.floor(offset / BLOCK_SIZE);
    let cached = this.#block(file, blockIndex, fresh, offset);
    let block = cached.bytes;
    if (!frames.seek(block, offset - blockIndex * BLOCK_SIZE, cached.checked)) {
      throw this.#damage(file, offset, out.length, frames.problem);
    }
    let done = 0;
    for (;;) {
      const n = Math.min(out.length - done, frames.end - frames.start);
      out.set(block.subarray(frames.start, frames.start + n), done);
      done += n;
      if (done === out.length) return;
      if (!frames.more) {
        throw this.#damage(file, offset, out.length, `its record ends after ${done} bytes`);
      }
      let outcome = frames.next(block, false, cached.checked);
      if (outcome === PIECE_NEXT_BLOCK) {
        blockIndex++;
        if (blockIndex * BLOCK_SIZE >= this.#dir.sizeOf(file)) {
          file++;
          blockIndex = 0;
        }
        cached = this.#block(file, blockIndex, fresh, offset);
        block = cached.bytes;
        outcome = frames.next(block, true, cached.checked);
      }
      if (outcome === PIECE_DAMAGED) {
        throw this.#damage(file, offset, out.length, frames.problem);
      }
    }
  }

  /** Block `index` of `file`, from the cache or read now (`fresh`: read now in any case). */
  #block(file: number, index: number, fresh: boolean, payloadOffset: number): CachedBlock {
    const key = file * BLOCKS_PER_FILE + index;
    // Reads in order mostly stay in the block read last: no cache bookkeeping then.
    if (key === this.#recentKey && !fresh) return this.#recent!;
    const block = this.#cachedBlock(file, index, key, fresh, payloadOffset);
    this.#recentKey = key;
    this.#recent = block;
    return block;
  }

  #cachedBlock(
    file: number,
    index: number,
    key: number,
    fresh: boolean,
    payloadOffset: number,
  ): CachedBlock {
    const cache = this.#cache;
    const cached = cache.get(key);
    if (cached !== undefined) {
      cache.delete(key); // most recently used last
      if (!fresh) {
        cache.set(key, cached);
        cached.used = true;
        return cached;
      }
    }
    const handle = this.#files(file);
    const at = index * BLOCK_SIZE;
    if (handle === undefined) {
      throw new IoError(
        `read at offset ${at}`,
        this.#dir.filePath(file),
        new Error(
          `the file is not open (deleted?): a payload at offset ${payloadOffset} needs it`,
        ),
      );
    }
    // Reading through a file in order (the block after the last one read): read ahead.
    const blocksLeft = Math.ceil(this.#dir.sizeOf(file) / BLOCK_SIZE) - index;
    if (!fresh) this.#judgeReadAhead(key === this.#lastRead + 1);
    const count = fresh || key !== this.#lastRead + 1
      ? 1
      : Math.max(1, Math.min(this.#ahead, blocksLeft, this.#maxBlocks >> 2));
    const first = this.#vacant(key);
    if (count === 1) {
      const n = handle.readFullySync(first.bytes, at);
      if (n < BLOCK_SIZE) first.bytes.fill(0, n); // past the end: no frame there
    } else {
      const scratch = this.#scratch;
      const n = handle.readFullySync(scratch.subarray(0, count * BLOCK_SIZE), at);
      if (n < count * BLOCK_SIZE) scratch.fill(0, n, count * BLOCK_SIZE);
      first.bytes.set(scratch.subarray(0, BLOCK_SIZE));
      for (let k = 1; k < count; k++) {
        this.#vacant(key + k).bytes.set(scratch.subarray(k * BLOCK_SIZE, (k + 1) * BLOCK_SIZE));
      }
    }
    this.#reads++;
    this.#blocks += count;
    first.used = true;
    this.#aheadFrom = key;
    this.#lastRead = key + count - 1;
    return first;
  }

  /**
   * At a miss: reads fewer blocks ahead from now on when under half of the
   * blocks read ahead last time were used (the reads skip other queues'
   * blocks), more again when all of them were and reading goes on right
   * after them (`next`: the miss is the block after the last one read).
   */
  #judgeReadAhead(next: boolean): void {
    const from = this.#aheadFrom;
    const to = this.#lastRead;
    if (to <= from) return;
    let used = 0;
    for (let key = from + 1; key <= to; key++) if (this.#cache.get(key)?.used) used++;
    if (used * 2 < to - from) this.#ahead = Math.max(1, this.#ahead >> 1);
    else if (used === to - from && next) this.#ahead = Math.min(READ_AHEAD, this.#ahead * 2);
    this.#aheadFrom = to; // judged once
  }

  /** A cache entry for block `key`, emptied (the least recently used one when the cache is full). */
  #vacant(key: number): CachedBlock {
    const cache = this.#cache;
    let block = cache.get(key);
    if (block !== undefined) {
      cache.delete(key);
    } else if (cache.size >= this.#maxBlocks) {
      const oldest = cache.keys().next().value as number;
      block = cache.get(oldest)!;
      cache.delete(oldest);
      if (oldest === this.#recentKey) this.#recentKey = -1;
    } else {
      block = { bytes: new Uint8Array(BLOCK_SIZE), checked: new Set(), used: false };
    }
    block.checked.clear();
    block.used = false;
    cache.set(key, block);
    return block;
  }

  #damage(file: number, offset: number, length: number, problem: string): CorruptLogError {
    return new CorruptLogError(
      `the payload of ${length} bytes at offset ${offset} cannot be read back: ${problem}. ` +
        "The file changed after the log was opened (damage, or something else writing to it): " +
        "check the directory with `mrl verify` on a copy, and reopen the log",
      walFileName(file),
    );
  }
}
