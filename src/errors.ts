/**
 * Error classes of @mrl/core: every error the library throws on purpose is
 * an {@link MrlError} with a stable `code`, bad arguments included
 * ({@link InvalidArgumentError}). Messages name the queue, position, file or
 * argument involved and say what to do. Each class states its code once, in
 * its declaration; {@link AnyMrlError} lists the classes once, and
 * {@link MrlErrorCode} is read off that list.
 *
 * @module
 */
import type { LockHolder } from "./ports/file_system.ts";

/**
 * The `code` of every {@link MrlError}, one per error class. It is read off
 * the classes listed in {@link AnyMrlError} (each class states its code once,
 * in its declaration), so it is exactly their set: a `switch` over it can be
 * exhaustive (a new code is a compile error in such a switch), and
 * {@link AnyMrlError} narrows the error along with its code.
 *
 * @example
 * ```ts
 * import type { MrlErrorCode } from "@mrl/core";
 * function retryable(code: MrlErrorCode): boolean {
 *   switch (code) {
 *     case "LOG_LOCKED":
 *     case "RESOURCE_EXHAUSTED":
 *       return true;
 *     case "LOCK_UNAVAILABLE":
 *     case "QUEUE_NOT_FOUND":
 *     case "QUEUE_ALREADY_EXISTS":
 *     case "PAYLOAD_DECODE":
 *     case "POSITION_IN_PAST":
 *     case "LOG_CLOSED":
 *     case "LOG_FAILED":
 *     case "LOG_READ_ONLY":
 *     case "NOT_A_DIRECTORY":
 *     case "CORRUPT_LOG":
 *     case "IO_ERROR":
 *     case "FILE_SIZE_MISMATCH":
 *     case "POSITION_OUT_OF_RANGE":
 *     case "INVALID_ARGUMENT":
 *     case "INVALID_QUEUE_NAME":
 *       return false;
 *     default: {
 *       const unhandled: never = code; // every code is handled above
 *       return unhandled;
 *     }
 *   }
 * }
 * console.log(retryable("LOG_LOCKED")); // true
 * ```
 */
export type MrlErrorCode = AnyMrlError["code"];

/**
 * Base class of every error this library throws on purpose. Its `code` is
 * one of {@link MrlErrorCode}; each subclass has its own, as a literal type.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MrlError, MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * try {
 *   await log.deleteQueue("missing");
 * } catch (err) {
 *   if (err instanceof MrlError) console.log(err.code); // "QUEUE_NOT_FOUND"
 * }
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class MrlError<Code extends MrlErrorCode = MrlErrorCode> extends Error {
  /** Stable, machine-readable identifier of the error kind. */
  readonly code: Code;
  /** Creates an error with a stable code. */
  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The named queue does not exist.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, QueueNotFoundError } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * try {
 *   log.range("nope");
 * } catch (err) {
 *   console.log(err instanceof QueueNotFoundError, (err as QueueNotFoundError).queue);
 * }
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class QueueNotFoundError extends MrlError<"QUEUE_NOT_FOUND"> {
  /** The queue that was asked for. */
  readonly queue: string;
  /** Creates the error for `queue`. */
  constructor(queue: string) {
    super("QUEUE_NOT_FOUND", `queue ${JSON.stringify(queue)} does not exist`);
    this.queue = queue;
  }
}

/**
 * A payload a {@link TypedQueue}'s codec could not decode (not UTF-8, not
 * JSON, ...): the bytes are in the log unchanged; read them with the binary
 * API (`range`) to see them.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { jsonCodec, MultiRecordLog, PayloadDecodeError } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("q");
 * await log.appendRecord("q", new TextEncoder().encode("not json"));
 * try {
 *   [...log.queue("q", jsonCodec()).range()];
 * } catch (err) {
 *   console.log(err instanceof PayloadDecodeError, (err as PayloadDecodeError).position); // true 0
 * }
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class PayloadDecodeError extends MrlError<"PAYLOAD_DECODE"> {
  /** The queue of the record. */
  readonly queue: string;
  /** The record's position. */
  readonly position: number;
  /** Creates the error; `cause` is what the codec threw. */
  constructor(queue: string, position: number, cause: unknown) {
    super(
      "PAYLOAD_DECODE",
      `the payload at position ${position} of queue ${
        JSON.stringify(queue)
      } could not be decoded ` +
        `(${(cause as Error)?.message ?? String(cause)}): read it with range() to see its bytes, ` +
        `or use the codec it was written with`,
      { cause },
    );
    this.queue = queue;
    this.position = position;
  }
}

/**
 * `createQueue` was called for a queue that already exists.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, QueueAlreadyExistsError } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("q");
 * await log.createQueue("q").catch((err) => console.log(err instanceof QueueAlreadyExistsError));
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class QueueAlreadyExistsError extends MrlError<"QUEUE_ALREADY_EXISTS"> {
  /** The queue that already exists. */
  readonly queue: string;
  /** Creates the error for `queue`. */
  constructor(queue: string) {
    super("QUEUE_ALREADY_EXISTS", `queue ${JSON.stringify(queue)} already exists`);
    this.queue = queue;
  }
}

/**
 * An append named an explicit position below the queue's next position (and
 * not equal to its last position, which would be an idempotent no-op).
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, PositionInPastError } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("q");
 * await log.appendRecords("q", [new Uint8Array(1), new Uint8Array(1)]); // positions 0, 1
 * const err = await log.appendRecord("q", new Uint8Array(1), { position: 0 }).catch((e) => e);
 * console.log(err instanceof PositionInPastError, err.nextPosition); // true 2
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class PositionInPastError extends MrlError<"POSITION_IN_PAST"> {
  /** The queue appended to. */
  readonly queue: string;
  /** The position the append asked for. */
  readonly position: number;
  /** The queue's next position when the append was refused. */
  readonly nextPosition: number;
  /** Creates the error. */
  constructor(queue: string, position: number, nextPosition: number) {
    super(
      "POSITION_IN_PAST",
      `cannot append to queue ${JSON.stringify(queue)} at position ${position}: ` +
        `its next position is ${nextPosition}`,
    );
    this.queue = queue;
    this.position = position;
    this.nextPosition = nextPosition;
  }
}

/**
 * The log was used after `close()`.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { LogClosedError, MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.close();
 * try {
 *   log.listQueues();
 * } catch (err) {
 *   console.log(err instanceof LogClosedError); // true
 * }
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class LogClosedError extends MrlError<"LOG_CLOSED"> {
  /** The log directory. */
  readonly dir: string;
  /** Creates the error for the log at `dir`. */
  constructor(dir: string) {
    super("LOG_CLOSED", `the log at ${JSON.stringify(dir)} is closed`);
    this.dir = dir;
  }
}

/**
 * The path given to `open` exists but is not a directory.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, NotADirectoryError } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const file = dir + "/file";
 * await MultiRecordLog.open(file).catch((err) => console.log(err instanceof NotADirectoryError));
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class NotADirectoryError extends MrlError<"NOT_A_DIRECTORY"> {
  /** The path that is not a directory. */
  readonly path: string;
  /** Creates the error for `path`. */
  constructor(path: string) {
    super("NOT_A_DIRECTORY", `${JSON.stringify(path)} exists and is not a directory`);
    this.path = path;
  }
}

/**
 * The log on disk holds something this library cannot load. (A position
 * above what a number names exactly no longer fails the open: that queue
 * alone is refused, see {@link PositionOutOfRangeError}.)
 *
 * @example
 * ```ts
 * import { CorruptLogError } from "@mrl/core";
 * const err = new CorruptLogError("position 2^60 of queue \"q\" is not a safe integer", "wal-00000000000000000000");
 * console.log(err.code, err.file); // CORRUPT_LOG wal-00000000000000000000
 * ```
 */
export class CorruptLogError extends MrlError<"CORRUPT_LOG"> {
  /** The wal file involved. */
  readonly file: string;
  /** Creates the error. */
  constructor(message: string, file: string) {
    super("CORRUPT_LOG", `${message} (in ${file})`);
    this.file = file;
  }
}

/**
 * The `fileSize` given to `open` contradicts the wal files already in the
 * directory: one of them is larger, and no writer writes past its file size,
 * so that log was written with a larger file size. Nothing was changed.
 * Open it without `fileSize` (the size is then worked out from the files:
 * `inferredFileSize`), or with a `fileSize` of at least `fileSizeOnDisk`.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { FileSizeMismatchError, MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * await (await MultiRecordLog.open(dir, { fileSize: 262144 })).close();
 * const err = await MultiRecordLog.open(dir, { fileSize: 131072 }).catch((e) => e);
 * console.log(err instanceof FileSizeMismatchError, err.code); // true FILE_SIZE_MISMATCH
 * console.log(err.fileSize, err.fileSizeOnDisk, err.file); // 131072 262144 wal-00000000000000000000
 * const log = await MultiRecordLog.open(dir); // no fileSize: 262144, from the files
 * console.log(log.resourceUsage().diskUsedBytes); // 262144
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class FileSizeMismatchError extends MrlError<"FILE_SIZE_MISMATCH"> {
  /** The log directory. */
  readonly dir: string;
  /** The `fileSize` that was asked for. */
  readonly fileSize: number;
  /** The wal file that is larger. */
  readonly file: string;
  /** Its size, in whole blocks. */
  readonly fileSizeOnDisk: number;
  /** The file size an open without `fileSize` would use. */
  readonly inferredFileSize: number;
  /** Creates the error. */
  constructor(
    dir: string,
    fileSize: number,
    file: string,
    fileSizeOnDisk: number,
    inferredFileSize: number,
  ) {
    super(
      "FILE_SIZE_MISMATCH",
      `fileSize ${fileSize} contradicts the log at ${JSON.stringify(dir)}: ` +
        `its wal file ${file} is ${fileSizeOnDisk} bytes, so the log was written with ` +
        `a file size of at least ${fileSizeOnDisk}; open it without fileSize ` +
        `(the files give ${inferredFileSize}) or with fileSize >= ${fileSizeOnDisk}`,
    );
    this.dir = dir;
    this.fileSize = fileSize;
    this.file = file;
    this.fileSizeOnDisk = fileSizeOnDisk;
    this.inferredFileSize = inferredFileSize;
  }
}

/**
 * The queue holds a position that a JavaScript number cannot name exactly:
 * the log on disk (written by the Rust crate, whose positions are u64) gives
 * it a record or a next position above 2^53 (a record position above
 * `Number.MAX_SAFE_INTEGER`). Rounding it would hand out wrong positions
 * and write wrong ones back, so every call naming the queue is refused with
 * this error, while the other queues work. The queue's wal files are kept as
 * they are (none of them is deleted or rewritten while the queue is there),
 * so the Rust crate still finds the queue intact.
 *
 * @example
 * ```ts
 * import { PositionOutOfRangeError } from "@mrl/core";
 * const err = new PositionOutOfRangeError("q", 2n ** 60n, "wal-00000000000000000000");
 * console.log(err.code, err.queue, err.position); // POSITION_OUT_OF_RANGE q 1152921504606846976n
 * ```
 */
export class PositionOutOfRangeError extends MrlError<"POSITION_OUT_OF_RANGE"> {
  /** The queue. */
  readonly queue: string;
  /** The position, exactly as on disk (a u64). */
  readonly position: bigint;
  /** The wal file holding the record that carries it. */
  readonly file: string;
  /** Creates the error. */
  constructor(queue: string, position: bigint, file: string) {
    super(
      "POSITION_OUT_OF_RANGE",
      `queue ${JSON.stringify(queue)} holds position ${position} (in ${file}), above what a ` +
        `JavaScript number names exactly (records up to 2^53 - 1, next positions up to 2^53): ` +
        `every call on this queue is refused and its wal files are kept as they are; ` +
        `the other queues work (read or delete it with the Rust crate)`,
    );
    this.queue = queue;
    this.position = position;
    this.file = file;
  }
}

/**
 * A file-system call failed. `cause` holds the runtime's error; `osCode` its
 * code (e.g. `ENOSPC`) when the runtime gave one.
 *
 * @example
 * ```ts
 * import { IoError } from "@mrl/core";
 * const err = new IoError("write", "/tmp/wal-00000000000000000000", new Error("disk full"), "ENOSPC");
 * console.log(err.code, err.osCode); // IO_ERROR ENOSPC
 * ```
 */
export class IoError extends MrlError<"IO_ERROR"> {
  /** What was being done: "open", "write", "datasync", ... */
  readonly operation: string;
  /** The path involved. */
  readonly path: string;
  /** The OS error code, when known (ENOSPC, EIO, ...). */
  readonly osCode: string | undefined;
  /** Creates the error. */
  constructor(operation: string, path: string, cause: unknown, osCode?: string) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super("IO_ERROR", `${operation} failed on ${path}: ${detail}`, { cause });
    this.operation = operation;
    this.path = path;
    this.osCode = osCode;
  }
}

/** The error a failed port call becomes: an {@link IoError} naming `path`, with the OS code when there is one. */
export function asIoError(operation: string, path: string, err: unknown): IoError {
  if (err instanceof IoError) return err;
  const code = (err as { code?: unknown })?.code;
  return new IoError(operation, path, err, typeof code === "string" ? code : undefined);
}

/**
 * A write failed earlier (see `cause`), so the log refuses further writes:
 * what reached the disk is no longer known. Reads still work; close and
 * reopen the log to recover what is on disk.
 *
 * @example
 * ```ts
 * import { LogFailedError } from "@mrl/core";
 * const err = new LogFailedError("/var/lib/wal", new Error("disk full"));
 * console.log(err.code); // LOG_FAILED
 * ```
 */
export class LogFailedError extends MrlError<"LOG_FAILED"> {
  /** The log directory. */
  readonly dir: string;
  /** Creates the error for the log at `dir`, failed because of `cause`. */
  constructor(dir: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      "LOG_FAILED",
      `the log at ${
        JSON.stringify(dir)
      } refuses writes after an earlier failure (${detail}); reopen it`,
      { cause },
    );
    this.dir = dir;
  }
}

/**
 * The directory is owned by another open log, in this process or another.
 * Ownership is a kernel lock on `.mrl.lock` (SQLite's exclusive lock) that
 * the operating system drops when its holder exits, so this error always
 * means a live holder: close the log there (or stop that process). `holder`
 * tells who it is, as far as its record in `.mrl.holder` says, and `hint`
 * what to do. `readOnly` opens do not need ownership.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import process from "node:process";
 * import { LogLockedError, MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const first = await MultiRecordLog.open(dir);
 * const err = await MultiRecordLog.open(dir).catch((e) => e);
 * console.log(err instanceof LogLockedError, err.code); // true LOG_LOCKED
 * console.log(err.holder?.pid === process.pid); // true
 * await first.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class LogLockedError extends MrlError<"LOG_LOCKED"> {
  /** The log directory. */
  readonly dir: string;
  /** Process id of the holder (in its own PID namespace), when known. */
  readonly pid: number | undefined;
  /** What the holder recorded about itself in `.mrl.holder`, when it could be read. */
  readonly holder: LockHolder | undefined;
  /** What to do about it. */
  readonly hint: string;
  /**
   * True when the holder is this very process: another `MultiRecordLog` of
   * this process has the directory open (use that one, or close it first).
   */
  readonly inThisProcess: boolean;
  /**
   * Creates the error. `inThisProcess` says that the holder is this process
   * (another open log in it), which the message then says instead of naming
   * the process as if it were elsewhere.
   */
  constructor(
    dir: string,
    holder: LockHolder | undefined,
    hint = "close the log there first",
    cause?: unknown,
    inThisProcess = false,
  ) {
    const where = inThisProcess
      ? `already open in this process${holder?.pid === undefined ? "" : ` (pid ${holder.pid})`}`
      : `open by ${describeHolder(holder)}`;
    super("LOG_LOCKED", `the log at ${JSON.stringify(dir)} is ${where}: ${hint}`, { cause });
    this.dir = dir;
    this.pid = holder?.pid;
    this.holder = holder;
    this.hint = hint;
    this.inThisProcess = inThisProcess;
  }
}

/** "process 42 (deno) on host "a" in PID namespace pid:[1] since ...", for messages. */
function describeHolder(holder: LockHolder | undefined): string {
  if (holder === undefined || holder.pid === undefined) {
    return "another process (its .mrl.holder record does not say which)";
  }
  const parts = [`process ${holder.pid}`];
  if (holder.runtime !== undefined) parts.push(`(${holder.runtime})`);
  if (holder.host !== undefined) parts.push(`on host ${JSON.stringify(holder.host)}`);
  if (holder.pidNamespace !== undefined) parts.push(`in PID namespace ${holder.pidNamespace}`);
  if (holder.since !== undefined) parts.push(`since ${holder.since}`);
  return parts.join(" ");
}

/**
 * A writable open could not take the directory's lock, so it refused rather
 * than run unprotected: this runtime has no SQLite (Node before 22.13), the
 * file system refuses record locks (e.g. NFS without a lock manager), the
 * lock file is not a regular file, or a port passed as `fs` over storage
 * other than this machine's file system has no `lock()` of its own.
 * `hint` says what to do. Opening with `{ lock: false }` takes no lock, for
 * callers that make sure themselves that one process at a time opens the
 * directory; `readOnly` opens need no lock.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { LockUnavailableError, MultiRecordLog } from "@mrl/core";
 * import { nodeFileSystem } from "@mrl/core/node";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * // A port whose own lock() finds no locks to be had (as on a file system that refuses them):
 * const noLocks = {
 *   ...nodeFileSystem,
 *   lock: () => Promise.reject(Object.assign(new Error("no locks"), { code: "ELOCKUNAVAILABLE" })),
 * };
 * const err = await MultiRecordLog.open(dir, { fs: noLocks }).catch((e) => e);
 * console.log(err instanceof LockUnavailableError, err.code); // true LOCK_UNAVAILABLE
 * const log = await MultiRecordLog.open(dir, { fs: noLocks, lock: false });
 * console.log(log.lockKind); // none
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class LockUnavailableError extends MrlError<"LOCK_UNAVAILABLE"> {
  /** The log directory. */
  readonly dir: string;
  /** What to do about it. */
  readonly hint: string;
  /** Creates the error. */
  constructor(dir: string, reason: string, hint: string, cause?: unknown) {
    super(
      "LOCK_UNAVAILABLE",
      `the log at ${JSON.stringify(dir)} cannot be locked (${reason}): ${hint}`,
      { cause },
    );
    this.dir = dir;
    this.hint = hint;
  }
}

/**
 * A write was called on a log opened with `readOnly: true`. (Its type,
 * `ReadOnlyLog`, has no writes; a log whose `readOnly` option is not a
 * literal `true` is typed `MultiRecordLog`, and its writes reject so.)
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { LogReadOnlyError, MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * await (await MultiRecordLog.open(dir)).close();
 * const readOnly = true as boolean; // e.g. from the command line
 * const log = await MultiRecordLog.open(dir, { readOnly });
 * const err = await log.createQueue("q").catch((e) => e);
 * console.log(err instanceof LogReadOnlyError); // true
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class LogReadOnlyError extends MrlError<"LOG_READ_ONLY"> {
  /** The log directory. */
  readonly dir: string;
  /** Creates the error. */
  constructor(dir: string) {
    super("LOG_READ_ONLY", `the log at ${JSON.stringify(dir)} was opened read-only`);
    this.dir = dir;
  }
}

/**
 * An append would take the log over one of its limits (`limits` in the open
 * options); nothing was written. Truncating frees room again.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, ResourceExhaustedError } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir, { limits: { maxMemoryBytes: 1000 } });
 * await log.createQueue("q");
 * const err = await log.appendRecord("q", new Uint8Array(2000)).catch((e) => e);
 * console.log(err instanceof ResourceExhaustedError, err.resource, err.limit); // true memory 1000
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class ResourceExhaustedError extends MrlError<"RESOURCE_EXHAUSTED"> {
  /** The queue the refused append was for. */
  readonly queue: string;
  /** Which limit: "memory" or "disk". */
  readonly resource: "memory" | "disk";
  /** Bytes in use (including writes not yet committed) when the append was refused. */
  readonly usage: number;
  /** Bytes the append would have added. */
  readonly requested: number;
  /** The limit. */
  readonly limit: number;
  /** Creates the error. */
  constructor(
    queue: string,
    resource: "memory" | "disk",
    usage: number,
    requested: number,
    limit: number,
  ) {
    super(
      "RESOURCE_EXHAUSTED",
      `append to queue ${JSON.stringify(queue)} refused: ${resource} would reach ${
        usage + requested
      } bytes ` +
        `(${usage} in use + ${requested}), over the limit of ${limit}: truncate what has been ` +
        `consumed (truncate() frees ${resource === "memory" ? "memory" : "wal files"} at once), ` +
        `or open with a higher limits.${resource === "memory" ? "maxMemoryBytes" : "maxDiskBytes"}`,
    );
    this.queue = queue;
    this.resource = resource;
    this.usage = usage;
    this.requested = requested;
    this.limit = limit;
  }
}

/**
 * An argument or option a call was given is not what it takes: not of the
 * type it takes (`kind` "type": a payload that is not a `Uint8Array`, a
 * `persistPolicy` that is not an object) or out of its range (`kind`
 * "range": a position that is not a safe non-negative integer, a `fileSize`
 * that is not a multiple of 32,768). `argument` names it as the caller
 * wrote it (`fileSize`, `persistPolicy.action`, `payloads[2]`); the message
 * says what it must be. Thrown, or the promise rejected, before anything is
 * touched.
 *
 * It is an {@link MrlError}, not a `TypeError` or `RangeError` (which the
 * library threw before): test `instanceof InvalidArgumentError`, or
 * `code === "INVALID_ARGUMENT"`, and `kind` for which of the two it was.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { InvalidArgumentError, MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const err = await MultiRecordLog.open(dir, { fileSize: 1000 }).catch((e) => e);
 * console.log(err instanceof InvalidArgumentError, err.code); // true INVALID_ARGUMENT
 * console.log(err.argument, err.kind); // fileSize range
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("q");
 * const bad = await log.appendRecord("q", "text" as unknown as Uint8Array).catch((e) => e);
 * console.log(bad.argument, bad.kind); // payloads[0] type
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class InvalidArgumentError extends MrlError<"INVALID_ARGUMENT"> {
  /** The argument or option, as the caller names it: `fileSize`, `limits.maxDiskBytes`, `payloads[0]`. */
  readonly argument: string;
  /** `"type"`: not of the type the call takes; `"range"`: of that type, but a value it refuses. */
  readonly kind: "type" | "range";
  /** Creates the error; `message` names the argument and says what it must be. */
  constructor(argument: string, kind: "type" | "range", message: string) {
    super("INVALID_ARGUMENT", message);
    this.argument = argument;
    this.kind = kind;
  }
}

/**
 * A queue name the log cannot store as given: not well-formed UTF-16 (a lone
 * surrogate, which UTF-8 cannot encode: the name would come back changed
 * after a reopen), or over 65,535 UTF-8 bytes. Thrown, or the promise
 * rejected, before anything is written. (A name that is not a string at all
 * is an {@link InvalidArgumentError}.) It is an {@link MrlError}, no longer a
 * `RangeError`.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { InvalidQueueNameError, MrlError, MultiRecordLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * const err = await log.createQueue("\uD800").catch((e) => e);
 * console.log(err instanceof MrlError, err instanceof InvalidQueueNameError); // true true
 * console.log(err.code, err.reason); // INVALID_QUEUE_NAME not-well-formed
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export class InvalidQueueNameError extends MrlError<"INVALID_QUEUE_NAME"> {
  /** The name that was refused. */
  readonly queue: string;
  /** Why: a lone surrogate (`not-well-formed`) or too many UTF-8 bytes (`too-long`). */
  readonly reason: "not-well-formed" | "too-long";
  /**
   * Creates the error. `at` is the index of the first lone surrogate
   * (`not-well-formed`) or the name's length in UTF-8 bytes (`too-long`).
   */
  constructor(queue: string, reason: "not-well-formed" | "too-long", at: number) {
    const shown = JSON.stringify(queue.length > 40 ? queue.slice(0, 40) : queue) +
      (queue.length > 40 ? "..." : "");
    super(
      "INVALID_QUEUE_NAME",
      reason === "not-well-formed"
        ? `queue name ${shown} is not well-formed UTF-16: the lone surrogate at index ${at} ` +
          `has no UTF-8 encoding, so the name would not survive a reopen; ` +
          `use a name whose every high surrogate (\\uD800-\\uDBFF) is followed by a low one (\\uDC00-\\uDFFF)`
        : `queue name ${shown} is ${at} UTF-8 bytes; the limit is 65535: use a shorter name`,
    );
    this.queue = queue;
    this.reason = reason;
  }
}

/**
 * Every {@link MrlError} subclass, told apart by its `code`: in a `switch`
 * on `code`, each case narrows the error to its class (with its fields), and
 * the `default` case can check that no code is left out. This union is the
 * one list of the error classes: {@link MrlErrorCode} is read off it, and a
 * class whose code is not in it does not compile (its code does not satisfy
 * `MrlError`'s type parameter).
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { type AnyMrlError, MrlError, MultiRecordLog } from "@mrl/core";
 * function describe(err: AnyMrlError): string {
 *   switch (err.code) {
 *     case "QUEUE_NOT_FOUND":
 *     case "QUEUE_ALREADY_EXISTS":
 *     case "PAYLOAD_DECODE":
 *       return `queue ${err.queue}`;
 *     case "LOG_LOCKED":
 *       return err.inThisProcess ? "open in this process" : `held by ${err.pid}`;
 *     default:
 *       return err.code;
 *   }
 * }
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * const err = await log.deleteQueue("missing").catch((e) => e);
 * if (err instanceof MrlError) console.log(describe(err as AnyMrlError)); // queue missing
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export type AnyMrlError =
  | QueueNotFoundError
  | QueueAlreadyExistsError
  | PayloadDecodeError
  | PositionInPastError
  | LogClosedError
  | LogFailedError
  | LogLockedError
  | LockUnavailableError
  | LogReadOnlyError
  | NotADirectoryError
  | CorruptLogError
  | IoError
  | FileSizeMismatchError
  | PositionOutOfRangeError
  | ResourceExhaustedError
  | InvalidArgumentError
  | InvalidQueueNameError;
