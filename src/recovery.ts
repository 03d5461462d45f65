/**
 * Replay at start-up: reads every wal file, reassembles records, and rebuilds
 * the queues in memory. Damage costs only the records it touches; each
 * damaged spot is reported. Also works out where writing resumes, and looks
 * past that point for bytes replay did not read (`files/tail_scanner.ts`):
 * they are reported as damage, and a writable open keeps them in salvage
 * files ({@link keepUnreadBytes}) before the writer may cut them. Replay
 * never brings those bytes back: what it returns stays what the Rust crate
 * returns for the same files.
 *
 * @module
 */
import { walFileName } from "./files/file_name.ts";
import type { WalDirectory } from "./files/directory.ts";
import { RollingReader } from "./files/rolling_reader.ts";
import { salvageUnreadBytes } from "./files/salvage.ts";
import { scanUnreadBytes, type UnreadBytes } from "./files/tail_scanner.ts";
import type { WritePosition } from "./files/rolling_writer.ts";
import {
  BLOCK_SIZE,
  FRAME_FIRST,
  FRAME_FULL,
  ITEM_HEADER_SIZE,
  RECORD_APPEND,
  RECORD_DELETE_QUEUE,
  RECORD_POSITION,
  RECORD_TRUNCATE,
} from "./format/constants.ts";
import type { Crc32 } from "./format/crc.ts";
import {
  FRAME_BAD_BLOCK,
  FRAME_BAD_CRC,
  FRAME_END_OF_BLOCK,
  FRAME_END_OF_LOG,
  FrameReader,
} from "./format/frame_reader.ts";
import { DecodedRecord, decodeRecord, readU32, readU64, readU64BigInt } from "./format/record.ts";
import { RecordAssembler } from "./format/record_assembler.ts";
import { MemQueues } from "./memory/queues.ts";
import { QueueNameDecoder } from "./format/queue_name_decoder.ts";
import {
  type FrameIssue,
  MAX_LISTED_ISSUES,
  type RecoveryReport,
  type UnreadBytesIssue,
} from "./options.ts";

/** The outcome of replay. */
export interface Recovered {
  queues: MemQueues;
  resumeAt: WritePosition;
  report: RecoveryReport;
  /** Non-zero bytes replay did not read, each with its entry in `report.issues`. */
  unread: { bytes: UnreadBytes; issue: UnreadBytesIssue }[];
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
export async function recover(dir: WalDirectory, crc: Crc32): Promise<Recovered> {
  const replay = new Replay(dir, crc);
  const { queues, resumeAt, report } = await replay.run();
  const unread: Recovered["unread"] = [];
  for (const bytes of await scanUnreadBytes(dir, resumeAt, crc)) {
    const issue = unreadBytesIssue(bytes);
    // Listed whatever the number of other issues: the person needs each of them (and its salvage file).
    report.issues.push(issue);
    countIssue(report, issue.file, issue.reason);
    unread.push({ bytes, issue });
  }
  return { queues, resumeAt, report, unread };
}

/**
 * What a writable open does before its writer starts at `resumeAt`: copies
 * every range of unread bytes into a salvage file (durably, named in its
 * report entry as `salvageFile`), then removes the wal files after the one
 * writing resumes in (the writer creates the files it rolls into
 * exclusively, so one left there would stop it, and a stale later file must
 * never be read after new data; by now each holds nothing unread). The
 * resume file itself is cut by the writer. Rejects, having cut nothing,
 * when a copy cannot be made.
 */
export async function keepUnreadBytes(dir: WalDirectory, recovered: Recovered): Promise<void> {
  const { unread, resumeAt } = recovered;
  if (unread.length > 0) {
    const names = await salvageUnreadBytes(dir, unread.map((u) => u.bytes));
    for (let i = 0; i < unread.length; i++) unread[i].issue.salvageFile = names[i];
  }
  await dir.removeAfter(resumeAt.fileNumber);
}

class Replay {
  readonly #reader: RollingReader;
  readonly #frames: FrameReader;
  readonly #assembler = new RecordAssembler();
  readonly #record = new DecodedRecord();
  readonly #queues = new MemQueues();
  readonly #names = new QueueNameDecoder();
  readonly #report: RecoveryReport = {
    filesRead: 0,
    walRecordsReplayed: 0,
    payloadRecordsReplayed: 0,
    issues: [],
    issueCount: 0,
    byFile: {},
  };
  /** The file a record is attributed to: the reader's file when the record began (as the Rust crate). */
  #recordFile: number;
  #sawRecordStart = false;
  /** The first wal file replayed. */
  readonly #firstFile: number;

  constructor(dir: WalDirectory, crc: Crc32) {
    this.#reader = new RollingReader(dir);
    this.#frames = new FrameReader(crc);
    this.#recordFile = this.#reader.fileNumber;
    this.#firstFile = this.#reader.fileNumber;
  }

  async run(): Promise<Omit<Recovered, "unread">> {
    const reader = this.#reader;
    const frames = this.#frames;
    let haveBlock = false;
    let badBlock = false;
    let resumeAt: WritePosition | undefined;
    let lastFile = -1;
    try {
      for (;;) {
        if (!haveBlock || badBlock || frames.cursor > BLOCK_SIZE - 7) {
          if (!(await reader.next())) break;
          if (reader.fileNumber !== lastFile) {
            lastFile = reader.fileNumber;
            this.#report.filesRead++;
          }
          haveBlock = true;
          badBlock = false;
          frames.cursor = 0;
        }
        const block = reader.block;
        const frameAt = frames.cursor;
        const outcome = frames.read(block);
        if (outcome === FRAME_END_OF_LOG) {
          resumeAt = {
            fileNumber: reader.fileNumber,
            offset: reader.blockIndex * BLOCK_SIZE + frameAt,
          };
          break;
        }
        if (outcome === FRAME_END_OF_BLOCK) continue;
        if (outcome === FRAME_BAD_BLOCK || outcome === FRAME_BAD_CRC) {
          badBlock = outcome === FRAME_BAD_BLOCK;
          this.#issue(badBlock ? "bad-frame" : "bad-checksum", frameAt);
          if (this.#assembler.reset()) this.#issue("unterminated-record", frameAt);
          this.#recordFile = reader.fileNumber;
          continue;
        }
        const record = this.#assembler.push(
          frames.type,
          block,
          frames.payloadStart,
          frames.payloadEnd,
        );
        if (this.#assembler.interrupted) this.#issue("unterminated-record", frameAt);
        // The log may start inside a record whose first frames were in deleted files: no damage.
        if (this.#assembler.orphan && this.#sawRecordStart) this.#issue("orphan-frame", frameAt);
        if (frames.type === FRAME_FULL || frames.type === FRAME_FIRST) this.#sawRecordStart = true;
        if (record === undefined) continue;
        if (!decodeRecord(record, this.#record)) {
          this.#issue("malformed-record", frameAt);
        } else {
          this.#apply(record, frameAt);
        }
        this.#recordFile = reader.fileNumber;
      }
    } finally {
      await reader.close();
    }
    if (resumeAt === undefined) {
      if (!haveBlock) {
        resumeAt = { fileNumber: reader.fileNumber, offset: 0 };
      } else {
        // Out of blocks. After a bad block, resume at the next block: the reader
        // skips the rest of a bad block, and new frames must not land there.
        const cursor = badBlock ? BLOCK_SIZE : frames.cursor;
        resumeAt = {
          fileNumber: reader.fileNumber,
          offset: reader.blockIndex * BLOCK_SIZE + cursor,
        };
      }
    }
    return { queues: this.#queues, resumeAt, report: this.#report };
  }

  #apply(record: Uint8Array, frameAt: number): void {
    const r = this.#record;
    const name = this.#names.decode(record, r.queueStart, r.queueEnd);
    if (name === undefined) {
      this.#issue("malformed-record", frameAt);
      return;
    }
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
    // Records up to 2^53 - 1 only (the next position must stay exact): check them all first.
    let at = r.bodyStart;
    for (let i = 0; i < r.itemCount; i++) {
      const itemPosition = readU64(record, at);
      if (itemPosition === -1 || itemPosition > Number.MAX_SAFE_INTEGER) {
        return this.#outOfRange(name, readU64BigInt(record, at));
      }
      at += ITEM_HEADER_SIZE + readU32(record, at + 8);
    }
    let queue = queues.get(name) ?? queues.create(name, r.position);
    this.#report.payloadRecordsReplayed += r.itemCount;
    at = r.bodyStart;
    for (let i = 0; i < r.itemCount; i++) {
      const itemPosition = readU64(record, at);
      const len = readU32(record, at + 8);
      const start = at + ITEM_HEADER_SIZE;
      if (itemPosition < queue.nextPosition()) {
        // Only a lost reset (RecordPosition/DeleteQueue in a damaged spot) explains this:
        // the newer records win, as they would have after that reset.
        this.#issue("position-in-past", frameAt);
        queue = queues.create(name, itemPosition);
      }
      queue.append(itemPosition, record.subarray(start, start + len), this.#recordFile);
      at = start + len;
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

  #issue(reason: FrameIssue["reason"], blockOffset: number): void {
    const report = this.#report;
    const reader = this.#reader;
    const file = walFileName(reader.fileNumber);
    countIssue(report, file, reason);
    if (report.issues.length >= MAX_LISTED_ISSUES) return;
    report.issues.push({
      file,
      offset: reader.blockIndex * BLOCK_SIZE + blockOffset,
      reason,
    });
  }
}

/** Counts one damaged spot in the report's totals, by file and reason. */
function countIssue(
  report: RecoveryReport,
  file: string,
  reason: FrameIssue["reason"] | UnreadBytesIssue["reason"],
): void {
  report.issueCount++;
  const counts = report.byFile[file] ??= {};
  counts[reason] = (counts[reason] ?? 0) + 1;
}
