/**
 * Option, outcome and report types of the public API (their checks are in
 * validate.ts).
 *
 * @module
 */
import type { FileSystem } from "./ports/file_system.ts";

/**
 * A record handed out by reads (`range`, `lastRecord`, `follow`): its
 * position and a view of its payload.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, type QueueRecord } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("q");
 * await log.appendRecord("q", new Uint8Array([7]));
 * const records: QueueRecord[] = [...log.range("q")];
 * console.log(records[0].position, records[0].payload[0]); // 0 7
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export interface QueueRecord {
  /** The record's position in its queue. */
  position: number;
  /** The payload: a view of the log's memory, valid as long as you hold it; do not modify it. */
  payload: Uint8Array;
}

/**
 * What a persist does: `flush` hands buffered bytes to the OS (they survive a
 * process crash, not a power loss); `fsync` also waits until the OS has put
 * them on stable storage (fdatasync).
 *
 * @example
 * ```ts
 * import type { PersistAction } from "@mrl/core";
 * const action: PersistAction = "fsync";
 * ```
 */
export type PersistAction = "flush" | "fsync";

/**
 * When appends and truncations are persisted. Creating and deleting a queue
 * are always flushed and fsynced, whatever the policy.
 *
 * - `always`: every append/truncate is persisted with `action` before its
 *   promise resolves. The default is `{ kind: "always", action: "flush" }`.
 * - `interval`: like the Rust crate, a write that comes at least `intervalMs`
 *   after the last persist persists everything before it resolves. Without
 *   `timer`, no timer runs: if no write comes, bytes stay in the process
 *   until the next write, `persist()` or `close()`. With `timer: true`, a
 *   write that did not persist arms a timer that persists everything once
 *   the interval is over, so no write waits in the process longer than
 *   about `intervalMs`; the timer never keeps the process alive (it is
 *   unref'd), so exit only after `close()` if the last writes matter. Bytes
 *   are also handed to the OS whenever more than 1 MiB is buffered.
 *   Guarantee: once a write resolves that persisted, it and every write
 *   before it survive what `action` protects against.
 * - `never`: only `persist()`, `close()`, queue creation/deletion and file
 *   rolling persist (and the 1 MiB buffer limit hands bytes to the OS).
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, type PersistPolicy } from "@mrl/core";
 * const persistPolicy: PersistPolicy = { kind: "interval", intervalMs: 100, action: "fsync", timer: true };
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir, { persistPolicy });
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export type PersistPolicy =
  | { kind: "always"; action: PersistAction }
  | { kind: "interval"; intervalMs: number; action: PersistAction; timer?: boolean }
  | { kind: "never" };

/**
 * Options of {@link MultiRecordLog.open}.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, type OpenOptions } from "@mrl/core";
 * const options: OpenOptions = { persistPolicy: { kind: "always", action: "fsync" }, fileSize: 32768 * 64 };
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir, options);
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export interface OpenOptions {
  /** When writes are persisted; default `{ kind: "always", action: "flush" }`. */
  persistPolicy?: PersistPolicy;
  /**
   * Bytes per wal file: a multiple of 32768 from 32768 to 4 GiB (4294967296);
   * anything else is an `InvalidArgumentError`, thrown before anything is
   * touched.
   *
   * Leave it out to reopen a log: its file size is worked out from its wal
   * files (sizes rounded down to whole 32 KiB blocks). Every file but the
   * last was full when writing moved on (or shorter, when a compaction ended
   * it early), and the last file shows the size when its last block holds
   * only zeros (preallocated, not yet written). When some file shows the
   * size, the file size is the largest file's size; when none does (an empty
   * directory, or one file whose last block holds data: it may have been cut
   * short, like the Rust fixtures), it is 128 MiB (the Rust crate's), or the
   * largest file's size if that is larger. A file size worked out from files
   * larger than 4 GiB is kept.
   *
   * Given, it must be at least every wal file's size (no writer writes past
   * its file size), else `open` rejects with `FileSizeMismatchError` (naming
   * both sizes) and changes nothing; a larger one is accepted (shorter files
   * count as ended early) and applies to the file being written and to new
   * files. `resourceUsage()` and `summary()` report the files' real sizes.
   */
  fileSize?: number;
  /** The file-system port; default: the adapter for the runtime the code runs on. */
  fs?: FileSystem;
  /**
   * Open for reading only, e.g. to inspect a log another process owns: no
   * file or directory is created, written, cut or deleted, and no lock is
   * taken. Every write rejects with `LogReadOnlyError`.
   */
  readOnly?: boolean;
  /**
   * `false` opens writable WITHOUT taking the directory's lock: for callers
   * that make sure themselves that one process at a time opens the directory
   * (e.g. where no lock can be had: a port without `lock`, a runtime without
   * SQLite, a file system that refuses record locks). Two writers on one
   * directory destroy each other's records. Default `true`: a writable open
   * takes the lock or rejects (`LogLockedError`, `LockUnavailableError`).
   */
  lock?: boolean;
  /**
   * Back-pressure: an append that would take memory (`resourceUsage().memoryUsedBytes`,
   * counting appends not yet committed) or disk (`diskUsedBytes`, counting the wal
   * files it would create) over a limit rejects with `ResourceExhaustedError`
   * before anything is written.
   */
  limits?: Limits;
  /**
   * When to relocate the records of quiet queues that pin old wal files (see
   * `compact()`); `false` turns automatic compaction off. Default
   * `{ maxPinnedFiles: 8 }`.
   */
  compaction?: CompactionOptions | false;
  /**
   * Where retained payloads are kept. `"memory"` (the default) holds every
   * retained payload in memory, as the Rust crate does. `"disk"` leaves
   * payloads in the wal files and keeps only an index in memory (20 bytes a
   * record): for logs bigger than memory. Reads then return copies read back
   * from the files (valid for as long as they are held, whatever happens to
   * the files), checked against their frames' CRCs; every append reaches the
   * OS before it resolves, whatever the persist policy. The files are the
   * same in both modes. Needs a file-system port with `openFileSync` and
   * `readSync` (the runtime adapters have them).
   */
  payloads?: "memory" | "disk";
  /**
   * Disk mode: bytes of wal blocks kept in memory for reads (rounded down
   * to 32 KiB blocks, at least one); default 8 MiB.
   */
  readCacheBytes?: number;
}

/**
 * When compaction runs by itself: after a truncation or deletion, if more
 * than `maxPinnedFiles` wal files before the current one are kept alive, or
 * the wal files take more than `maxDiskBytes`, and relocating the records
 * that keep them alive costs at most a quarter of the bytes it frees (and
 * fits in one wal file).
 *
 * @example
 * ```ts
 * import type { CompactionOptions } from "@mrl/core";
 * const compaction: CompactionOptions = { maxPinnedFiles: 4, maxDiskBytes: 2 * 1024 ** 3 };
 * ```
 */
export interface CompactionOptions {
  /** Most wal files before the current one kept alive before compaction runs (default 8). */
  maxPinnedFiles?: number;
  /** Most bytes of wal files before compaction runs (default: no such limit). */
  maxDiskBytes?: number;
}

/**
 * What a compaction did.
 *
 * @example
 * ```ts
 * import type { CompactionOutcome } from "@mrl/core";
 * const outcome: CompactionOutcome = { queuesRewritten: 1, recordsRelocated: 1, bytesRelocated: 100, filesDeleted: 7 };
 * ```
 */
export interface CompactionOutcome {
  /** Queues whose retained records were rewritten. */
  queuesRewritten: number;
  /** Records rewritten. */
  recordsRelocated: number;
  /** Payload bytes rewritten. */
  bytesRelocated: number;
  /** Wal files deleted afterwards. */
  filesDeleted: number;
}

/**
 * Limits on what a log holds (see {@link OpenOptions.limits}).
 *
 * @example
 * ```ts
 * import type { Limits } from "@mrl/core";
 * const limits: Limits = { maxMemoryBytes: 512 * 1024 * 1024, maxDiskBytes: 4 * 1024 * 1024 * 1024 };
 * ```
 */
export interface Limits {
  /** Most bytes of memory the queues may use. */
  maxMemoryBytes?: number;
  /** Most bytes of wal files on disk. */
  maxDiskBytes?: number;
}

/**
 * Options of {@link MultiRecordLog.follow}.
 *
 * @example
 * ```ts
 * import type { FollowOptions } from "@mrl/core";
 * const fromTen: FollowOptions = { start: 10, signal: new AbortController().signal };
 * ```
 */
export interface FollowOptions {
  /** First position to yield (default: the first retained record). */
  start?: number;
  /**
   * Ends the iteration when aborted: a `next()` waiting (or the next one
   * called) rejects with the signal's reason, as `events.on` does.
   */
  signal?: AbortSignal;
}

/**
 * Options of `appendRecord` / `appendRecords`.
 *
 * @example
 * ```ts
 * import type { AppendOptions } from "@mrl/core";
 * const options: AppendOptions = { position: 42 }; // first record of the batch goes at 42
 * ```
 */
export interface AppendOptions {
  /**
   * Position of the first record. Equal to the queue's last position: the
   * append is an idempotent no-op. Below the next position: PositionInPastError.
   * Above it: the queue jumps forward.
   */
  position?: number;
}

/**
 * What an append did.
 *
 * @example
 * ```ts
 * import type { AppendOutcome } from "@mrl/core";
 * const outcome: AppendOutcome = { lastPosition: 7, walBytesWritten: 40 };
 * ```
 */
export interface AppendOutcome {
  /** Position of the last record appended; undefined when nothing was appended. */
  lastPosition: number | undefined;
  /** Bytes this call added to the wal (frame headers and padding included). */
  walBytesWritten: number;
}

/**
 * What a truncation did.
 *
 * @example
 * ```ts
 * import type { TruncateOutcome } from "@mrl/core";
 * const outcome: TruncateOutcome = { evictedRecords: 3, walBytesWritten: 19 };
 * ```
 */
export interface TruncateOutcome {
  /** Records removed from the queue. */
  evictedRecords: number;
  /** Bytes this call added to the wal. */
  walBytesWritten: number;
}

/**
 * Bounds of a `range` read: `start` inclusive, `end` exclusive, like `Array.slice`.
 *
 * @example
 * ```ts
 * import type { RangeOptions } from "@mrl/core";
 * const firstTen: RangeOptions = { start: 0, end: 10 };
 * ```
 */
export interface RangeOptions {
  /** First position to include (default: the first retained). */
  start?: number;
  /**
   * First position to exclude (default: none): an integer up to 2^53
   * (`Number.MAX_SAFE_INTEGER + 1`, so the record at 2^53 - 1 can be the last one included).
   */
  end?: number;
}

/**
 * Memory and disk held by a log.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * const usage = log.resourceUsage();
 * console.log(usage.memoryUsedBytes, usage.memoryAllocatedBytes, usage.diskUsedBytes);
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export interface ResourceUsage {
  /** Payload bytes retained plus per-record metadata and queue names. */
  memoryUsedBytes: number;
  /** Memory reserved for retained data (arena chunks and metadata arrays). */
  memoryAllocatedBytes: number;
  /** Wal files on disk times the file size. */
  diskUsedBytes: number;
}

/**
 * One queue in a {@link LogSummary}.
 *
 * @example
 * ```ts
 * import type { QueueSummary } from "@mrl/core";
 * const s: QueueSummary = { start: 10, end: 12, fileNumber: 0 };
 * ```
 */
export interface QueueSummary {
  /** Position of the first retained record (the next position when empty). */
  start: number;
  /** Position of the last retained record; undefined when empty. */
  end: number | undefined;
  /** Oldest wal file holding a retained record; undefined when empty. */
  fileNumber: number | undefined;
}

/**
 * What `summary()` returns.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("q");
 * console.log(log.summary().queues.q); // { start: 0, end: undefined, fileNumber: undefined }
 * console.log(Object.keys(log.summary().files)); // ["wal-00000000000000000000"]
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export interface LogSummary {
  /**
   * Every queue, by name, except those refused with `PositionOutOfRangeError`
   * (their positions cannot be given as numbers; `listQueues()` names them).
   * Objects keyed by queue name have no prototype: every name, `__proto__`
   * and `constructor` included, is an own property like any other.
   */
  queues: Record<string, QueueSummary>;
  /** Every wal file, by name: its size, and the payload bytes each queue retains in it (the queues that pin it; no prototype either). */
  files: Record<string, { size: number; queues: Record<string, number> }>;
}

/**
 * A damaged spot that recovery skipped. `reason` is one of:
 * `bad-frame` (unknown frame type or a length crossing the block: the rest of
 * the block is skipped), `bad-checksum` (one frame dropped),
 * `unterminated-record` (a multi-frame record cut short), `orphan-frame`
 * (a MIDDLE/LAST frame with no FIRST), `malformed-record` (a record that
 * does not decode), `position-in-past` (an append below its queue's next
 * position: the queue was reset to the newer data), one of the reasons
 * of {@link UnreadBytesIssue} (`bytes-after-end`, `partial-block`), or
 * `missing-file` ({@link FileGapIssue}); these two carry more fields.
 *
 * @example
 * ```ts
 * import type { RecoveryIssue } from "@mrl/core";
 * const issue: RecoveryIssue = { file: "wal-00000000000000000000", offset: 40000, reason: "bad-checksum" };
 * ```
 */
export type RecoveryIssue = FrameIssue | UnreadBytesIssue | FileGapIssue;

/**
 * A damaged spot inside the part of the log that replay read: a frame or a
 * record it had to drop (see {@link RecoveryIssue} for the reasons).
 *
 * @example
 * ```ts
 * import type { FrameIssue } from "@mrl/core";
 * const issue: FrameIssue = { file: "wal-00000000000000000000", offset: 19, reason: "orphan-frame" };
 * ```
 */
export interface FrameIssue {
  /** Wal file name. */
  file: string;
  /** Byte offset in the file where the damage was seen. */
  offset: number;
  /** What was wrong. */
  reason:
    | "bad-frame"
    | "bad-checksum"
    | "unterminated-record"
    | "orphan-frame"
    | "malformed-record"
    | "position-in-past";
}

/**
 * Bytes that hold data but that replay does not read, in one wal file.
 * Replay (this library's and the Rust crate's alike) ends at the first frame
 * header of seven zero bytes, and skips a partial block at the end of a
 * file; whatever non-zero bytes lie beyond is damage: records that were
 * written and are not brought back.
 *
 * - `bytes-after-end`: non-zero bytes after the point where the log ends
 *   (later in the same file, or in a later file), e.g. after a zeroed block
 *   or a zeroed frame header.
 * - `partial-block`: the file ends inside a block (it was cut short), and
 *   that last partial block holds non-zero bytes.
 *
 * `offset` and `bytes` span the first to the last non-zero byte. A writable
 * open keeps them, byte for byte, in a salvage file in the log directory
 * (named in `salvageFile`) before the writer may cut or reuse that space;
 * the salvaged records are not replayed (they are evidence for a person,
 * not data). A read-only open only reports them (no `salvageFile`).
 *
 * @example
 * ```ts
 * import type { UnreadBytesIssue } from "@mrl/core";
 * const issue: UnreadBytesIssue = {
 *   file: "wal-00000000000000000000",
 *   offset: 65536,
 *   reason: "bytes-after-end",
 *   bytes: 65536,
 *   frames: 66,
 *   salvageFile: "salvage-wal-00000000000000000000-offset-65536",
 * };
 * ```
 */
export interface UnreadBytesIssue {
  /** Wal file name. */
  file: string;
  /** Byte offset in the file of the first non-zero byte replay did not read. */
  offset: number;
  /** Why replay did not read them. */
  reason: "bytes-after-end" | "partial-block";
  /** Bytes from `offset` to the last non-zero byte, inclusive. */
  bytes: number;
  /** Frames in those bytes whose checksum still matches (found as a reader walks each block). */
  frames: number;
  /** The file in the log directory that keeps a copy of these bytes; only after a writable open. */
  salvageFile?: string;
}

/**
 * Wal files missing between two files that hold data: absent from the
 * numbering, or present with no whole 32 KiB block (empty, or cut short).
 * Garbage collection only deletes the oldest files, so a healthy log never
 * has a gap after its first file. The records those files held are lost
 * (how many cannot be known), and so are the records crossing the gap: the
 * record being read before it is dropped, and the frames continuing a record
 * begun in the gap are ignored; frames are never joined across a gap.
 *
 * @example
 * ```ts
 * import type { FileGapIssue } from "@mrl/core";
 * const issue: FileGapIssue = {
 *   file: "wal-00000000000000000001",
 *   offset: 0,
 *   reason: "missing-file",
 *   files: 1,
 *   emptyFiles: [],
 *   next: "wal-00000000000000000002",
 *   frames: 5,
 * };
 * ```
 */
export interface FileGapIssue {
  /** The first wal file of the gap (the name it would have when absent). */
  file: string;
  /** Always 0. */
  offset: number;
  /** Always `missing-file`. */
  reason: "missing-file";
  /** File numbers in the gap: from `file` to the one before `next`. */
  files: number;
  /** Those of them that exist but hold no whole block (empty or cut short), by name. */
  emptyFiles: string[];
  /** The wal file reading went on with after the gap. */
  next: string;
  /**
   * Frames read next to the gap that belong to records crossing it, dropped
   * with them: those of the record being read before the gap, and those
   * continuing, at the start of `next`, a record begun in the gap.
   */
  frames: number;
}

/** How many frame issues a report lists, in log order (all of them are counted). */
export const MAX_LISTED_ISSUES = 1000;

/**
 * What `open()` found while replaying the log (see `log.recovery`).
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * console.log(log.recovery.issues.length, log.recovery.byFile); // 0 {} for a clean log
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export interface RecoveryReport {
  /** Wal files read. */
  filesRead: number;
  /**
   * Wal records replayed: one per append call, truncation, queue creation or
   * deletion (and position record) that reached the disk, whatever it held.
   */
  walRecordsReplayed: number;
  /**
   * Payload records loaded from those wal records (an append call of 100
   * records counts 100), including records a later truncation or deletion
   * in the log dropped again. Records in queues refused with
   * `PositionOutOfRangeError` are not loaded and not counted.
   */
  payloadRecordsReplayed: number;
  /**
   * Damaged spots: those replay met, in log order (at most the first 1000,
   * but every {@link FileGapIssue}), then every {@link UnreadBytesIssue}, in
   * file order.
   */
  issues: RecoveryIssue[];
  /** Total damaged spots seen (may exceed `issues.length`). */
  issueCount: number;
  /** Damaged spots counted by wal file and reason (all of them, not only the first 1000). */
  byFile: Record<string, Partial<Record<RecoveryIssue["reason"], number>>>;
  /** Present when the log ended in frames replay dropped, which a writable open cuts. */
  droppedTail?: DroppedTail;
}

/**
 * The frames at the end of a log that replay read and dropped, after its
 * last complete record: an unfinished record (its last frames never
 * written, as after a crash while it was being written; not damage) or a
 * torn or damaged frame (reported among the issues). Writing resumes where
 * they begin, not after them: a writable open first copies them, as they
 * are, to salvage files (one per wal file they lie in, named in
 * `salvageFiles`, fsynced), then cuts them, so that later opens neither read
 * nor report them. A read-only open only tells.
 *
 * @example
 * ```ts
 * import type { DroppedTail } from "@mrl/core";
 * const tail: DroppedTail = {
 *   file: "wal-00000000000000000000",
 *   offset: 100058,
 *   bytes: 31014,
 *   salvageFiles: ["salvage-wal-00000000000000000000-offset-100058"],
 * };
 * ```
 */
export interface DroppedTail {
  /** The wal file in which the dropped frames begin: writing resumes there. */
  file: string;
  /** Offset in that file of the first dropped frame. */
  offset: number;
  /** Bytes from there to where replay stopped reading (whole blocks, across files). */
  bytes: number;
  /** The salvage files keeping those bytes; only after a writable open. */
  salvageFiles?: string[];
}

/**
 * What `follow()` returns: an async iterator of records whose `return()`
 * always exists (and ends it at once, even while a `next()` waits).
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { type FollowIterator, MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("q");
 * const it: FollowIterator = log.follow("q");
 * await it.return();
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export interface FollowIterator extends AsyncIterableIterator<QueueRecord> {
  /** Ends the iteration and releases it. */
  return(): Promise<IteratorResult<QueueRecord, undefined>>;
}

/**
 * Options of `ship()`; checked by `checkShipOptions` (validate.ts).
 *
 * @example
 * ```ts
 * import type { ShipOptions } from "@mrl/core";
 * const options: ShipOptions = {
 *   signal: AbortSignal.timeout(60_000),
 *   maxBatch: 500,
 *   backoff: { initialMs: 100, maxMs: 5_000 },
 *   onError: (error, attempt) => console.warn(`attempt ${attempt} failed:`, error),
 * };
 * ```
 */
export interface ShipOptions {
  /**
   * Stops shipping: ship() resolves once the batch in flight (if any)
   * settled, and that batch is truncated if the sink took it. A pause
   * between retries ends at once.
   */
  signal?: AbortSignal;
  /** Most records handed to the sink in one call (default 500). */
  maxBatch?: number;
  /**
   * Pauses after the sink rejected: `initialMs` after the first failure of a
   * batch (default 100), doubling after each further one up to `maxMs`
   * (default 5000).
   */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Told each time the sink rejects (`attempt` counts from 1 for each batch). */
  onError?: (error: unknown, attempt: number) => void;
}

/**
 * Options of `scanLog`; checked by `checkScanOptions` (validate.ts).
 *
 * @example
 * ```ts
 * import type { ScanOptions } from "@mrl/core";
 * const options: ScanOptions = { live: true, queues: ["events"] };
 * ```
 */
export interface ScanOptions {
  /** The file-system port (default: the runtime's). */
  fs?: FileSystem;
  /**
   * Yield only the records still in the log at its end (those an open
   * would load), and no queue events. Costs a first pass that keeps
   * positions, never payloads: per queue, where its current contents begin
   * and its truncation point, and one small entry per wal file it has
   * records in. The second pass starts at the first file holding such a
   * record.
   */
  live?: boolean;
  /** Only the records and events of these queues. */
  queues?: readonly string[];
  /** The wal file size the log was written with; a larger file is reported (`file-size-mismatch`). */
  fileSize?: number;
  /** An empty directory (no wal files) is an empty log rather than a `CorruptLogError` ("not a log"). */
  emptyIsLog?: boolean;
  /** Called after each read with the bytes read so far and the wal files' bytes in all. */
  onProgress?(bytesRead: number, totalBytes: number): void;
}
