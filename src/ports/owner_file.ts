/**
 * The fallback ownership of a log directory, for a runtime that can take no
 * kernel lock (Node without its native addon, say): an owner file
 * `.mrl.owner` that exists exactly while a process owns the directory.
 *
 * - It is created whole and atomically: written and fsynced under a
 *   temporary name, then hard-linked into place, which fails if the name
 *   exists. No process ever reads a half-written owner file.
 * - It records the owner's pid, PID namespace and boot id. A dead owner's file
 *   is taken over only when it was written in this PID namespace during this
 *   boot, so that its pid means something here; one from another namespace
 *   (a container sharing the volume) or boot is refused, and the error says
 *   how to clear it.
 * - Taking over renames the stale file aside and checks that what was moved
 *   is the stale file; if a fresh owner replaced it meanwhile, it is put
 *   back. Three processes taking over one stale file within the same
 *   microseconds could still end with two owners; a kernel lock has no such
 *   window, which is why this is only the fallback.
 *
 * @module
 */
import * as fs from "node:fs";
import {
  formatHolder,
  type LockHolder,
  parseHolder,
  processAlive,
  sameNamespace,
  thisProcess,
} from "./lock_holder.ts";

/** The owner file's name. Neither this library nor the Rust crate reads it as a wal file. */
export const OWNER_FILE = ".mrl.owner";

/** Why an owner file refuses: who holds it, and how to clear it. */
export interface OwnerRefusal {
  /** The owner, when the file could be read. */
  holder: LockHolder | undefined;
  /** What to do, for the error message. */
  hint: string;
}

function unique(): string {
  return `${thisProcess().pid}.${Math.random().toString(36).slice(2, 10)}`;
}

function readText(path: string): string | undefined {
  try {
    return fs.readFileSync(path, "utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Whether the owner a lock or owner file records may still be alive. Only an
 * owner of this namespace and boot can be found dead; any other counts as
 * alive, as does a file that cannot be read as an owner.
 */
export function ownerMayBeAlive(holder: LockHolder | undefined): boolean {
  if (holder === undefined || holder.pid === undefined) return true;
  if (!sameNamespace(holder)) return true;
  return processAlive(holder.pid);
}

/** The hint for a refusal by an owner file at `path`. */
export function ownerHint(path: string, holder: LockHolder | undefined): string {
  if (holder !== undefined && holder.pid !== undefined && !sameNamespace(holder)) {
    return `its owner is in another PID namespace (container) or was recorded before a reboot, ` +
      `so it cannot be checked from here: close the log there, or, if no process anywhere has ` +
      `it open, delete ${path}`;
  }
  return `close the log in that process (or stop it); if no process has it open, delete ${path}`;
}

/** Removes a stale owner file, unless a fresh one replaced it after `staleText` was read. */
function takeOver(path: string, staleText: string): void {
  const aside = `${path}.stale.${unique()}`;
  try {
    fs.renameSync(path, aside);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return; // someone else took it over
    throw err;
  }
  const moved = readText(aside);
  if (moved !== staleText) {
    try {
      fs.linkSync(aside, path); // a fresh owner's file: put it back
    } catch { /* a third process got in: see the module comment */ }
  }
  fs.rmSync(aside, { force: true });
}

/**
 * Makes this process the owner of directory `dir` (a real path) through the
 * owner file. Returns a function that gives ownership up, or an
 * {@link OwnerRefusal} when a live (or uncheckable) owner has it.
 */
export function acquireOwnerFile(dir: string): (() => void) | OwnerRefusal {
  const path = `${dir}/${OWNER_FILE}`;
  const text = formatHolder({ ...thisProcess(), lock: "file", since: new Date().toISOString() });
  const temp = `${path}.${unique()}.tmp`;
  const fd = fs.openSync(temp, "wx");
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        fs.linkSync(temp, path);
        return () => {
          try {
            if (readText(path) === text) fs.rmSync(path, { force: true });
          } catch { /* already gone */ }
        };
      } catch (err) {
        if ((err as { code?: string }).code !== "EEXIST") throw err;
      }
      const current = readText(path);
      if (current === undefined) continue; // removed meanwhile: try again
      const holder = parseHolder(current);
      if (ownerMayBeAlive(holder)) return { holder, hint: ownerHint(path, holder) };
      takeOver(path, current);
    }
    return { holder: undefined, hint: ownerHint(path, undefined) };
  } finally {
    fs.rmSync(temp, { force: true });
  }
}
