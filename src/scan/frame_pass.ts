/**
 * One pass over the frames of a log's wal files, record by record, with
 * bounded memory: one chunk buffer (4 MiB) and the record being assembled.
 * It reads as replay does (`replay/recovery.ts`: the same frame reader, record
 * assembler and decoder, and the same damage reports at the same offsets)
 * but hands each record to its caller instead of loading it.
 *
 * The loop is synchronous: {@link FramePass.next} returns {@link RECORD}
 * for each record, or {@link NEED_INPUT} when the caller must await
 * {@link FramePass.fill} (one read), so callers pay no promise per record.
 *
 * A pass may start at any wal file (the frames of a record begun in the
 * file before are then ignored, as at the start of a log whose first files
 * were deleted) and stop at a given point (where an earlier pass found the
 * end), which is how a second pass reads what a first one planned.
 *
 * @module
 */
import { QueueNameDecoder } from "../format/queue_name_decoder.ts";
import { fileGap } from "../wal/file_gap.ts";
import { walFileName } from "../wal/file_name.ts";
import type { WalDirectory, WalFile } from "../wal/directory.ts";
import type { WritePosition } from "../wal/rolling_writer.ts";
import { BLOCK_SIZE, FRAME_FIRST, FRAME_FULL, FRAME_HEADER_SIZE } from "../format/constants.ts";
import type { Crc32 } from "../format/crc.ts";
import {
  FRAME_BAD_BLOCK,
  FRAME_BAD_CRC,
  FRAME_END_OF_BLOCK,
  FRAME_END_OF_LOG,
  FrameReader,
} from "../format/frame_reader.ts";
import { DecodedRecord, decodeRecord } from "../format/record.ts";
import { RecordAssembler } from "../format/record_assembler.ts";
import { type FileGapIssue, type FrameIssue, MAX_LISTED_ISSUES } from "../types.ts";

/** {@link FramePass.next}: await {@link FramePass.fill}, then call `next()` again. */
export const NEED_INPUT = 0;
/** {@link FramePass.next}: a record is ready (`record`, `decoded`, `queue`, ...). */
const RECORD = 1;
/** {@link FramePass.next}: the pass is over (`end` says where the log ends). */
export const DONE = 2;

/** Blocks per read: 4 MiB. */
const BLOCKS_PER_READ = 128;

/** Damage a pass meets, with its totals. */
export interface FrameIssues {
  listed: (FrameIssue | FileGapIssue)[];
  count: number;
}

/** Walks the records of wal files `files` (ascending) of `dir`. */
export class FramePass {
  readonly #dir: WalDirectory;
  readonly #files: readonly number[];
  readonly #stop: WritePosition | undefined;
  readonly #frames: FrameReader;
  readonly #assembler = new RecordAssembler();
  readonly #names = new QueueNameDecoder();
  readonly #buffer = new Uint8Array(BLOCK_SIZE * BLOCKS_PER_READ);
  #fileIndex = -1;
  #file: WalFile | undefined;
  #chunkOffset = 0;
  #chunkBlocks = 0;
  #fileDone = true;
  /** Index in the chunk of the current block; -1 before the first. */
  #blockInChunk = -1;
  #block = new Uint8Array(0);
  #haveBlock = false;
  #badBlock = false;
  #finished = false;
  /** The file of the previous block (-1 before the first), and the last gap crossed. */
  #lastBlockFile = -1;
  #gap: FileGapIssue | undefined;
  #pendingItems = 0;
  #beginFile = 0;
  #beginOffset = 0;
  /** File number and file offset of the current block. */
  #blockFile: number;
  #blockBase = 0;

  /** Damage met (only when reporting). */
  readonly issues: FrameIssues = { listed: [], count: 0 };
  readonly #reporting: boolean;
  /** Frames with a good checksum, per file number. */
  readonly goodFrames = new Map<number, number>();
  /** Files in which something other than the end-of-log zeros was met. */
  readonly sawData = new Set<number>();
  /** AppendRecords items of the records before the current one (log order). */
  seq: number;
  /** Per file: `seq` when its first record began (a second pass starting there begins with it). */
  readonly fileStartSeq = new Map<number, number>();
  /** Where the log ends, once `next()` returned DONE. */
  end: WritePosition;

  /** The current record (valid until the next `next()`). */
  record: Uint8Array = new Uint8Array(0);
  /** Its decoded header. */
  readonly decoded = new DecodedRecord();
  /** Its queue name. */
  queue = "";
  /** File number and offset of its first frame. */
  recordFile = 0;
  recordOffset = 0;
  #nameOf = -1;
  #name = "";

  constructor(
    dir: WalDirectory,
    crc: Crc32,
    files: readonly number[],
    options: { stopAt?: WritePosition; firstSeq?: number; report?: boolean } = {},
  ) {
    this.#dir = dir;
    this.#files = files;
    this.#frames = new FrameReader(crc);
    this.#stop = options.stopAt;
    this.seq = options.firstSeq ?? 0;
    this.#reporting = options.report ?? true;
    this.end = { fileNumber: files[0] ?? 0, offset: 0 };
    this.#blockFile = files[0] ?? 0;
  }

  /** The name of the wal file of `recordFile` (made once per file, not per record). */
  get recordFileName(): string {
    if (this.#nameOf !== this.recordFile) {
      this.#nameOf = this.recordFile;
      this.#name = walFileName(this.recordFile);
    }
    return this.#name;
  }

  /** The file number of the block being read (the first file's before any). */
  get fileNumber(): number {
    return this.#blockFile;
  }

  /** Advances to the next record: {@link RECORD}, {@link NEED_INPUT} or {@link DONE}. */
  next(): number {
    if (this.#finished) return DONE;
    this.seq += this.#pendingItems;
    this.#pendingItems = 0;
    const frames = this.#frames;
    const assembler = this.#assembler;
    for (;;) {
      if (!this.#haveBlock || this.#badBlock || frames.cursor > BLOCK_SIZE - FRAME_HEADER_SIZE) {
        if (this.#blockInChunk + 1 >= this.#chunkBlocks) return NEED_INPUT;
        this.#blockInChunk++;
        const start = this.#blockInChunk * BLOCK_SIZE;
        this.#block = this.#buffer.subarray(start, start + BLOCK_SIZE);
        this.#blockFile = this.#files[this.#fileIndex];
        if (this.#blockFile !== this.#lastBlockFile) {
          this.#crossGap(this.#lastBlockFile, this.#blockFile);
          this.#lastBlockFile = this.#blockFile;
        }
        this.#blockBase = this.#chunkOffset + start;
        this.#haveBlock = true;
        this.#badBlock = false;
        frames.cursor = 0;
      }
      const frameAt = frames.cursor;
      const here = this.#blockBase + frameAt;
      const stop = this.#stop;
      if (stop !== undefined && this.fileNumber === stop.fileNumber && here >= stop.offset) {
        return this.#finish({ fileNumber: stop.fileNumber, offset: stop.offset });
      }
      const outcome = frames.read(this.#block);
      if (outcome === FRAME_END_OF_LOG) {
        return this.#finish({ fileNumber: this.fileNumber, offset: here });
      }
      if (outcome === FRAME_END_OF_BLOCK) continue;
      this.sawData.add(this.fileNumber);
      if (outcome === FRAME_BAD_BLOCK || outcome === FRAME_BAD_CRC) {
        this.#badBlock = outcome === FRAME_BAD_BLOCK;
        this.#issue(this.#badBlock ? "bad-frame" : "bad-checksum", here);
        if (assembler.reset()) this.#issue("unterminated-record", here);
        continue;
      }
      const type = frames.type;
      const file = this.fileNumber;
      this.goodFrames.set(file, (this.goodFrames.get(file) ?? 0) + 1);
      if (type === FRAME_FULL || type === FRAME_FIRST) {
        if (!this.fileStartSeq.has(file)) this.fileStartSeq.set(file, this.seq);
        this.#beginFile = file;
        this.#beginOffset = here;
      }
      const record = assembler.push(type, this.#block, frames.payloadStart, frames.payloadEnd);
      if (assembler.interrupted) this.#issue("unterminated-record", here);
      // The log may start inside a record whose first frames were in deleted files: no damage.
      if (assembler.orphan) this.#issue("orphan-frame", here);
      else if (assembler.continued && assembler.afterBreak && this.#gap) this.#gap.frames++;
      if (record === undefined) continue;
      const decoded = this.decoded;
      if (!decodeRecord(record, decoded)) {
        this.#issue("malformed-record", here);
        continue;
      }
      const name = this.#names.decode(record, decoded.queueStart, decoded.queueEnd);
      if (name === undefined) {
        this.#issue("malformed-record", here);
        continue;
      }
      this.record = record;
      this.queue = name;
      this.recordFile = this.#beginFile;
      this.recordOffset = this.#beginOffset;
      this.#pendingItems = decoded.itemCount;
      return RECORD;
    }
  }

  /** Reads the next chunk (opening the next file when one is read); after it, call `next()`. */
  async fill(): Promise<void> {
    for (;;) {
      if (this.#file !== undefined && !this.#fileDone) {
        const offset = this.#chunkOffset + this.#chunkBlocks * BLOCK_SIZE;
        const n = await this.#file.readFully(this.#buffer, offset);
        if (n < this.#buffer.length) this.#fileDone = true;
        const blocks = Math.floor(n / BLOCK_SIZE);
        if (blocks === 0) continue;
        this.#chunkOffset = offset;
        this.#chunkBlocks = blocks;
        this.#blockInChunk = -1;
        return;
      }
      await this.close();
      if (this.#fileIndex + 1 >= this.#files.length) {
        // Out of blocks. After a bad block, the end is the next block (new frames never land in
        // a block a reader skips), as replay says.
        const cursor = !this.#haveBlock ? 0 : this.#badBlock ? BLOCK_SIZE : this.#frames.cursor;
        const offset = this.#haveBlock ? this.#blockBase + cursor : 0;
        this.#finish({ fileNumber: this.fileNumber, offset });
        return;
      }
      this.#fileIndex++;
      const number = this.#files[this.#fileIndex];
      if (this.#stop !== undefined && number > this.#stop.fileNumber) {
        this.#fileIndex--;
        this.#finish({ ...this.#stop });
        return;
      }
      this.#file = await this.#dir.openFile(number, "read");
      this.#fileDone = false;
      this.#chunkOffset = 0;
      this.#chunkBlocks = 0;
      this.#blockInChunk = -1;
    }
  }

  /** Closes the file being read (the pass may be abandoned at any point). */
  async close(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    if (file !== undefined) await file.close();
  }

  #finish(end: WritePosition): number {
    this.end = end;
    this.#finished = true;
    return DONE;
  }

  /**
   * Reading moves on from a block of file `from` to one of file `to`: across
   * a gap, the record being assembled is dropped and the gap reported, as
   * replay does (`wal/file_gap.ts`).
   */
  #crossGap(from: number, to: number): void {
    const gap = fileGap(this.#dir, from, to);
    if (gap === undefined) return;
    gap.frames = this.#assembler.breakStream();
    if (!this.#reporting) return;
    this.#gap = gap;
    this.issues.count++;
    this.issues.listed.push(gap);
  }

  /** Reports damage at `offset` of the current file (replay's reasons and offsets). */
  #issue(reason: FrameIssue["reason"], offset: number): void {
    if (!this.#reporting) return;
    this.issues.count++;
    if (this.issues.listed.length >= MAX_LISTED_ISSUES) return;
    this.issues.listed.push({ file: walFileName(this.fileNumber), offset, reason });
  }

  /** Reports an append below its queue's position in the current record's last frame. */
  positionInPast(): void {
    const at = this.#blockBase + this.#lastFrameAt;
    this.#issue("position-in-past", at);
  }

  /** Offset in the block of the frame that completed the current record. */
  get #lastFrameAt(): number {
    return this.#frames.payloadStart - FRAME_HEADER_SIZE;
  }
}
