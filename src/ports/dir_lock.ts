/**
 * Exclusive ownership of a log directory, shared by every adapter: one open
 * log per directory, across processes, containers and runtimes.
 *
 * The owner holds kernel locks (see kernel_lock.ts) on the lock file
 * `.mrl.lock`, which is created once and never deleted: deleting it would let
 * a newcomer lock a new file of the same name while the owner still holds
 * the old one. The kernel drops the locks when the owner exits, however it
 * exits, so there is no stale lock to take over and no race in taking it.
 * After locking, the owner checks that the path still names the file it
 * locked, then writes who it is into the file (for error messages only;
 * nothing decides on that text) and blanks it again on release (one newline).
 *
 * Where this runtime can take no kernel lock, ownership falls back to the
 * owner file of owner_file.ts. Each side also honours the other: a kernel
 * owner refuses while a live fallback owner file exists, and a fallback owner
 * refuses while a live kernel owner is recorded in `.mrl.lock`.
 *
 * Uses `node:fs`, which Deno, Bun and Node all provide.
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import type { DirLock } from "./file_system.ts";
import { type KernelLock, LockUnsupportedError, tryKernelLock } from "./kernel_lock.ts";
import { formatHolder, type LockHolder, readHolder, thisProcess } from "./lock_holder.ts";
import { foreignLockKinds } from "./proc_locks.ts";
import { acquireOwnerFile, OWNER_FILE, ownerHint, ownerMayBeAlive } from "./owner_file.ts";

/** The lock file's name; the Rust crate and this library ignore it as a wal file. */
export const LOCK_FILE = ".mrl.lock";

/** Directories (real paths) owned by logs open in this process. */
const held = new Set<string>();

/** An error saying who holds the lock and what to do; `code` is "ELOCKED". */
export class LockedError extends Error {
  /** Stable code the core recognizes. */
  readonly code = "ELOCKED";
  /** The holder's pid, when known. */
  readonly pid: number | undefined;
  /** What the lock file records about the holder, when it could be read. */
  readonly holder: LockHolder | undefined;
  /** What to do about it. */
  readonly hint: string;
  /** True when the holder is this very process (another open log in it). */
  readonly inThisProcess: boolean;
  /** Creates the error. */
  constructor(path: string, holder: LockHolder | undefined, hint: string, inThisProcess = false) {
    super(
      inThisProcess
        ? `${path} is already held by this process (${holder?.pid ?? "(unknown)"}): ${hint}`
        : `${path} is held by process ${holder?.pid ?? "(unknown)"}: ${hint}`,
    );
    this.pid = holder?.pid;
    this.holder = holder;
    this.hint = hint;
    this.inThisProcess = inThisProcess;
  }
}

const KERNEL_HINT = "close the log in that process (or stop it); the operating system " +
  "releases the lock the moment that process exits, so nothing needs clearing by hand";

/** Options for {@link acquireDirLock} (tests use them to exercise the fallback). */
export interface DirLockOptions {
  /** false: skip kernel locks and use the owner file. Default true. */
  kernel?: boolean;
}

/**
 * Takes ownership of directory `dir`. Rejects with {@link LockedError} when
 * another open log (in this process or any other) owns it.
 */
export async function acquireDirLock(dir: string, options: DirLockOptions = {}): Promise<DirLock> {
  const real = fs.realpathSync(dir);
  if (held.has(real)) {
    throw new LockedError(
      `${real}/${LOCK_FILE}`,
      thisProcess(),
      "use that instance, or close it first",
      true,
    );
  }
  const release = options.kernel === false ? undefined : await kernelOwnership(real);
  const giveUp = release ?? fileOwnership(real);
  held.add(real);
  let released = false;
  return {
    release(): Promise<void> {
      if (!released) {
        released = true;
        held.delete(real);
        giveUp();
      }
      return Promise.resolve();
    },
  };
}

/** Kernel ownership: the release function, or undefined when no kernel lock can be had. */
async function kernelOwnership(real: string): Promise<(() => void) | undefined> {
  const path = `${real}/${LOCK_FILE}`;
  for (let attempt = 0; attempt < 8; attempt++) {
    let result;
    try {
      result = await tryKernelLock(path);
    } catch (err) {
      if (err instanceof LockUnsupportedError) return undefined; // e.g. ENOLCK: no locks on this file system
      throw err;
    }
    if (result === undefined) return undefined;
    if ("busy" in result) throw new LockedError(path, readHolder(path), KERNEL_HINT);
    const lock = result.held;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(path);
    } catch { /* deleted meanwhile */ }
    if (st === undefined || st.ino !== lock.ino || st.dev !== lock.dev) {
      lock.release(); // the name now means another file: lock that one instead
      continue;
    }
    if (process.platform === "linux" && lock.kinds.length < 2 && await foreignHolder(lock)) {
      lock.release();
      throw new LockedError(path, readHolder(path), KERNEL_HINT);
    }
    const ownerPath = `${real}/${OWNER_FILE}`;
    const owner = readHolder(ownerPath);
    if (owner !== undefined && ownerMayBeAlive(owner)) {
      lock.release();
      throw new LockedError(ownerPath, owner, ownerHint(ownerPath, owner));
    }
    try {
      replaceText(
        path,
        formatHolder({ ...thisProcess(), lock: "kernel", since: new Date().toISOString() }),
      );
    } catch (err) {
      lock.release();
      throw err;
    }
    return () => {
      try {
        replaceText(path, "\n"); // nobody
      } catch { /* informational only */ }
      lock.release();
    };
  }
  throw new LockedError(path, undefined, "the lock file keeps being replaced; stop what does that");
}

/**
 * Replaces the text of the (existing) file at `path` in place: written at
 * offset 0, then cut to its length. Never cut to zero: ext4 writes back a
 * file cut to zero when it is closed (its replace-by-truncate heuristic),
 * which made taking and releasing a lock cost 0.2 ms against 8 µs this way.
 */
function replaceText(path: string, text: string): void {
  const bytes = new TextEncoder().encode(text);
  const fd = fs.openSync(path, "r+");
  try {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, done);
    fs.ftruncateSync(fd, bytes.length);
  } finally {
    fs.closeSync(fd);
  }
}

/** Looks at /proc/locks this many times before deciding that a lock of another kind is held. */
const FOREIGN_LOOKS = 10;

/**
 * Whether a process holds a kind of lock on the file that this one cannot
 * take (`lock` holds one kind only: Node, or Deno without FFI). A process
 * taking both kinds holds its first one for a moment and drops it when it
 * meets ours, so one sighting is not enough: it must still be there after
 * a few short pauses. Waiting is safe, since ours is held all along: an owner
 * of both kinds could not have taken the kind we hold.
 */
async function foreignHolder(lock: KernelLock): Promise<boolean> {
  for (let look = 1;; look++) {
    const foreign = foreignLockKinds(lock.dev, lock.ino, lock.kinds);
    if (foreign === undefined || foreign.length === 0) return false;
    if (look === FOREIGN_LOOKS) return true;
    await new Promise((resolve) => setTimeout(resolve, look));
  }
}

/** Fallback ownership through the owner file. */
function fileOwnership(real: string): () => void {
  const outcome = acquireOwnerFile(real);
  if (typeof outcome !== "function") {
    throw new LockedError(`${real}/${OWNER_FILE}`, outcome.holder, outcome.hint);
  }
  // A kernel owner (another runtime, or one with its addon) records itself in the lock file.
  const path = `${real}/${LOCK_FILE}`;
  const kernelOwner = readHolder(path);
  if (kernelOwner?.lock === "kernel" && ownerMayBeAlive(kernelOwner)) {
    outcome();
    throw new LockedError(path, kernelOwner, ownerHint(path, kernelOwner));
  }
  return outcome;
}
