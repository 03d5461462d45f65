/**
 * The kernel locks a Deno process takes (see kernel_lock.ts): `flock`
 * through `Deno.FsFile.tryLockSync`, and an OFD lock through
 * `Deno.dlopen` on libc when FFI is allowed.
 *
 * @module
 */
import process from "node:process";
import type { KernelLockResult } from "./kernel_lock.ts";
import {
  cString,
  libcNames,
  LockUnsupportedError,
  O_CLOEXEC_LINUX,
  O_CREAT_LINUX,
  O_RDWR,
  ofdLock,
} from "./lock_calls.ts";

interface DenoLockFile {
  tryLockSync(exclusive?: boolean): boolean;
  close(): void;
}
interface DenoFfi {
  symbols: {
    open(path: Uint8Array, flags: number, mode: number): number;
    fcntl(fd: number, cmd: number, arg: Uint8Array): number;
    close(fd: number): number;
    __errno_location(): unknown;
  };
}
interface DenoLockRuntime {
  openSync(
    path: string,
    options: { read: boolean; write: boolean; create: boolean },
  ): DenoLockFile;
  statSync(path: string): { dev: number; ino: number | null };
  permissions: { querySync(desc: { name: string }): { state: string } };
  dlopen(path: string, symbols: Record<string, unknown>): DenoFfi;
  UnsafePointerView: new (pointer: unknown) => { getInt32(offset?: number): number };
}

let denoLibc: DenoFfi | null | undefined;

function denoFfi(deno: DenoLockRuntime): DenoFfi | undefined {
  if (denoLibc !== undefined) return denoLibc ?? undefined;
  denoLibc = null;
  if (process.platform !== "linux") return undefined; // flock is the only kind elsewhere
  try {
    if (deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
  } catch {
    return undefined;
  }
  for (const name of libcNames()) {
    try {
      denoLibc = deno.dlopen(name, {
        open: { parameters: ["buffer", "i32", "i32"], result: "i32" },
        fcntl: { parameters: ["i32", "i32", "buffer"], result: "i32" },
        close: { parameters: ["i32"], result: "i32" },
        __errno_location: { parameters: [], result: "pointer" },
      });
      return denoLibc;
    } catch { /* try the next name */ }
  }
  return undefined;
}

export function lockDeno(path: string): KernelLockResult {
  const deno = (globalThis as unknown as { Deno: DenoLockRuntime }).Deno;
  const file = deno.openSync(path, { read: true, write: true, create: true });
  let fd = -1;
  let ffi: DenoFfi | undefined;
  const release = () => {
    try {
      file.close();
    } catch { /* already closed */ }
    if (fd >= 0) ffi!.symbols.close(fd);
    fd = -1;
  };
  try {
    let locked: boolean;
    try {
      locked = file.tryLockSync(true);
    } catch (err) {
      // Not "held by another" (that is false): the file system cannot lock (ENOLCK, say).
      throw new LockUnsupportedError(
        `flock(${path}): ${(err as Error)?.message ?? err}`,
        undefined,
      );
    }
    if (!locked) {
      release();
      return { busy: true };
    }
    const kinds = ["flock"];
    ffi = denoFfi(deno);
    if (ffi !== undefined) {
      const lib = ffi.symbols;
      fd = lib.open(cString(path), O_RDWR | O_CREAT_LINUX | O_CLOEXEC_LINUX, 0o644);
      if (fd < 0) throw new LockUnsupportedError(`open(${path})`, denoErrno(deno, ffi));
      const outcome = ofdLock(
        (cmd, arg) => lib.fcntl(fd, cmd, arg),
        () => denoErrno(deno, ffi!),
      );
      if (outcome === "busy") {
        release();
        return { busy: true };
      }
      if (outcome === "held") kinds.push("ofd");
    }
    const st = deno.statSync(path);
    return { held: { kinds, dev: st.dev, ino: st.ino ?? 0, release } };
  } catch (err) {
    release();
    throw err;
  }
}

function denoErrno(deno: DenoLockRuntime, ffi: DenoFfi): number {
  return new deno.UnsafePointerView(ffi.symbols.__errno_location()).getInt32(0);
}
