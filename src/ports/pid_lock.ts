/**
 * Directory ownership with a lock file holding the owner's process id, on
 * `node:fs` and `node:process` (which Deno, Bun and Node all provide). A lock
 * whose process is gone (killed with SIGKILL, say) is stale and taken over;
 * one held by a live process, or by a log open in this process, is refused
 * with an error whose `code` is "ELOCKED" and whose `pid` names the holder.
 *
 * There is no kernel lock to lean on (node:fs has no flock), so two processes
 * taking over the same stale lock at the same instant could both succeed;
 * outside that race the lock is exclusive. Telling that a holder is dead
 * takes a signal-0 `kill` (Deno: --allow-run) or, on Linux, a look at /proc;
 * when neither is allowed the lock is taken as live.
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import type { DirLock } from "./file_system.ts";

/** The lock file's name; the Rust crate and this library ignore it as a wal file. */
export const LOCK_FILE = ".mrl.lock";

/** Lock files held by logs open in this process. */
const held = new Set<string>();

/** An error saying who holds the lock. */
export class LockedError extends Error {
  readonly code = "ELOCKED";
  readonly pid: number | undefined;
  constructor(path: string, pid: number | undefined) {
    super(`${path} is held by process ${pid ?? "(unknown)"}`);
    this.pid = pid;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ESRCH") return false;
    if (code === "EPERM") return true; // it exists, owned by someone else
  }
  // Signals not allowed (Deno without --allow-run): Linux's /proc still tells.
  try {
    if (fs.existsSync("/proc/self")) return fs.existsSync(`/proc/${pid}`);
  } catch { /* not allowed either */ }
  return true; // cannot tell: never take over a lock that may be live
}

/** Takes the lock of directory `dir`. */
export function acquirePidLock(dir: string): Promise<DirLock> {
  const path = `${fs.realpathSync(dir)}/${LOCK_FILE}`;
  if (held.has(path)) return Promise.reject(new LockedError(path, process.pid));
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(path, "wx");
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") return Promise.reject(err);
      let owner: number | undefined;
      try {
        owner = Number.parseInt(fs.readFileSync(path, "utf8"), 10);
      } catch {
        continue; // removed meanwhile: try again
      }
      if (Number.isSafeInteger(owner) && owner !== process.pid && alive(owner)) {
        return Promise.reject(new LockedError(path, owner));
      }
      // Stale: its process is gone (or it is ours from an earlier life of this pid).
      try {
        fs.unlinkSync(path);
      } catch { /* someone else removed it */ }
      continue;
    }
    try {
      fs.writeSync(fd, `${process.pid}\n`);
    } finally {
      fs.closeSync(fd);
    }
    held.add(path);
    let released = false;
    return Promise.resolve({
      release(): Promise<void> {
        if (released) return Promise.resolve();
        released = true;
        held.delete(path);
        try {
          fs.unlinkSync(path);
        } catch { /* already gone */ }
        return Promise.resolve();
      },
    });
  }
  return Promise.reject(new LockedError(path, undefined));
}
