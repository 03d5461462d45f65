/**
 * Who holds a log directory: the facts the owner records in `.mrl.holder`
 * so that a refused open can say who to ask. Informational only: ownership
 * is decided by the kernel lock alone (dir_lock.ts).
 *
 * Uses `node:fs`, `node:os` and `node:process`, which Deno, Bun and Node all
 * provide.
 *
 * @module
 */
import * as fs from "node:fs";
import { hostname } from "node:os";
import process from "node:process";
import type { LockHolder } from "../ports/file_system.ts";
import { runtimeName } from "../ports/runtime.ts";

export type { LockHolder };

/** A holder record is one short line: longer files are read only this far. */
const MAX_RECORD_BYTES = 4096;

/**
 * Opens `path` without following a link and without blocking (a pipe put
 * there would otherwise block the open), and checks it is a regular file.
 */
function openRegular(path: string, flags: number): number {
  const c = fs.constants;
  const fd = fs.openSync(path, flags | c.O_NOFOLLOW | c.O_NONBLOCK, 0o644);
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw Object.assign(new Error(`${path} is not a regular file`), { code: "EINVAL" });
  }
  return fd;
}

/**
 * The trimmed text of the regular file at `path` ("" when it names nobody),
 * at most its first 4 KiB, or undefined when unreadable.
 */
export function readText(path: string): string | undefined {
  try {
    const fd = openRegular(path, fs.constants.O_RDONLY);
    try {
      const buffer = new Uint8Array(MAX_RECORD_BYTES);
      const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
      return new TextDecoder().decode(buffer.subarray(0, length)).trim();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

function readLink(path: string): string | undefined {
  try {
    return fs.readlinkSync(path);
  } catch {
    return undefined;
  }
}

let self: LockHolder | undefined;

/** This process, as a lock file records it (`since` is filled in by the caller). */
export function thisProcess(): LockHolder {
  self ??= {
    pid: process.pid,
    host: (() => {
      try {
        return hostname();
      } catch {
        return undefined;
      }
    })(),
    pidNamespace: readLink("/proc/self/ns/pid"),
    bootId: readText("/proc/sys/kernel/random/boot_id"),
    runtime: runtimeName(),
  };
  return { ...self };
}

/** The lock file's text for `holder`: one JSON line. */
export function formatHolder(holder: LockHolder): string {
  return JSON.stringify(holder) + "\n";
}

/**
 * Reads a lock file's holder. Accepts the JSON line written by
 * {@link formatHolder} and the bare pid older versions wrote; anything else
 * (an empty file, a half-written one) gives undefined.
 */
export function parseHolder(text: string): LockHolder | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) };
  try {
    const value = JSON.parse(trimmed) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const v = value as Record<string, unknown>;
    const str = (x: unknown) => (typeof x === "string" ? x : undefined);
    const holder: LockHolder = {};
    if (typeof v.pid === "number" && Number.isSafeInteger(v.pid)) holder.pid = v.pid;
    if (str(v.host) !== undefined) holder.host = str(v.host);
    if (str(v.pidNamespace) !== undefined) holder.pidNamespace = str(v.pidNamespace);
    if (str(v.bootId) !== undefined) holder.bootId = str(v.bootId);
    if (str(v.runtime) !== undefined) holder.runtime = str(v.runtime);
    if (str(v.lock) !== undefined) holder.lock = str(v.lock);
    if (str(v.since) !== undefined) holder.since = str(v.since);
    return holder;
  } catch {
    return undefined;
  }
}

/** Reads the holder recorded in the file at `path`, or undefined. */
export function readHolder(path: string): LockHolder | undefined {
  const text = readText(path);
  return text === undefined || text === "" ? undefined : parseHolder(text);
}

/**
 * Replaces the text of the regular file at `path` (created if missing; a
 * link or anything else there is refused, never written through) in place:
 * written at offset 0, then cut to its length. Never cut to zero: ext4
 * writes back a file cut to zero when it is closed (its replace-by-truncate
 * heuristic), which made taking and releasing a lock cost 0.2 ms against
 * 8 µs this way. An existing file is written synchronously (microseconds);
 * a missing one is created asynchronously, in the runtime's thread pool:
 * creating a file takes about 0.2 ms on ext4, which an open need not wait
 * for. Settles once the text is written.
 */
export function replaceText(path: string, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  // Missing (the common case at a fresh directory): no failed open, whose error costs more
  // than the check. A link to nothing also counts as missing; the create refuses it.
  if (!fs.existsSync(path)) return createWithText(path, bytes);
  let fd: number;
  try {
    fd = openRegular(path, fs.constants.O_RDWR);
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return createWithText(path, bytes);
    return Promise.reject(err);
  }
  try {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, done);
    fs.ftruncateSync(fd, bytes.length);
  } catch (err) {
    return Promise.reject(err);
  } finally {
    fs.closeSync(fd);
  }
  return Promise.resolve();
}

/** {@link replaceText} of a file that was missing: created (never through a link), off the event loop. */
async function createWithText(path: string, bytes: Uint8Array): Promise<void> {
  const c = fs.constants;
  const flags = c.O_RDWR | c.O_CREAT | c.O_NOFOLLOW | c.O_NONBLOCK;
  const file = await fs.promises.open(path, flags, 0o644);
  try {
    if (!(await file.stat()).isFile()) {
      throw Object.assign(new Error(`${path} is not a regular file`), { code: "EINVAL" });
    }
    let done = 0;
    while (done < bytes.length) {
      done += (await file.write(bytes, done, bytes.length - done, done)).bytesWritten;
    }
    await file.truncate(bytes.length);
  } finally {
    await file.close();
  }
}
