/**
 * Replay at start-up: takes every record from the one walker over the wal
 * files (`wal/walker.ts`) and rebuilds the queues in memory. Damage costs
 * only the records it touches; the walker reports each damaged spot here.
 * The walker also works out where writing resumes: where reading ended, or,
 * when the log ends in frames it dropped (an unfinished record, a torn or
 * damaged frame), where those begin, so that they are cut rather than left
 * in the middle of the log. Replay then looks past the
 * end for bytes replay did not read (`wal/tail_scanner.ts`): they are
 * reported as damage. A writable open keeps both in salvage files
 * ({@link keepUnreadBytes}) before the writer may cut them. Replay never
 * brings those bytes back: what it returns stays what the Rust crate
 * returns for the same files.
 *
 * @module
 */
import { CorruptLogError } from "../errors.ts";
import { walFileName } from "../wal/file_name.ts";
import type { WalDirectory } from "../wal/directory.ts";
import { WALK_DONE, WALK_RECORD, type WalkIssues, WalWalker } from "../wal/walker.ts";
import { type ByteRange, salvageUnreadBytes } from "../wal/salvage.ts";
import { scanUnreadBytes, type UnreadBytes } from "../wal/tail_scanner.ts";
import type { WritePosition } from "../wal/rolling_writer.ts";
import {
  BLOCK_SIZE,
  ITEM_HEADER_SIZE,
  RECORD_APPEND,
  RECORD_DELETE_QUEUE,
  RECORD_POSITION,
  RECORD_TRUNCATE,
} from "../format/constants.ts";
import type { Crc32 } from "../format/crc.ts";
import { readU32, readU64, readU64BigInt } from "../format/record.ts";
import { MemQueues } from "../memory/queues.ts";
import type { PayloadLocations, PayloadStore } from "../memory/payload_store.ts";
import {
  type FileGapIssue,
  type FrameIssue,
  MAX_LISTED_ISSUES,
  type RecoveryIssue,
  type RecoveryReport,
  type UnreadBytesIssue,
} from "../types.ts";

/** The outcome of replay. */
export interface Recovered {
  queues: MemQueues;
  /** Where writing resumes: `end`, or where the frames replay dropped at the end of the log begin. */
  resumeAt: WritePosition;
  /** Where replay stopped reading (the look past the end starts there). */
  end: WritePosition;
  report: RecoveryReport;
  /** Non-zero bytes replay did not read, each with its entry in `report.issues`. */
  unread: { bytes: UnreadBytes; issue: UnreadBytesIssue }[];
  /** The bytes from `resumeAt` to `end`, file by file (see `report.droppedTail`). */
  droppedTail: ByteRange[];
}

/** The report entry of non-zero bytes replay did not read. */
export function unreadBytesIssue(bytes: UnreadBytes): UnreadBytesIssue {
  return {
    file: walFileName(bytes.fileNumber),
    offset: bytes.offset,
    reason: bytes.partialBlock ? "partial-block" : "bytes-after-end",
    bytes: bytes.length,
    frames: bytes.frames,
  };
}

/** Replays the directory's wal files, then looks past the end for bytes it did not read. Changes nothing. */
export async function recover(
  dir: WalDirectory,
  crc: Crc32,
  store?: PayloadStore,
): Promise<Recovered> {
  const notFile = dir.notFiles[0];
  if (notFile !== undefined) {
    // Never opened (a pipe would block): the data the name stands for is not there to read.
    throw new CorruptLogError(dir.notFileProblem(notFile), notFile);
  }
  const replay = new Replay(dir, crc, store);
  const { queues, resumeAt, end, report } = await replay.run();
  const droppedTail = rangesBetween(dir, resumeAt, end);
  if (droppedTail.length > 0) {
    report.droppedTail = {
      file: walFileName(resumeAt.fileNumber),
      offset: resumeAt.offset,
      bytes: droppedTail.reduce((sum, r) => sum + r.length, 0),
    };
  }
  const unread: Recovered["unread"] = [];
  for (const bytes of await scanUnreadBytes(dir, end, crc)) {
    const issue = unreadBytesIssue(bytes);
    // Listed whatever the number of other issues: the person needs each of them (and its salvage file).
    report.issues.push(issue);
    countIssue(report, issue.file, issue.reason);
    unread.push({ bytes, issue });
  }
  return { queues, resumeAt, end, report, unread, droppedTail };
}

/** The whole-block bytes of the wal files from `from` to `to`, file by file (none when equal). */
function rangesBetween(dir: WalDirectory, from: WritePosition, to: WritePosition): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (const n of dir.fileNumbers()) {
    if (n < from.fileNumber || n > to.fileNumber) continue;
    const size = dir.sizeOf(n);
    const start = n === from.fileNumber ? from.offset : 0;
    const stop = n === to.fileNumber ? to.offset : size - (size % BLOCK_SIZE);
    if (stop > start) ranges.push({ fileNumber: n, offset: start, length: stop - start });
  }
  return ranges;
}

/**
 * What a writable open does before its writer starts at `resumeAt`: copies
 * every range of unread bytes, and the frames replay dropped at the end of
 * the log, into salvage files (durably, named in the report: `salvageFile`,
 * `droppedTail.salvageFiles`), then removes the wal files after the one
 * writing resumes in (they hold nothing else by then: a stale later file
 * must never be read after new data, and the writer creates the files it
 * rolls into exclusively, so one left there would stop it).
 * The resume file itself is cut by the writer. Rejects, having cut nothing,
 * when a copy cannot be made.
 */
export async function keepUnreadBytes(dir: WalDirectory, recovered: Recovered): Promise<void> {
  const { unread, droppedTail, resumeAt, report } = recovered;
  const ranges = [...unread.map((u) => u.bytes), ...droppedTail];
  if (ranges.length > 0) {
    const names = await salvageUnreadBytes(dir, ranges);
    for (let i = 0; i < unread.length; i++) unread[i].issue.salvageFile = names[i];
    if (report.droppedTail !== undefined) {
      report.droppedTail.salvageFiles = names.slice(unread.length);
    }
  }
  await dir.removeAfter(resumeAt.fileNumber);
}

class Replay implements WalkIssues {
  readonly #walker: WalWalker;
  readonly #queues: MemQueues;
  readonly #report: RecoveryReport = {
    filesRead: 0,
    walRecordsReplayed: 0,
    payloadRecordsReplayed: 0,
    issues: [],
    issueCount: 0,
    byFile: {},
  };
  /** The file the record being applied belongs to (the walker says: the crate's rule). */
  #recordFile: number;
  /** The first wal file replayed. */
  readonly #firstFile: number;
  /** Per item of the record being applied: position, payload start and length (reused). */
  #positions = new Float64Array(64);
  #starts = new Float64Array(64);
  #lengths = new Uint32Array(64);

  /** Disk mode: where each item's payload lies in the wal (reused), else undefined. */
  #located: PayloadLocations | undefined;

  constructor(dir: WalDirectory, crc: Crc32, store: PayloadStore | undefined) {
    this.#queues = new MemQueues(store);
    if (store !== undefined) {
      this.#located = { files: new Float64Array(64), offsets: new Float64Array(64) };
    }
    this.#walker = new WalWalker(dir, crc, this);
    this.#recordFile = this.#walker.fileNumber;
    this.#firstFile = this.#walker.fileNumber;
  }

  async run(): Promise<Omit<Recovered, "unread" | "droppedTail">> {
    const walker = this.#walker;
    try {
      for (;;) {
        const step = walker.next();
        if (step === WALK_RECORD) {
          this.#recordFile = walker.recordFile;
          this.#apply(walker.record);
          continue;
        }
        if (step === WALK_DONE) break;
        await walker.fill();
      }
    } finally {
      await walker.close();
    }
    this.#report.filesRead = walker.filesRead;
    const { resumeAt, end } = walker;
    return { queues: this.#queues, resumeAt, end, report: this.#report };
  }

  #apply(record: Uint8Array): void {
    const r = this.#walker.decoded;
    const name = this.#walker.queue;
    this.#report.walRecordsReplayed++;
    const queues = this.#queues;
    const outOfRange = queues.outOfRange.has(name);
    switch (r.kind) {
      case RECORD_DELETE_QUEUE: // its position is informational: neither crate reads it
        queues.outOfRange.delete(name);
        queues.delete(name);
        return;
      case RECORD_POSITION: // a next position: up to 2^53 is exact
        if (r.position === -1) return this.#outOfRange(name, readU64BigInt(record, 1));
        queues.outOfRange.delete(name);
        queues.ackPosition(name, r.position);
        return;
      case RECORD_TRUNCATE: {
        const queue = queues.get(name);
        if (outOfRange || queue === undefined) return;
        // Truncating at 2^53 or above leaves a next position above 2^53.
        if (r.position === -1 || r.position > Number.MAX_SAFE_INTEGER) {
          return this.#outOfRange(name, readU64BigInt(record, 1));
        }
        queue.truncate(r.position);
        return;
      }
      case RECORD_APPEND:
        break;
    }
    // An append to an out-of-range queue keeps it so: nothing of it is loaded.
    if (outOfRange) return;
    if (r.position === -1) return this.#outOfRange(name, readU64BigInt(record, 1));
    // Records up to 2^53 - 1 only (the next position must stay exact): check them all first,
    // noting where each payload lies and whether the positions follow the queue's in order.
    const n = r.itemCount;
    if (this.#starts.length < n) this.#growScratch(n);
    const positions = this.#positions;
    const starts = this.#starts;
    const lengths = this.#lengths;
    const existing = queues.get(name);
    let previous = existing === undefined ? r.position - 1 : existing.nextPosition() - 1;
    let inOrder = true;
    let bytes = 0;
    let at = r.bodyStart;
    for (let i = 0; i < n; i++) {
      const itemPosition = readU64(record, at);
      if (itemPosition === -1 || itemPosition > Number.MAX_SAFE_INTEGER) {
        return this.#outOfRange(name, readU64BigInt(record, at));
      }
      const len = readU32(record, at + 8);
      if (itemPosition <= previous) inOrder = false;
      previous = itemPosition;
      positions[i] = itemPosition;
      starts[i] = at + ITEM_HEADER_SIZE;
      lengths[i] = len;
      bytes += len;
      at += ITEM_HEADER_SIZE + len;
    }
    let queue = existing ?? queues.create(name, r.position);
    this.#report.payloadRecordsReplayed += n;
    const located = this.#located;
    if (located !== undefined) {
      for (let i = 0; i < n; i++) {
        if (lengths[i] === 0) located.files[i] = -1;
        else this.#walker.locate(starts[i], located.files, located.offsets, i);
      }
    }
    if (inOrder) {
      queue.appendRanges(record, positions, starts, lengths, n, bytes, this.#recordFile, located);
      return;
    }
    for (let i = 0; i < n; i++) {
      const itemPosition = positions[i];
      if (itemPosition < queue.nextPosition()) {
        // Only a lost reset (RecordPosition/DeleteQueue in a damaged spot) explains this:
        // the newer records win, as they would have after that reset.
        this.#walker.issue("position-in-past");
        queue = queues.create(name, itemPosition);
      }
      queue.append(
        itemPosition,
        record.subarray(starts[i], starts[i] + lengths[i]),
        this.#recordFile,
        located,
        i,
      );
    }
  }

  /** Makes the per-item scratch arrays hold at least `n` items (they only grow). */
  #growScratch(n: number): void {
    const size = Math.max(n, this.#starts.length * 2);
    this.#positions = new Float64Array(size);
    this.#starts = new Float64Array(size);
    this.#lengths = new Uint32Array(size);
    if (this.#located !== undefined) {
      this.#located = { files: new Float64Array(size), offsets: new Float64Array(size) };
    }
  }

  /**
   * The queue holds a position a number cannot name exactly (a record above
   * 2^53 - 1, or a next position above 2^53): it is not loaded, and every
   * call naming it is refused (PositionOutOfRangeError). Rounding would hand
   * out wrong positions and write wrong ones back. It cannot be written
   * either (not even the RecordPosition garbage collection writes for empty
   * queues), so no wal file from the first one replayed on may be deleted:
   * its records, and the records that make it exist, are somewhere in them.
   * A later RecordPosition with an exact position or a DeleteQueue ends this.
   */
  #outOfRange(name: string, position: bigint): void {
    this.#queues.delete(name);
    this.#queues.outOfRange.set(name, {
      position,
      file: this.#recordFile,
      pinnedFrom: this.#firstFile,
    });
  }

  /** A gap between files (always listed: there are few, and each is a loss). */
  gap(gap: FileGapIssue): void {
    this.#report.issues.push(gap);
    countIssue(this.#report, gap.file, gap.reason);
  }

  /** A damaged spot. */
  frame(reason: FrameIssue["reason"], fileNumber: number, offset: number): void {
    const report = this.#report;
    const file = walFileName(fileNumber);
    countIssue(report, file, reason);
    if (report.issues.length >= MAX_LISTED_ISSUES) return;
    report.issues.push({ file, offset, reason });
  }
}

/** Counts one damaged spot in the report's totals, by file and reason. */
function countIssue(
  report: RecoveryReport,
  file: string,
  reason: RecoveryIssue["reason"],
): void {
  report.issueCount++;
  const counts = report.byFile[file] ??= {};
  counts[reason] = (counts[reason] ?? 0) + 1;
}
