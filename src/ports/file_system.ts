/**
 * The port between the runtime-neutral core and the file system. The core
 * only ever calls these methods; adapters implement them for Deno, Bun and
 * Node, and tests may pass their own.
 *
 * @module
 */

/**
 * An open file. Offsets are absolute (positioned I/O); the core never relies
 * on a file cursor.
 *
 * @example
 * ```ts
 * import type { FileHandle } from "@mrl/core";
 * async function readHeader(file: FileHandle): Promise<Uint8Array> {
 *   const buf = new Uint8Array(7);
 *   await file.read(buf, 0);
 *   return buf;
 * }
 * ```
 */
export interface FileHandle {
  /** Reads up to `buffer.length` bytes at `offset`; resolves to the count read (0 at end of file). */
  read(buffer: Uint8Array, offset: number): Promise<number>;
  /**
   * Optional: the same as `read`, synchronously. Disk mode (payloads read
   * back from the wal files) needs it, to answer the log's synchronous reads.
   */
  readSync?(buffer: Uint8Array, offset: number): number;
  /** Writes all of `data` at `offset`. */
  write(data: Uint8Array, offset: number): Promise<void>;
  /**
   * Optional: the same as `write`, synchronously. When present, the log hands
   * small writes to the OS without a round trip through the event loop.
   */
  writeSync?(data: Uint8Array, offset: number): void;
  /**
   * Optional: a shared, writable memory mapping of the whole file (writes
   * into it reach the file through the OS page cache, with no system call),
   * or undefined when mapping is not possible. The log only writes through
   * it to ranges it first filled with `writeSync` (so running out of disk
   * space is an error there, not a fault), never truncates a mapped file,
   * and relies on `datasync` to make mapped writes durable.
   */
  map?(): Uint8Array | undefined;
  /** Sets the file's length (extending with zeros). */
  truncate(length: number): Promise<void>;
  /** Flushes the file's data to stable storage (fdatasync). */
  datasync(): Promise<void>;
  /** The file's current length in bytes. */
  size(): Promise<number>;
  /**
   * Optional: the storage the file system allocated to the file, or
   * undefined where that count may leave out bytes that are not zero (a file
   * system that compresses or deduplicates, or one the port does not know).
   * Recovery does not read the part of a file that, by this count, holds no
   * data: the preallocated rest of the last wal file is a hole, which would
   * read as zeros.
   */
  allocation?(): Promise<FileAllocation | undefined>;
  /**
   * Closes the file. A handle is closed once: a second call resolves without
   * touching anything (the descriptor number may by then belong to another
   * file), and every other call on a closed handle rejects with `EBADF`.
   */
  close(): Promise<void>;
}

/**
 * The storage allocated to a file (see {@link FileHandle.allocation}).
 *
 * @example
 * ```ts
 * import type { FileAllocation } from "@mrl/core";
 * // A 128 MiB wal file with one 4 KiB block written:
 * const allocation: FileAllocation = { bytes: 4096, blockSize: 4096 };
 * console.assert(allocation.bytes <= allocation.blockSize);
 * ```
 */
export interface FileAllocation {
  /** Bytes of storage allocated (fstat's `st_blocks` x 512), delayed allocation included. */
  bytes: number;
  /** The file system's block size (fstat's `st_blksize`): the unit storage is allocated in. */
  blockSize: number;
}

/**
 * What `stat` tells about a path.
 *
 * @example
 * ```ts
 * import type { PathInfo } from "@mrl/core";
 * const info: PathInfo = { isFile: false, isDirectory: true };
 * ```
 */
export interface PathInfo {
  /** True for a regular file. */
  isFile: boolean;
  /** True for a directory. */
  isDirectory: boolean;
}

/**
 * An entry of a directory listing.
 *
 * @example
 * ```ts
 * import type { DirEntry } from "@mrl/core";
 * const entry: DirEntry = { name: "wal-00000000000000000000", isFile: true };
 * ```
 */
export interface DirEntry {
  /** The entry's name (no directory part). */
  name: string;
  /** True for a regular file (false for a symbolic link, whatever it points to). */
  isFile: boolean;
  /**
   * Optional: true for a symbolic link. The core follows a link named like a
   * wal file with `stat` (see the README, "Symbolic links"); a port that
   * leaves this out lists links as non-files, which the core ignores.
   */
  isSymlink?: boolean;
}

/**
 * How {@link FileSystem.openFile} opens a file.
 * - `read`: an existing file, read only.
 * - `readwrite`: an existing file, for reading and writing.
 * - `create`: a new empty file for reading and writing, created exclusively
 *   (O_CREAT|O_EXCL): rejects with `EEXIST` when anything is at `path`, a
 *   symbolic link included. No mode ever empties an existing file.
 *
 * @example
 * ```ts
 * import type { OpenMode } from "@mrl/core";
 * const mode: OpenMode = "readwrite";
 * ```
 */
export type OpenMode = "read" | "readwrite" | "create";

/**
 * The owner of a log directory, as it records itself in `.mrl.holder` for
 * the messages of refused opens. Fields are undefined where they could not
 * be read (no /proc, no permission).
 *
 * @example
 * ```ts
 * import type { LockHolder } from "@mrl/core";
 * const holder: LockHolder = { pid: 42, host: "ingest-1", runtime: "deno" };
 * console.log(holder.pid); // 42
 * ```
 */
export interface LockHolder {
  /** Process id, as seen in the holder's own PID namespace. */
  pid?: number;
  /** Host name of the holder's machine (or container). */
  host?: string;
  /** The holder's PID namespace, e.g. "pid:[4026531836]" (Linux). */
  pidNamespace?: string;
  /** The Linux boot id of the holder's machine. */
  bootId?: string;
  /** "deno", "bun" or "node". */
  runtime?: string;
  /** The kind of lock it holds: "sqlite" for the runtime adapters' (see `DirLock.kind`). */
  lock?: string;
  /** When it took the lock (ISO 8601). */
  since?: string;
}

/**
 * A held directory lock (see {@link FileSystem.lock}).
 *
 * @example
 * ```ts
 * import type { DirLock } from "@mrl/core";
 * const lock: DirLock = { release: () => Promise.resolve() };
 * await lock.release();
 * ```
 */
export interface DirLock {
  /**
   * The kind of lock held, as `MultiRecordLog.lockKind` reports it: "sqlite"
   * for the runtime adapters' (SQLite's exclusive lock on `.mrl.lock`).
   * Default "custom".
   */
  readonly kind?: string;
  /** Gives the directory up. */
  release(): Promise<void>;
}

/**
 * The file-system port. Paths are plain strings joined with `/`.
 * Errors are thrown as the runtime throws them; the core wraps them in
 * `IoError`, keeping the OS code (`code` property) when there is one.
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * import { nodeFileSystem } from "@mrl/core/node";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir, { fs: nodeFileSystem });
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export interface FileSystem {
  /** Opens a file. */
  openFile(path: string, mode: OpenMode): Promise<FileHandle>;
  /**
   * Optional: the same as `openFile`, synchronously. Disk mode opens the
   * wal files it reads payloads from this way, when a read needs them.
   */
  openFileSync?(path: string, mode: OpenMode): FileHandle;
  /** Lists a directory. */
  readDir(path: string): Promise<DirEntry[]>;
  /** Tells what `path` is (following symbolic links), or undefined when nothing is there (a dangling link included). */
  stat(path: string): Promise<PathInfo | undefined>;
  /** Creates a directory and its missing parents. */
  mkdir(path: string): Promise<void>;
  /** Removes a file. */
  remove(path: string): Promise<void>;
  /** Makes the directory's entries (created and removed files) durable, where the OS allows it. */
  syncDir(path: string): Promise<void>;
  /**
   * Optional: renames a file, atomically replacing `to` if it exists (POSIX
   * rename). Compaction needs it.
   */
  rename?(from: string, to: string): Promise<void>;
  /**
   * Optional: a lock of the port's own, for storage that is not this
   * machine's file system (the runtime adapters have none: without it, a
   * writable open takes the directory's SQLite lock, see the README's
   * "Ownership"). Takes exclusive ownership of directory `path` for one open
   * log, across processes, without leaving a stale lock behind a killed
   * process. Rejects with an error whose `code` is "ELOCKED" if another open
   * log holds it; the error may carry `holder` (a {@link LockHolder}), `hint`
   * (what to do) and `inThisProcess` (true when the holder is this very
   * process), which `LogLockedError` passes on. Rejects with an error whose
   * `code` is "ELOCKUNAVAILABLE" (and a `hint`) when no lock can be had
   * here, which becomes `LockUnavailableError`.
   */
  lock?(path: string): Promise<DirLock>;
}
