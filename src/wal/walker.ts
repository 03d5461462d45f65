/**
 * The one walker over wal bytes. Replay (`replay/recovery.ts`), the scan
 * (`scan/`) and the look past the end (`tail_scanner.ts`) read frames only
 * through this module; it is the one place outside `format/` that deals with
 * frame types and frame outcomes.
 *
 * {@link WalWalker} reads the blocks of the wal files through one block reader
 * (`rolling_reader.ts`), the frames of each block with `format/frame_reader.ts`,
 * and assembles records with `format/record_assembler.ts`, breaking at a gap
 * between files (`file_gap.ts`). It reports each damaged spot
 * (docs/FORMAT.md, "Damage within the log"), finds the end of the log and
 * where the log was last whole (where writing resumes), and hands each
 * complete, decodable record to its caller with the file it belongs to.
 *
 * The file a record belongs to is the Rust crate's rule (docs/FORMAT.md,
 * "Replay semantics"): the file in which reading stood when the record began,
 * that is where the previous record ended (or the last damaged frame, or the
 * first file after a gap). A record whose first frame opens a file can so
 * belong to the file before.
 *
 * The loop is synchronous: {@link WalWalker.next} returns {@link WALK_RECORD}
 * per record or {@link WALK_NEED_INPUT} when the caller must await
 * {@link WalWalker.fill} (one read of several blocks), so callers pay no
 * promise and no allocation per record.
 *
 * @module
 */
import { BLOCK_SIZE, FRAME_FIRST, FRAME_FULL, FRAME_HEADER_SIZE } from "../format/constants.ts";
import type { Crc32 } from "../format/crc.ts";
import {
  FRAME_BAD_BLOCK,
  FRAME_BAD_CRC,
  FRAME_END_OF_BLOCK,
  FRAME_END_OF_LOG,
  FRAME_OK,
  FrameReader,
} from "../format/frame_reader.ts";
import { QueueNameDecoder } from "../format/queue_name_decoder.ts";
import { DecodedRecord, decodeRecord } from "../format/record.ts";
import { RecordAssembler } from "../format/record_assembler.ts";
import type { FileGapIssue, FrameIssue } from "../types.ts";
import type { WalDirectory } from "./directory.ts";
import { fileGap } from "./file_gap.ts";
import type { WritePosition } from "./rolling_writer.ts";
import { RollingReader } from "./rolling_reader.ts";

/** {@link WalWalker.next}: await {@link WalWalker.fill}, then call `next()` again. */
export const WALK_NEED_INPUT = 0;
/** {@link WalWalker.next}: a record is ready (`record`, `decoded`, `queue`, `recordFile`, ...). */
export const WALK_RECORD = 1;
/** {@link WalWalker.next}: the walk is over (`end` and `resumeAt` say where the log ends). */
export const WALK_DONE = 2;

/** Where a walker reports the damage it meets. */
export interface WalkIssues {
  /** A damaged spot at `offset` of wal file `fileNumber`. */
  frame(reason: FrameIssue["reason"], fileNumber: number, offset: number): void;
  /** A gap between files crossed; its `frames` count grows with the frames dropped after it. */
  gap(issue: FileGapIssue): void;
}

/** Options of a {@link WalWalker}. */
export interface WalkOptions {
  /** The wal files to read, ascending (default: all of the directory's). */
  files?: readonly number[];
  /** Stop there (where an earlier walk found the end), as at the end of the log. */
  stopAt?: WritePosition;
  /** Blocks per read call (default: the block reader's). */
  blocksPerRead?: number;
}

/** Walks the records of a directory's wal files. */
export class WalWalker {
  readonly #dir: WalDirectory;
  readonly #reader: RollingReader;
  readonly #frames: FrameReader;
  readonly #assembler = new RecordAssembler();
  readonly #names = new QueueNameDecoder();
  readonly #issues: WalkIssues | undefined;
  readonly #stopFile: number;
  readonly #stopOffset: number;
  #haveBlock = false;
  #badBlock = false;
  #finished = false;
  /** File offset of the current block. */
  #blockBase = 0;
  /** The file of the previous block (-1 before the first), and the last gap crossed. */
  #lastFile = -1;
  #gap: FileGapIssue | undefined;
  /** The file the next record will belong to (the crate's rule, see the module doc). */
  #attribution: number;
  /** Good frames and whether any data was met in the file being read (flushed per file). */
  #fileGood = 0;
  #fileData = false;
  /** Just past the last frame that left the log whole, and whether dropped frames follow it. */
  #cleanFile: number;
  #cleanOffset = 0;
  #dropped = false;

  /** Wal files that yielded a block. */
  filesRead = 0;
  /** Frames with a good checksum, per file number (complete once the walk is done). */
  readonly goodFrames = new Map<number, number>();
  /** Files in which something other than the end-of-log zeros was met (complete once done). */
  readonly sawData = new Set<number>();
  /** Where reading ended, once `next()` returned {@link WALK_DONE}. */
  end: WritePosition;
  /** Where writing resumes, once done: `end`, or where the frames dropped at the end of the log begin. */
  resumeAt: WritePosition;

  /** The current record (valid until the next `next()`). */
  record: Uint8Array = new Uint8Array(0);
  /** Its decoded header. */
  readonly decoded = new DecodedRecord();
  /** Its queue name. */
  queue = "";
  /** The wal file it belongs to (the crate's rule). */
  recordFile: number;
  /** File number and file offset of its first frame. */
  beginFile = 0;
  beginOffset = 0;
  /** File offset (in the current file) of the frame that completed it. */
  lastFrameOffset = 0;
  #beginFile = 0;
  #beginOffset = 0;
  /**
   * The current record's fragments, in order: fragment k holds its bytes
   * from `#fragmentStart[k]` on, at offset `#fragmentOffset[k]` of wal file
   * `#fragmentFile[k]` ({@link locate} reads them).
   */
  readonly #fragmentFile: number[] = [];
  readonly #fragmentOffset: number[] = [];
  readonly #fragmentStart: number[] = [];
  #fragments = 0;
  #fragmentEnd = 0;

  constructor(dir: WalDirectory, crc: Crc32, issues?: WalkIssues, options: WalkOptions = {}) {
    this.#dir = dir;
    this.#issues = issues;
    const stop = options.stopAt;
    this.#stopFile = stop?.fileNumber ?? -1;
    this.#stopOffset = stop?.offset ?? 0;
    let files = options.files;
    if (stop !== undefined) {
      files = (files ?? dir.fileNumbers()).filter((n) => n <= stop.fileNumber);
    }
    this.#reader = new RollingReader(dir, { files, blocksPerRead: options.blocksPerRead });
    this.#frames = new FrameReader(crc);
    const first = this.#reader.fileNumber;
    this.#attribution = first;
    this.recordFile = first;
    this.#cleanFile = first;
    this.end = { fileNumber: first, offset: 0 };
    this.resumeAt = this.end;
  }

  /** The file number of the block being read (the first file's before any). */
  get fileNumber(): number {
    return this.#reader.fileNumber;
  }

  /** Advances to the next record: {@link WALK_RECORD}, {@link WALK_NEED_INPUT} or {@link WALK_DONE}. */
  next(): number {
    if (this.#finished) return WALK_DONE;
    const reader = this.#reader;
    const frames = this.#frames;
    const assembler = this.#assembler;
    for (;;) {
      if (!this.#haveBlock || this.#badBlock || frames.cursor > BLOCK_SIZE - FRAME_HEADER_SIZE) {
        if (!reader.take()) return WALK_NEED_INPUT;
        if (reader.fileNumber !== this.#lastFile) this.#enterFile(reader.fileNumber);
        this.#blockBase = reader.blockIndex * BLOCK_SIZE;
        this.#haveBlock = true;
        this.#badBlock = false;
        frames.cursor = 0;
      }
      const block = reader.block;
      const here = this.#blockBase + frames.cursor;
      if (reader.fileNumber === this.#stopFile && here >= this.#stopOffset) {
        return this.#finish({ fileNumber: this.#stopFile, offset: this.#stopOffset });
      }
      const outcome = frames.read(block);
      if (outcome === FRAME_END_OF_LOG) {
        return this.#finish({ fileNumber: reader.fileNumber, offset: here });
      }
      if (outcome === FRAME_END_OF_BLOCK) continue;
      this.#fileData = true;
      if (outcome === FRAME_BAD_BLOCK || outcome === FRAME_BAD_CRC) {
        this.#badBlock = outcome === FRAME_BAD_BLOCK;
        this.#dropped = true;
        this.#issue(this.#badBlock ? "bad-frame" : "bad-checksum", here);
        if (assembler.reset()) this.#issue("unterminated-record", here);
        this.#attribution = reader.fileNumber;
        continue;
      }
      this.#fileGood++;
      const type = frames.type;
      if (type === FRAME_FULL || type === FRAME_FIRST) {
        this.#beginFile = reader.fileNumber;
        this.#beginOffset = here;
        this.#fragments = 0;
        this.#fragmentEnd = 0;
      }
      const k = this.#fragments++;
      this.#fragmentFile[k] = reader.fileNumber;
      this.#fragmentOffset[k] = this.#blockBase + frames.payloadStart;
      this.#fragmentStart[k] = this.#fragmentEnd;
      this.#fragmentEnd += frames.payloadEnd - frames.payloadStart;
      const record = assembler.push(type, block, frames.payloadStart, frames.payloadEnd);
      if (assembler.interrupted) this.#issue("unterminated-record", here);
      // The log may start inside a record whose first frames were in deleted files: no damage.
      const lostToGap = assembler.continued && assembler.afterBreak;
      if (assembler.orphan) this.#issue("orphan-frame", here);
      else if (lostToGap && this.#gap !== undefined) this.#gap.frames++;
      if (assembler.withinRecord || assembler.orphan || lostToGap) {
        this.#dropped = true;
      } else {
        this.#cleanFile = reader.fileNumber;
        this.#cleanOffset = this.#blockBase + frames.cursor;
        this.#dropped = false;
      }
      if (record === undefined) continue;
      const file = this.#attribution;
      this.#attribution = reader.fileNumber;
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
      this.recordFile = file;
      this.beginFile = this.#beginFile;
      this.beginOffset = this.#beginOffset;
      this.lastFrameOffset = here;
      return WALK_RECORD;
    }
  }

  /**
   * Where byte `at` of the current record lies in the wal (for disk mode):
   * writes its file number to `files[i]` and its offset in that file to
   * `offsets[i]`.
   */
  locate(at: number, files: Float64Array, offsets: Float64Array, i: number): void {
    let k = this.#fragments - 1;
    while (k > 0 && this.#fragmentStart[k] > at) k--;
    files[i] = this.#fragmentFile[k];
    offsets[i] = this.#fragmentOffset[k] + (at - this.#fragmentStart[k]);
  }

  /** Reads the next blocks; after it, call `next()` (which may then say the walk is done). */
  async fill(): Promise<void> {
    if (this.#finished || await this.#reader.fill()) return;
    // Out of blocks. After a bad block, the end is the next block: a reader skips the rest of a
    // bad block, and new frames must not land there.
    const cursor = !this.#haveBlock ? 0 : this.#badBlock ? BLOCK_SIZE : this.#frames.cursor;
    this.#finish({ fileNumber: this.#reader.fileNumber, offset: this.#blockBase + cursor });
  }

  /** Closes the file being read (a walk may be abandoned at any point). */
  close(): Promise<void> {
    return this.#reader.close();
  }

  /** Reports damage the caller finds in the current record, at the frame that completed it. */
  issue(reason: FrameIssue["reason"]): void {
    this.#issue(reason, this.lastFrameOffset);
  }

  #finish(end: WritePosition): number {
    this.#flushFile();
    this.end = end;
    // A log ending in dropped frames resumes where they begin (a writable open cuts them).
    this.resumeAt = this.#dropped
      ? { fileNumber: this.#cleanFile, offset: this.#cleanOffset }
      : end;
    this.#finished = true;
    return WALK_DONE;
  }

  /**
   * Reading moves on to a block of file `to`: across a gap (`file_gap.ts`),
   * the record being assembled is dropped and the gap reported.
   */
  #enterFile(to: number): void {
    this.#flushFile();
    this.filesRead++;
    const gap = fileGap(this.#dir, this.#lastFile, to);
    this.#lastFile = to;
    if (gap === undefined) return;
    gap.frames = this.#assembler.breakStream();
    this.#attribution = to;
    if (this.#issues === undefined) return;
    this.#gap = gap;
    this.#issues.gap(gap);
  }

  /** Records the counts of the file just read. */
  #flushFile(): void {
    const file = this.#lastFile;
    if (file < 0) return;
    if (this.#fileGood > 0) {
      this.goodFrames.set(file, (this.goodFrames.get(file) ?? 0) + this.#fileGood);
    }
    if (this.#fileData) this.sawData.add(file);
    this.#fileGood = 0;
    this.#fileData = false;
  }

  #issue(reason: FrameIssue["reason"], offset: number): void {
    this.#issues?.frame(reason, this.#reader.fileNumber, offset);
  }
}

/**
 * Frames with a good checksum met walking `block` (a full block) from
 * `start` as a reader would: stepping over frames with a bad checksum,
 * stopping at a bad or zero header or the end of the block.
 */
export function countFrames(reader: FrameReader, block: Uint8Array, start: number): number {
  reader.cursor = start;
  let count = 0;
  for (;;) {
    const outcome = reader.read(block);
    if (outcome === FRAME_OK) count++;
    else if (outcome !== FRAME_BAD_CRC) return count;
  }
}

/**
 * Frames with a good checksum found by trying each offset of `block` from
 * `start` (where frame boundaries are unknown), skipping over each one found.
 */
export function searchFrames(reader: FrameReader, block: Uint8Array, start: number): number {
  let count = 0;
  for (let at = start; at <= BLOCK_SIZE - FRAME_HEADER_SIZE;) {
    reader.cursor = at;
    if (reader.read(block) === FRAME_OK) {
      count++;
      at = reader.cursor;
    } else {
      at++;
    }
  }
  return count;
}

/**
 * True when every frame of `buffer` (whole blocks) from `from` up to `end`
 * has a good checksum, or zeros follow the last one.
 */
export function framesCheckOut(
  reader: FrameReader,
  buffer: Uint8Array,
  from: number,
  end: number,
): boolean {
  for (let b = from - (from % BLOCK_SIZE); b < end; b += BLOCK_SIZE) {
    const block = buffer.subarray(b, b + BLOCK_SIZE);
    reader.cursor = b < from ? from - b : 0;
    while (b + reader.cursor < end) {
      const outcome = reader.read(block);
      if (outcome === FRAME_OK) continue;
      if (outcome === FRAME_END_OF_BLOCK) break;
      // Zeros from here to the end of the block: nothing more was being written.
      return outcome === FRAME_END_OF_LOG && !block.subarray(reader.cursor).some((x) => x !== 0);
    }
  }
  return true;
}

/** Bytes of a frame header. */
export const HEADER_BYTES = FRAME_HEADER_SIZE;

/**
 * The file offset at which the next frame after offset `end` would start:
 * `end`, or the next block when fewer than a header's bytes are left in this one.
 */
export function nextFrameAt(end: number): number {
  const left = BLOCK_SIZE - (end % BLOCK_SIZE);
  return left < FRAME_HEADER_SIZE ? end + left : end;
}
