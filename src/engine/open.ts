/**
 * Opening a log directory, in the order that keeps it safe: a writable open
 * makes sure the directory exists, takes its lock, and only then lists and
 * replays the wal files, keeps the bytes replay could not read, opens the
 * writer where replay ended and removes a compaction's stray temporary
 * file. A read-only open takes no lock and changes nothing (see
 * `replay/read_only.ts`). A failure releases whatever was taken. Then the
 * parts a log is made of are put together: the queue catalog and, unless
 * read-only, the write path.
 *
 * @module
 */
import {
  asIoError,
  InvalidArgumentError,
  LockUnavailableError,
  LogLockedError,
  MrlError,
} from "../errors.ts";
import { WalDirectory } from "../wal/directory.ts";
import { walFileName } from "../wal/file_name.ts";
import { settleFileSize } from "../wal/file_size.ts";
import { DEFAULT_FILE_SIZE } from "../format/constants.ts";
import { type Crc32, loadCrc32 } from "../format/crc.ts";
import { Followers } from "./follow.ts";
import type { MemQueues } from "../memory/queues.ts";
import type { OpenOptions, RecoveryReport } from "../types.ts";
import { checkOpenOptions, MAX_FILE_SIZE } from "../validate.ts";
import type { DirLock, FileSystem, LockHolder } from "../ports/file_system.ts";
import { nativeCrc32Candidates } from "../ports/native_crc.ts";
import { defaultFileSystem } from "../ports/default_fs.ts";
import { acquireDirLock } from "../ownership/dir_lock.ts";
import { QueueCatalog } from "./catalog.ts";
import { recoverReadOnly } from "../replay/read_only.ts";
import { RecordWriter } from "./record_writer.ts";
import { keepUnreadBytes, recover } from "../replay/recovery.ts";
import { WritePath } from "./write_path.ts";
import { PayloadReader } from "../wal/payload_reader.ts";
import { DiskPayloads } from "../memory/disk_payloads.ts";
import type { PayloadStore } from "../memory/payload_store.ts";

/** What an open log is made of. */
export interface LogParts {
  path: string;
  directory: WalDirectory;
  catalog: QueueCatalog;
  followers: Followers;
  /** Undefined when read-only. */
  writes: WritePath | undefined;
  report: RecoveryReport;
  /** Shared by the reads and the writes of the log: true once `close()` was called. */
  life: { closing: boolean };
  /** The kind of lock held: "sqlite", "custom" (a port's own), or "none" (read-only, `lock: false`). */
  lockKind: string;
  /** Closes what reads hold open (disk mode: the wal files payloads are read from). */
  closeReads: () => Promise<void>;
}

/** Checks the options, opens the directory `path` and puts the log's parts together. */
export async function openLog(path: string, options: OpenOptions): Promise<LogParts> {
  const checked = checkOpenOptions(path, options);
  const fs = checked.fs ?? await defaultFileSystem();
  const crc = await loadCrc32(nativeCrc32Candidates);
  let reader: PayloadReader | undefined;
  let payloads: ((directory: WalDirectory) => PayloadStore) | undefined;
  if (checked.payloads === "disk") {
    if (fs.openFileSync === undefined) {
      throw new InvalidArgumentError(
        "payloads",
        "range",
        'payloads: "disk" reads payloads back synchronously: it needs a file-system port with ' +
          "openFileSync() and readSync() (the runtime adapters have them), or open with " +
          'payloads: "memory"',
      );
    }
    payloads = (directory) => {
      const large = directory.fileNumbers().find((n) => directory.sizeOf(n) > MAX_FILE_SIZE);
      if (large !== undefined) {
        throw new InvalidArgumentError(
          "payloads",
          "range",
          `payloads: "disk" finds payloads by offsets of up to 4 GiB, and wal file ` +
            `${walFileName(large)} holds ${directory.sizeOf(large)} bytes: open this log with ` +
            'payloads: "memory"',
        );
      }
      reader = new PayloadReader(directory, crc, checked.readCacheBytes);
      return new DiskPayloads(reader);
    };
  }
  const { directory, queues, report, writing } = await openFiles(
    fs,
    path,
    checked.fileSize,
    checked.readOnly ? "read-only" : checked.lock ? "locked" : "unlocked",
    crc,
    checked.limits.maxDiskBytes,
    payloads,
  );
  const catalog = new QueueCatalog(queues, checked.limits.maxMemoryBytes);
  const followers = new Followers();
  let writes: WritePath | undefined;
  if (writing !== undefined) {
    try {
      writes = new WritePath(path, directory, writing, catalog, followers, checked, crc);
      await writes.collectGarbage();
    } catch (err) {
      await releaseFiles(writing.writer, writing.lock);
      throw err;
    }
  }
  const lockKind = writing?.lock === undefined ? "none" : writing.lock.kind ?? "custom";
  return {
    path,
    directory,
    catalog,
    followers,
    writes,
    report,
    life: { closing: false },
    lockKind,
    closeReads: () => reader?.close() ?? Promise.resolve(),
  };
}

/** What an open found and holds. */
interface OpenedFiles {
  directory: WalDirectory;
  queues: MemQueues;
  report: RecoveryReport;
  /** The writer and the directory lock (undefined when opened with `lock: false`); undefined when read-only. */
  writing: { writer: RecordWriter; lock: DirLock | undefined } | undefined;
}

/**
 * Opens the directory `path`: replays it and, unless read-only, locks it
 * (unless "unlocked") and opens the writer (which checks appends against
 * `maxDiskBytes`). `fileSize` undefined: worked out from the files.
 */
async function openFiles(
  fs: FileSystem,
  path: string,
  fileSize: number | undefined,
  mode: "read-only" | "locked" | "unlocked",
  crc: Crc32,
  maxDiskBytes: number | undefined,
  payloads: ((directory: WalDirectory) => PayloadStore) | undefined,
): Promise<OpenedFiles> {
  if (mode === "read-only") {
    // No lock, so a writer may delete files meanwhile; replay retries (replay/read_only.ts).
    const { directory, recovered } = await recoverReadOnly(fs, path, fileSize, crc, payloads);
    return { directory, queues: recovered.queues, report: recovered.report, writing: undefined };
  }
  await WalDirectory.ensure(fs, path);
  const lock = mode === "unlocked" ? undefined : await lockDirectory(fs, path);
  let writer: RecordWriter | undefined;
  try {
    const directory = await WalDirectory.list(fs, path, fileSize ?? DEFAULT_FILE_SIZE);
    await settleFileSize(directory, fileSize);
    const recovered = await recover(directory, crc, payloads?.(directory));
    await keepUnreadBytes(directory, recovered); // before the writer cuts what replay did not read
    // Nothing unread past the end and nothing dropped there: the rest of the file is zeros.
    const restIsZeros = recovered.unread.length === 0 && recovered.droppedTail.length === 0;
    writer = await RecordWriter.open(
      directory,
      recovered.resumeAt,
      crc,
      maxDiskBytes,
      restIsZeros,
    );
    await directory.removeStrayTemp();
    const { queues, report } = recovered;
    return { directory, queues, report, writing: { writer, lock } };
  } catch (err) {
    await releaseFiles(writer, lock);
    throw err;
  }
}

/** After a failed open: closes the writer without writing and releases the lock, ignoring errors. */
async function releaseFiles(
  writer: RecordWriter | undefined,
  lock: DirLock | undefined,
): Promise<void> {
  await writer?.abandon().catch(() => {});
  await lock?.release().catch(() => {});
}

/**
 * Takes the directory's lock: the port's own `lock()` when it has one, else
 * the one kernel lock of `ownership/` (SQLite's, on the directory's real
 * path), which refuses with `LogLockedError` or `LockUnavailableError`
 * itself. A port's own lock() that rejects with code "ELOCKED" (held) or
 * "ELOCKUNAVAILABLE" (none to be had) gets the same errors.
 */
async function lockDirectory(fs: FileSystem, dir: string): Promise<DirLock> {
  try {
    return await (fs.lock === undefined ? acquireDirLock(dir) : fs.lock(dir));
  } catch (err) {
    if (err instanceof MrlError) throw err;
    const e = err as {
      code?: unknown;
      pid?: unknown;
      holder?: LockHolder;
      hint?: unknown;
      inThisProcess?: unknown;
    };
    if (e?.code === "ELOCKED") {
      const holder = e.holder ?? (typeof e.pid === "number" ? { pid: e.pid } : undefined);
      const hint = typeof e.hint === "string" ? e.hint : undefined;
      throw new LogLockedError(dir, holder, hint, err, e.inThisProcess === true);
    }
    if (e?.code === "ELOCKUNAVAILABLE") {
      const hint = typeof e.hint === "string" ? e.hint : "see the cause";
      const message = err instanceof Error ? err.message.replace(`: ${hint}`, "") : String(err);
      throw new LockUnavailableError(dir, message, hint, err);
    }
    throw asIoError("lock", dir, err);
  }
}
