/**
 * The system-call plumbing the per-runtime kernel locks share: Linux lock
 * constants, the `struct flock` layout, an OFD lock through any `fcntl`,
 * errno classification, libc's names, and a lock held on a `node:fs`
 * descriptor.
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import type { KernelLockResult } from "./kernel_lock.ts";

// Linux constants (the same on x86_64 and aarch64).
export const LOCK_EX = 2;
export const LOCK_NB = 4;
const F_OFD_GETLK = 36;
const F_OFD_SETLK = 37;
const F_WRLCK = 1;
const F_UNLCK = 2;
const EAGAIN = 11;
const EACCES = 13;
const EWOULDBLOCK_DARWIN = 35;
export const O_RDWR = 2;
export const O_CREAT_LINUX = 0o100;
export const O_CLOEXEC_LINUX = 0o2000000;

/** A `struct flock` asking for a write lock on the whole file (Linux, 64-bit: 32 bytes). */
function flockStruct(type: number): Uint8Array {
  const buf = new Uint8Array(32);
  new DataView(buf.buffer).setInt16(0, type, true); // l_type; whence, start, len, pid all 0
  return buf;
}

export function isBusy(errno: number): boolean {
  return errno === EAGAIN || errno === EACCES || errno === EWOULDBLOCK_DARWIN;
}

/** A lock attempt's failure that is not "busy": the file system cannot lock. */
export class LockUnsupportedError extends Error {
  /** The OS error number, when known. */
  readonly errno: number | undefined;
  /** Creates the error. */
  constructor(what: string, errno: number | undefined) {
    super(`${what} failed${errno === undefined ? "" : ` (errno ${errno})`}`);
    this.errno = errno;
  }
}

export function libcNames(): string[] {
  if (process.platform === "darwin") return ["libSystem.B.dylib", "/usr/lib/libSystem.B.dylib"];
  return [
    "libc.so.6",
    "libc.so",
    `/lib/ld-musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`,
  ];
}

export function cString(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/**
 * Takes an OFD write lock with `fcntl`. "busy" when another description
 * holds one; "unsupported" when the file system refuses OFD locks for another
 * reason (the caller then relies on its other kind). Since errno can be
 * overwritten between the call and reading it, a failure of an unknown kind
 * is settled by asking the kernel (F_OFD_GETLK) whether a lock is in the way.
 */
export function ofdLock(
  fcntl: (cmd: number, arg: Uint8Array) => number,
  errno: () => number,
): "held" | "busy" | "unsupported" {
  if (fcntl(F_OFD_SETLK, flockStruct(F_WRLCK)) === 0) return "held";
  if (isBusy(errno())) return "busy";
  const probe = flockStruct(F_WRLCK);
  if (fcntl(F_OFD_GETLK, probe) === 0) {
    const type = new DataView(probe.buffer).getInt16(0, true);
    return type === F_UNLCK ? "unsupported" : "busy";
  }
  return "unsupported";
}

export function lockDescriptor(
  path: string,
  take: (fd: number) => string[] | "busy",
): KernelLockResult {
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  const release = () => {
    try {
      fs.closeSync(fd);
    } catch { /* already closed */ }
  };
  try {
    const kinds = take(fd);
    if (kinds === "busy") {
      release();
      return { busy: true };
    }
    const st = fs.fstatSync(fd);
    return { held: { kinds, dev: st.dev, ino: st.ino, release } };
  } catch (err) {
    release();
    throw err;
  }
}
