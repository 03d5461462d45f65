/**
 * Exclusive ownership of a log directory: one open log per directory, across
 * processes, containers and runtimes. The engine takes it at a writable open
 * unless the file-system port brings a `lock()` of its own.
 *
 * Ownership is ONE kernel lock: SQLite's exclusive lock on `.mrl.lock`
 * (sqlite_lock.ts), which every runtime takes the same way. Nothing else
 * decides: no owner file, no liveness guess, no reading of /proc. The lock
 * file is created once and never deleted (deleting it would let a newcomer
 * lock a new file of that name while the owner holds the old one); after
 * locking, the owner checks that the path still names the file it locked.
 *
 * Who holds the lock is written, after locking, to `.mrl.holder` (one JSON
 * line), for the messages of refused opens only: it may be stale or missing,
 * and it never decides anything.
 *
 * Uses `node:fs`, which Deno, Bun and Node all provide.
 *
 * @module
 */
import * as fs from "node:fs";
import type { DirLock } from "../ports/file_system.ts";
import {
  formatHolder,
  type LockHolder,
  readHolder,
  replaceText,
  thisProcess,
} from "./lock_holder.ts";
import { type SqliteLock, SqliteLockUnavailable, trySqliteLock } from "./sqlite_lock.ts";
import { LockUnavailableError, LogLockedError } from "../errors.ts";

/** The lock file's name (an empty SQLite database); no reader takes it for a wal file. */
export const LOCK_FILE = ".mrl.lock";
/** Where the owner records who it is, for messages only. */
export const HOLDER_FILE = ".mrl.holder";
/** The kind of lock the runtime adapters take, as `DirLock.kind` reports it. */
export const LOCK_KIND = "sqlite";

/** Locks held by logs open in this process, by the directory's real path (kept reachable here). */
const held = new Map<string, SqliteLock>();

/**
 * How long an open keeps trying a busy lock while no holder is recorded in
 * `.mrl.holder` (an owner records itself right after it locks), before it is
 * refused all the same.
 */
const UNRECORDED_HOLDER_PATIENCE_MS = 2000;

const IN_THIS_PROCESS_HINT = "use that instance, or close it first";

const BUSY_HINT = "close the log there (or stop that process) first; open it with " +
  "{ readOnly: true } to read it meanwhile";

/** A lock {@link acquireDirLock} took. */
export interface HeldDirLock extends DirLock {
  /** Settles once the holder record is written to `.mrl.holder` (or could not be). */
  readonly recorded: Promise<void>;
}

/** Options for {@link acquireDirLock}, for tests. */
export interface DirLockOptions {
  /** Takes the lock (default: {@link trySqliteLock}). */
  tryLock?: (path: string) => Promise<SqliteLock | "busy">;
}

/**
 * Takes ownership of directory `dir`. Rejects with `LogLockedError` when
 * another open log (in this process or any other) owns it, and with
 * `LockUnavailableError` when no lock can be had here; both name `dir`.
 */
export async function acquireDirLock(
  dir: string,
  options: DirLockOptions = {},
): Promise<HeldDirLock> {
  let real: string;
  try {
    real = (fs.realpathSync.native ?? fs.realpathSync)(dir); // native: one call, not one per component
  } catch (err) {
    throw new LockUnavailableError(
      dir,
      `${dir} is not a directory of this machine's file system`,
      "a file-system port over other storage needs a lock() of its own, or open with " +
        "{ lock: false } if you make sure yourself that no other process opens this directory",
      err,
    );
  }
  const path = `${real}/${LOCK_FILE}`;
  if (held.has(real)) {
    throw new LogLockedError(dir, thisProcess(), IN_THIS_PROCESS_HINT, undefined, true);
  }
  const lock = await lockFile(dir, path, options.tryLock ?? trySqliteLock);
  if (held.has(real)) { // another open of this process got there while we awaited
    lock.release();
    throw new LogLockedError(dir, thisProcess(), IN_THIS_PROCESS_HINT, undefined, true);
  }
  held.set(real, lock);
  const holderPath = `${real}/${HOLDER_FILE}`;
  const record = formatHolder({
    ...thisProcess(),
    lock: LOCK_KIND,
    since: new Date().toISOString(),
  });
  // Recorded off the open's path: creating the file is the slowest step of opening a fresh
  // directory, and the record is for messages only. Contenders that find the lock busy while
  // nobody is recorded keep trying meanwhile (see lockFile).
  const recording = replaceText(holderPath, record).catch(() => {}); // e.g. a read-only .mrl.holder
  let released: Promise<void> | undefined;
  return {
    kind: LOCK_KIND,
    recorded: recording,
    release(): Promise<void> {
      released ??= (async () => {
        await recording;
        await replaceText(holderPath, "\n").catch(() => {}); // nobody, before the lock goes
        held.delete(real);
        lock.release();
      })();
      return released;
    },
  };
}

/** Locks the lock file at `path` of `dir`, making sure the path still names the locked file. */
async function lockFile(
  dir: string,
  path: string,
  tryLock: (path: string) => Promise<SqliteLock | "busy">,
): Promise<SqliteLock> {
  let emptied = false;
  const patience = Date.now() + UNRECORDED_HOLDER_PATIENCE_MS;
  for (let attempt = 0; attempt < 8; attempt++) {
    const before = regularFileId(dir, path);
    let result;
    try {
      result = await tryLock(path);
    } catch (err) {
      if (err instanceof SqliteLockUnavailable && err.reason === "not-a-database" && !emptied) {
        // Text an older version of this library wrote, or garbage. SQLite read it under its
        // shared lock, so nobody holds the exclusive lock: empty it and lock again. This process
        // holds no lock on the file (that would have made the attempt busy), so the descriptor
        // opened and closed here drops nothing.
        try {
          emptyLockFile(dir, path);
        } catch (cause) {
          throw unavailable(dir, path, cause);
        }
        emptied = true;
        attempt--;
        continue;
      }
      throw unavailable(dir, path, err);
    }
    if (result === "busy") {
      const holderPath = path.slice(0, -LOCK_FILE.length) + HOLDER_FILE;
      const holder = readHolder(holderPath);
      if (holder === undefined && Date.now() < patience) {
        // Nobody recorded: most likely contenders that started together are in each other's way
        // (see sqlite_lock.ts), and one of them is about to own the directory. Try again. Only
        // how long a refusal takes depends on this; who owns is decided by the lock alone.
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
        attempt--;
        continue;
      }
      const here = holder !== undefined && isThisProcess(holder);
      throw new LogLockedError(
        dir,
        holder,
        here ? IN_THIS_PROCESS_HINT : BUSY_HINT,
        undefined,
        here,
      );
    }
    // The path must still name the file SQLite locked: unchanged since before the attempt
    // (or, when the attempt created it, present now).
    let after;
    try {
      after = regularFileId(dir, path);
    } catch (err) {
      result.release();
      throw err;
    }
    if (after !== undefined && (before === undefined || sameId(before, after))) return result;
    result.release();
  }
  throw new LockUnavailableError(
    dir,
    `${path} keeps being replaced`,
    "stop whatever deletes or replaces the lock file; it must stay while any process may open the log",
  );
}

/** Whether `holder` is this process. */
function isThisProcess(holder: LockHolder): boolean {
  const me = thisProcess();
  return holder.pid === me.pid && holder.pidNamespace === me.pidNamespace &&
    holder.bootId === me.bootId && holder.host === me.host;
}

/**
 * Device and inode of the lock file at `path`; undefined if absent. Throws
 * when it is not a regular file of its own: a link, a directory, a pipe, or
 * a file with other hard links (a lock on a wal file's inode would be
 * dropped whenever the log closes that file).
 */
function regularFileId(dir: string, path: string): { dev: number; ino: number } | undefined {
  const st = fs.lstatSync(path, { throwIfNoEntry: false }); // absent is the common case
  if (st === undefined) return undefined;
  if (!st.isFile() || st.nlink !== 1) {
    throw new LockUnavailableError(
      dir,
      st.isFile() ? `${path} has other hard links` : `${path} is not a regular file`,
      "it must be the log's own lock file: remove what is there (a link, a directory, a pipe) " +
        "once no process has the log open",
    );
  }
  return { dev: st.dev, ino: st.ino };
}

function sameId(a: { dev: number; ino: number }, b: { dev: number; ino: number } | undefined) {
  return b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** The most an older version's text in the lock file ever took; a larger file is never emptied. */
const MAX_OLD_LOCK_TEXT = 4096;

/**
 * Empties a lock file that is not a database, when it is what an older
 * version left (a regular file of its own, at most a few KiB), without
 * following a link; anything else is refused.
 */
function emptyLockFile(dir: string, path: string): void {
  const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1 || st.size > MAX_OLD_LOCK_TEXT) {
      throw new LockUnavailableError(
        dir,
        `${path} is not a SQLite database (${st.size} bytes)`,
        "it is not the log's lock file: move it away once no process has the log open",
      );
    }
    fs.ftruncateSync(fd, 0);
  } finally {
    fs.closeSync(fd);
  }
}

/** What a failed attempt on the lock file at `path` of `dir` is refused with. */
function unavailable(dir: string, path: string, err: unknown): Error {
  if (err instanceof LockUnavailableError) return err;
  if (err instanceof SqliteLockUnavailable) {
    const hint = err.reason === "no-sqlite"
      ? "use a runtime that has it, or open with { lock: false } if you make sure yourself " +
        "that no other process opens this directory"
      : err.reason === "not-a-database"
      ? `${path} holds something SQLite cannot read even after it was emptied: ` +
        "remove it once no process has the log open"
      : `check that ${dir} is writable and its file system has room for ${LOCK_FILE}; a file ` +
        "system that refuses record locks (e.g. NFS without a lock manager) cannot hold the " +
        "log: keep it on a local one, or open with { lock: false } if you make sure yourself " +
        "that no other process opens this directory";
    return new LockUnavailableError(dir, err.message, hint, err);
  }
  return err as Error;
}
