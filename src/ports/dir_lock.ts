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
 * locked, then writes who it is into the file (one JSON line) and blanks it
 * again on release (one newline). The text is for error messages, except
 * between a process holding only an OFD lock (Node) and one holding only
 * flock (Deno without FFI), which cannot see each other's lock: there each
 * announces itself before it checks for the other (see `ofdOnlyHolder`).
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
import {
  type KernelLock,
  type KernelLockResult,
  LockUnsupportedError,
  tryKernelLock,
} from "./kernel_lock.ts";
import {
  formatHolder,
  type LockHolder,
  parseHolder,
  readHolder,
  readLockText,
  thisProcess,
} from "./lock_holder.ts";
import { foreignLockKinds } from "./proc_locks.ts";
import { acquireOwnerFile, OWNER_FILE, ownerHint, ownerMayBeAlive } from "./owner_file.ts";

/** The lock file's name; the Rust crate and this library ignore it as a wal file. */
export const LOCK_FILE = ".mrl.lock";
/** Where a process holding only flock announces itself (see `ofdOnlyHolder`); blank when nobody. */
export const FLOCK_INTENT_FILE = ".mrl.flock";

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

/** Options for {@link acquireDirLock} (tests use them to exercise the fallback and the checks). */
export interface DirLockOptions {
  /** false: skip kernel locks and use the owner file. Default true. */
  kernel?: boolean;
  /** Takes the kernel locks (default: {@link tryKernelLock}). */
  kernelLock?: (path: string) => Promise<KernelLockResult | undefined>;
  /** Reads the kernel's table of locks (default: /proc/locks). */
  readProcLocks?: () => string;
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
  const release = options.kernel === false ? undefined : await kernelOwnership(real, options);
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
async function kernelOwnership(
  real: string,
  options: DirLockOptions,
): Promise<(() => void) | undefined> {
  const path = `${real}/${LOCK_FILE}`;
  const intentPath = `${real}/${FLOCK_INTENT_FILE}`;
  for (let attempt = 0; attempt < 8; attempt++) {
    let result;
    try {
      result = await (options.kernelLock ?? tryKernelLock)(path);
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
    const record = formatHolder({
      ...thisProcess(),
      lock: "kernel",
      kinds: [...lock.kinds],
      since: new Date().toISOString(),
    });
    const kind = process.platform !== "linux" || lock.kinds.length > 1
      ? "both"
      : lock.kinds[0] === "ofd"
      ? "ofd"
      : "flock";
    /** What this attempt wrote before it was sure to own the directory, to put back if it is not. */
    let previousRecord: string | undefined;
    let announced = false;
    const giveUp = (): void => {
      if (previousRecord !== undefined) restoreText(path, previousRecord);
      if (announced) restoreText(intentPath, "");
      lock.release();
    };
    try {
      if (kind === "ofd") {
        // Announce, then look for an announced flock-only owner (see announcedFlockHolder).
        previousRecord = readLockText(path) ?? "";
        replaceText(path, record);
        const intent = readLockText(intentPath);
        if (intent && await foreignHolder(lock, options.readProcLocks)) {
          giveUp();
          throw new LockedError(intentPath, parseHolder(intent), KERNEL_HINT);
        }
      } else if (kind === "flock") {
        announced = true;
        replaceText(intentPath, record);
        const node = await ofdOnlyHolder(path);
        if (node !== undefined) {
          giveUp();
          throw new LockedError(path, node, OFD_HOLDER_HINT);
        }
        if (await foreignHolder(lock, options.readProcLocks)) {
          giveUp();
          throw new LockedError(path, readHolder(path), KERNEL_HINT);
        }
      } else if (readLockText(intentPath)) {
        restoreText(intentPath, ""); // its writer held flock, which this process holds now: gone
      }
      const ownerPath = `${real}/${OWNER_FILE}`;
      const owner = readHolder(ownerPath);
      if (owner !== undefined && ownerMayBeAlive(owner)) {
        giveUp();
        throw new LockedError(ownerPath, owner, ownerHint(ownerPath, owner));
      }
      if (kind !== "ofd") replaceText(path, record);
    } catch (err) {
      if (!(err instanceof LockedError)) giveUp();
      throw err;
    }
    return () => {
      try {
        replaceText(path, "\n"); // nobody
        if (announced) replaceText(intentPath, "\n");
      } catch { /* informational only */ }
      lock.release();
    };
  }
  throw new LockedError(path, undefined, "the lock file keeps being replaced; stop what does that");
}

/**
 * A process holding only flock (Deno without FFI) cannot see an OFD lock
 * (Node's only kind), nor read /proc/locks. So each side announces itself
 * before it looks for the other: the OFD-only side writes its record into
 * the lock file, the flock-only side into {@link FLOCK_INTENT_FILE}. Of two
 * such contenders, at least one reads the other's announcement: the Node
 * side then checks /proc/locks for the flock (a stale announcement, left by
 * a process that died, shows none), and the Deno side, unable to check,
 * treats a recorded OFD-only owner as alive. It waits a little first, since
 * that owner may be about to give up because of it (a tie): an owner who
 * gives up puts the lock file's text back.
 *
 * Returns the OFD-only holder the lock file still records after
 * {@link OFD_HOLDER_LOOKS} looks, or undefined.
 */
async function ofdOnlyHolder(path: string): Promise<LockHolder | undefined> {
  for (let look = 1;; look++) {
    const holder = readHolder(path);
    const ofdOnly = holder !== undefined && holder.lock === "kernel" &&
      (holder.kinds !== undefined
        ? holder.kinds.length === 1 && holder.kinds[0] === "ofd"
        : holder.runtime === "node"); // written before records named their kinds
    if (!ofdOnly) return undefined;
    if (look === OFD_HOLDER_LOOKS) return holder;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Looks at the lock file this many times, 10 ms apart, before a recorded OFD-only owner is taken as live. */
const OFD_HOLDER_LOOKS = 40;

const OFD_HOLDER_HINT = "a process holding an OFD lock only (Node) owns the log, or owned it and " +
  "died; Deno without --allow-ffi cannot check that lock: close the log in that process, or " +
  "give Deno --allow-ffi (or -A) so that it can; if no process has the log open, open it once " +
  "with any other runtime, which clears the record";

/** Puts back a text this process replaced (informational; a failure is ignored). */
function restoreText(path: string, text: string): void {
  try {
    replaceText(path, text === "" ? "\n" : `${text}\n`);
  } catch { /* informational only */ }
}

/**
 * Replaces the text of the file at `path` (created if missing) in place: written at
 * offset 0, then cut to its length. Never cut to zero: ext4 writes back a
 * file cut to zero when it is closed (its replace-by-truncate heuristic),
 * which made taking and releasing a lock cost 0.2 ms against 8 µs this way.
 */
function replaceText(path: string, text: string): void {
  const bytes = new TextEncoder().encode(text);
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
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
async function foreignHolder(
  lock: KernelLock,
  readTable: (() => string) | undefined,
): Promise<boolean> {
  for (let look = 1;; look++) {
    const foreign = foreignLockKinds(lock.dev, lock.ino, lock.kinds, readTable);
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
