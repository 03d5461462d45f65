/**
 * Public types of the streaming scan ({@link scanLog} in `log_scan.ts`).
 *
 * @module
 */
import type { RecoveryIssue } from "../types.ts";
export type { ScanOptions } from "../types.ts";

/**
 * A record as the scan meets it. `payload` is a view into the scan's
 * buffers, valid until the iteration moves on: copy it (`slice()`) to keep
 * it.
 *
 * @example
 * ```ts
 * import type { ScanRecord } from "@mrl/core";
 * const entry: ScanRecord = {
 *   kind: "record",
 *   queue: "events",
 *   position: 0,
 *   payload: new Uint8Array([104, 105]),
 *   file: "wal-00000000000000000000",
 *   offset: 24,
 * };
 * ```
 */
export interface ScanRecord {
  /** Always "record". */
  kind: "record";
  /** The queue it belongs to. */
  queue: string;
  /** Its position in the queue. */
  position: number;
  /** Its bytes (a view: see above). */
  payload: Uint8Array;
  /**
   * The wal file the record belongs to, as for the library (`summary().files`)
   * and the Rust crate: the file in which reading stood when it began (the
   * file of its first frame, or the file before when it begins a file right
   * after a record that ended in that one).
   */
  file: string;
  /** Offset of its first frame's header (in the file that frame lies in). */
  offset: number;
}

/**
 * A change to a queue as the scan meets it:
 * - `created`: the queue exists from here on, empty, with next position
 *   `position` (a RecordPosition record: a creation, or a reset of a queue
 *   that held records; or the first append to a missing queue; or an append
 *   below the queue's next position, which resets it: see docs/FORMAT.md,
 *   "Replay semantics");
 * - `truncated`: its records up to and including `position` are removed;
 * - `deleted`: the queue is removed (`position` is the record's, informational).
 *
 * @example
 * ```ts
 * import type { ScanQueueEvent } from "@mrl/core";
 * const entry: ScanQueueEvent = {
 *   kind: "truncated",
 *   queue: "events",
 *   position: 41,
 *   file: "wal-00000000000000000003",
 *   offset: 8192,
 * };
 * ```
 */
export interface ScanQueueEvent {
  /** What happened to the queue. */
  kind: "created" | "truncated" | "deleted";
  /** The queue. */
  queue: string;
  /** See above. */
  position: number;
  /** The wal file the record saying so belongs to (see {@link ScanRecord.file}). */
  file: string;
  /** Offset of its first frame's header (in the file that frame lies in). */
  offset: number;
}

/**
 * What {@link LogScan} yields: records and queue events, in log order.
 *
 * @example
 * ```ts
 * import type { ScanEntry } from "@mrl/core";
 * function describe(entry: ScanEntry): string {
 *   return entry.kind === "record" ? `${entry.queue}@${entry.position}` : entry.kind;
 * }
 * ```
 */
export type ScanEntry = ScanRecord | ScanQueueEvent;

/**
 * Damage the scan finds in a wal file as a whole (besides the frame and
 * unread-bytes issues replay reports, see {@link RecoveryIssue}):
 * - `cut-in-block`: the file's size is not a whole number of 32 KiB blocks
 *   and its partial last block holds only zeros (`bytes` is its size; one
 *   holding data is reported as a `partial-block` issue instead);
 * - `not-a-wal-file`: the file holds data and not one frame of it checks
 *   out (it is named like a wal file and is something else);
 * - `file-size-mismatch`: the file is larger than the file size given
 *   (`bytes` is its size);
 * - `not-a-regular-file`: an entry named like a wal file is a directory, a
 *   FIFO, a socket or a device: it is never opened (`bytes` is 0).
 *
 * @example
 * ```ts
 * import type { FileIssue } from "@mrl/core";
 * const issue: FileIssue = { file: "wal-00000000000000000000", offset: 0, reason: "cut-in-block", bytes: 300 };
 * ```
 */
export interface FileIssue {
  /** Wal file name. */
  file: string;
  /** Offset the issue concerns: the partial block's start, or 0. */
  offset: number;
  /** What is wrong. */
  reason: "cut-in-block" | "not-a-wal-file" | "file-size-mismatch" | "not-a-regular-file";
  /** See above. */
  bytes: number;
}

/**
 * Any damage the scan reports.
 *
 * @example
 * ```ts
 * import type { ScanIssue } from "@mrl/core";
 * const issue: ScanIssue = { file: "wal-00000000000000000000", offset: 40000, reason: "bad-checksum" };
 * ```
 */
export type ScanIssue = RecoveryIssue | FileIssue;

/**
 * What a scan found, complete once its iteration has ended.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { scanLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const scan = scanLog(dir, { emptyIsLog: true });
 * for await (const _ of scan);
 * console.log(scan.report.issueCount, scan.report.bytesRead); // 0 0
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export interface ScanReport {
  /** Wal files in the directory. */
  files: number;
  /** Their bytes in all. */
  totalBytes: number;
  /** Bytes read so far (every byte of every wal file once the scan is complete). */
  bytesRead: number;
  /** Records read (the first pass's count when `live`). */
  records: number;
  /**
   * Damaged spots: frame issues in log order (the first 1000), then
   * unread bytes and file issues, in file order.
   */
  issues: ScanIssue[];
  /** Total damaged spots (may exceed `issues.length`). */
  issueCount: number;
  /**
   * Where the log ends: where reading stopped (writing resumes there, or
   * earlier when the log ends in frames replay drops: see `RecoveryReport.droppedTail`).
   */
  end: { file: string; offset: number };
}

/**
 * The scan of a log directory: an async iterator of its records and queue
 * events (see {@link scanLog}); `report` is complete once it has ended.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { type LogScan, scanLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const scan: LogScan = scanLog(dir, { emptyIsLog: true });
 * console.log((await scan.next()).done); // true
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export interface LogScan extends AsyncIterableIterator<ScanEntry> {
  /** What the scan found (so far; complete once the iteration has ended). */
  readonly report: ScanReport;
  /** Ends the scan early and closes its file. */
  return(): Promise<IteratorResult<ScanEntry, undefined>>;
}
