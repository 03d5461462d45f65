/**
 * `@mrl/core`: a durable, multiplexed write-ahead record log. Many named
 * queues share one rolling log on disk; each queue has its own positions,
 * can be truncated up to a position, and is kept in memory for fast reads.
 * The files are those of Quickwit's Rust crate `mrecordlog`.
 *
 * Runs on Deno, Bun and Node; the core talks to the file system only through
 * the {@link FileSystem} port. `MultiRecordLog.open()` loads the adapter of
 * the runtime it runs on, and that one only; each adapter is also an entry
 * point of its own, to pass it explicitly as `fs`: `@mrl/core/deno`,
 * `@mrl/core/bun` and `@mrl/core/node`.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("events");
 * await log.appendRecord("events", new TextEncoder().encode("hello"));
 * for (const { position, payload } of log.range("events")) {
 *   console.log(position, new TextDecoder().decode(payload)); // 0 hello
 * }
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 *
 * @module
 */
export { MultiRecordLog } from "./src/log.ts";
export type { LogReader, ReadOnlyLog } from "./src/log.ts";
export { TypedQueue, type TypedQueueLog, type TypedRecord } from "./src/typed/typed_queue.ts";
export { type Codec, jsonCodec, textCodec } from "./src/typed/codecs.ts";
export type {
  AppendOptions,
  AppendOutcome,
  CompactionOptions,
  CompactionOutcome,
  DroppedTail,
  FileGapIssue,
  FollowIterator,
  FollowOptions,
  FrameIssue,
  Limits,
  LogSummary,
  OpenOptions,
  PersistAction,
  PersistPolicy,
  QueueSummary,
  RangeOptions,
  RecoveryIssue,
  RecoveryReport,
  ResourceUsage,
  ScanOptions,
  ShipOptions,
  TruncateOutcome,
  UnreadBytesIssue,
} from "./src/types.ts";
export type { QueueRecord } from "./src/types.ts";
export { ship, type ShipOutcome, type ShipSink } from "./src/extras/ship.ts";
export { scanLog } from "./src/scan/log_scan.ts";
export type {
  FileIssue,
  LogScan,
  ScanEntry,
  ScanIssue,
  ScanQueueEvent,
  ScanRecord,
  ScanReport,
} from "./src/scan/types.ts";
export {
  CorruptLogError,
  FileSizeMismatchError,
  InvalidArgumentError,
  InvalidQueueNameError,
  IoError,
  LockUnavailableError,
  LogClosedError,
  LogFailedError,
  LogLockedError,
  LogReadOnlyError,
  MrlError,
  NotADirectoryError,
  PayloadDecodeError,
  PositionInPastError,
  PositionOutOfRangeError,
  QueueAlreadyExistsError,
  QueueNotFoundError,
  ResourceExhaustedError,
} from "./src/errors.ts";
export type { AnyMrlError, MrlErrorCode } from "./src/errors.ts";
export type {
  DirEntry,
  DirLock,
  FileAllocation,
  FileHandle,
  FileSystem,
  LockHolder,
  OpenMode,
  PathInfo,
} from "./src/ports/file_system.ts";
