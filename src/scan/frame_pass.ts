/**
 * One pass of a scan over the records of a log's wal files, with bounded
 * memory: the walker's chunk buffer (4 MiB) and the record being assembled.
 * It reads with the one walker (`wal/walker.ts`), as replay does: the same
 * records, the same damage reports at the same offsets, and the same file
 * for each record (the Rust crate's rule), but hands each record to its
 * caller instead of loading it, numbering the items in log order.
 *
 * A pass may start at any wal file (the frames of a record begun in the
 * file before are then ignored, as at the start of a log whose first files
 * were deleted) and stop at a given point (where an earlier pass found the
 * end), which is how a second pass reads what a first one planned.
 *
 * @module
 */
import { walFileName } from "../wal/file_name.ts";
import type { WalDirectory } from "../wal/directory.ts";
import type { WritePosition } from "../wal/rolling_writer.ts";
import {
  WALK_DONE,
  WALK_NEED_INPUT,
  WALK_RECORD,
  type WalkIssues,
  WalWalker,
} from "../wal/walker.ts";
import type { Crc32 } from "../format/crc.ts";
import type { DecodedRecord } from "../format/record.ts";
import { type FileGapIssue, type FrameIssue, MAX_LISTED_ISSUES } from "../types.ts";

/** {@link FramePass.next}: await {@link FramePass.fill}, then call `next()` again. */
export const NEED_INPUT = WALK_NEED_INPUT;
/** {@link FramePass.next}: the pass is over (`end` says where the log ends). */
export const DONE = WALK_DONE;

/** Blocks per read: 4 MiB. */
const BLOCKS_PER_READ = 128;

/** Damage a pass meets, with its totals. */
export interface FrameIssues {
  listed: (FrameIssue | FileGapIssue)[];
  count: number;
}

/** The damage list of a pass. */
class IssueList implements WalkIssues {
  readonly issues: FrameIssues = { listed: [], count: 0 };

  frame(reason: FrameIssue["reason"], fileNumber: number, offset: number): void {
    this.issues.count++;
    if (this.issues.listed.length >= MAX_LISTED_ISSUES) return;
    this.issues.listed.push({ file: walFileName(fileNumber), offset, reason });
  }

  gap(issue: FileGapIssue): void {
    this.issues.count++;
    this.issues.listed.push(issue);
  }
}

/** Walks the records of wal files `files` (ascending) of `dir`. */
export class FramePass {
  readonly #walker: WalWalker;
  #pendingItems = 0;
  #nameOf = -1;
  #name = "";

  /** Damage met (only when reporting). */
  readonly issues: FrameIssues;
  /** AppendRecords items of the records before the current one (log order). */
  seq: number;
  /**
   * Per file: `seq` when the first record whose first frame lies in it
   * began (a second pass starting at a file begins with the first record
   * whose first frame lies in that file or a later one: {@link startSeq}).
   */
  readonly fileStartSeq = new Map<number, number>();

  constructor(
    dir: WalDirectory,
    crc: Crc32,
    files: readonly number[],
    options: { stopAt?: WritePosition; firstSeq?: number; report?: boolean } = {},
  ) {
    const list = new IssueList();
    this.issues = list.issues;
    this.#walker = new WalWalker(dir, crc, options.report === false ? undefined : list, {
      files,
      stopAt: options.stopAt,
      blocksPerRead: BLOCKS_PER_READ,
    });
    this.seq = options.firstSeq ?? 0;
  }

  /** The `seq` a pass starting at wal file `n` begins with (after this pass is done). */
  startSeq(n: number): number {
    let best = -1;
    let seq = this.seq;
    for (const [file, s] of this.fileStartSeq) {
      if (file >= n && (best < 0 || file < best)) {
        best = file;
        seq = s;
      }
    }
    return seq;
  }

  /** Frames with a good checksum, per file number (once done). */
  get goodFrames(): Map<number, number> {
    return this.#walker.goodFrames;
  }

  /** Files in which something other than the end-of-log zeros was met (once done). */
  get sawData(): Set<number> {
    return this.#walker.sawData;
  }

  /** Where the log ends, once `next()` returned DONE. */
  get end(): WritePosition {
    return this.#walker.end;
  }

  /** The current record (valid until the next `next()`). */
  get record(): Uint8Array {
    return this.#walker.record;
  }

  /** Its decoded header. */
  get decoded(): DecodedRecord {
    return this.#walker.decoded;
  }

  /** Its queue name. */
  get queue(): string {
    return this.#walker.queue;
  }

  /** The wal file it belongs to: where reading stood when it began (the crate's rule, as replay). */
  get recordFile(): number {
    return this.#walker.recordFile;
  }

  /** Offset of its first frame's header, in `recordFile` or, when it begins a file, in that file. */
  get recordOffset(): number {
    return this.#walker.beginOffset;
  }

  /** The name of the wal file of `recordFile` (made once per file, not per record). */
  get recordFileName(): string {
    if (this.#nameOf !== this.recordFile) {
      this.#nameOf = this.recordFile;
      this.#name = walFileName(this.recordFile);
    }
    return this.#name;
  }

  /** Advances to the next record: a record is ready, {@link NEED_INPUT} or {@link DONE}. */
  next(): number {
    this.seq += this.#pendingItems;
    this.#pendingItems = 0;
    const walker = this.#walker;
    const step = walker.next();
    if (step !== WALK_RECORD) return step;
    if (!this.fileStartSeq.has(walker.beginFile)) this.fileStartSeq.set(walker.beginFile, this.seq);
    this.#pendingItems = walker.decoded.itemCount;
    return step;
  }

  /** Reads the next chunk; after it, call `next()`. */
  fill(): Promise<void> {
    return this.#walker.fill();
  }

  /** Closes the file being read (the pass may be abandoned at any point). */
  close(): Promise<void> {
    return this.#walker.close();
  }

  /** Reports an append below its queue's position in the current record's last frame. */
  positionInPast(): void {
    this.#walker.issue("position-in-past");
  }
}
