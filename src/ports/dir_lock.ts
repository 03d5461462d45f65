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
 * announces itself before it checks for the other (one_kind_owner.ts).
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
import type { DirLock } from "./file_system.ts";
import { type KernelLockResult, LockUnsupportedError, tryKernelLock } from "./kernel_lock.ts";
import {
  formatHolder,
  type LockHolder,
  readHolder,
  replaceText,
  restoreText,
  thisProcess,
} from "./lock_holder.ts";
import { FLOCK_INTENT_FILE, KERNEL_HINT, OneKindCheck } from "./one_kind_owner.ts";
import { acquireOwnerFile, OWNER_FILE, ownerHint, ownerMayBeAlive } from "./owner_file.ts";

/** The lock file's name; the Rust crate and this library ignore it as a wal file. */
export const LOCK_FILE = ".mrl.lock";
export { FLOCK_INTENT_FILE };

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
    const oneKind = new OneKindCheck(
      { lockPath: path, intentPath: `${real}/${FLOCK_INTENT_FILE}` },
      lock,
      record,
      options.readProcLocks,
    );
    try {
      const refusal = await oneKind.run();
      if (refusal !== undefined) throw new LockedError(refusal.path, refusal.holder, refusal.hint);
      const ownerPath = `${real}/${OWNER_FILE}`;
      const owner = readHolder(ownerPath);
      if (owner !== undefined && ownerMayBeAlive(owner)) {
        throw new LockedError(ownerPath, owner, ownerHint(ownerPath, owner));
      }
      if (!oneKind.recordWritten) replaceText(path, record);
    } catch (err) {
      oneKind.undo();
      lock.release();
      throw err;
    }
    return () => {
      restoreText(path, ""); // nobody
      oneKind.release();
      lock.release();
    };
  }
  throw new LockedError(path, undefined, "the lock file keeps being replaced; stop what does that");
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
