/**
 * The kernel locks a Bun process takes (see kernel_lock.ts): `flock` and an
 * OFD lock, both through `bun:ffi` on libc.
 *
 * @module
 */
import process from "node:process";
import type { KernelLockResult } from "./kernel_lock.ts";
import {
  isBusy,
  libcNames,
  LOCK_EX,
  LOCK_NB,
  lockDescriptor,
  LockUnsupportedError,
  ofdLock,
} from "./lock_calls.ts";

interface BunFfiModule {
  dlopen(
    name: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): {
    symbols: {
      flock(fd: number, op: number): number;
      fcntl(fd: number, cmd: number, arg: Uint8Array): number;
      __errno_location(): number;
      __error(): number;
    };
  };
  read: { i32(pointer: number, offset: number): number };
}

let bunLibc: ReturnType<BunFfiModule["dlopen"]> | null | undefined;
let bunRead: BunFfiModule["read"] | undefined;

async function loadBunFfi(): Promise<void> {
  if (bunLibc !== undefined) return;
  bunLibc = null;
  try {
    const spec = "bun:ffi";
    const ffi = (await import(spec)) as BunFfiModule;
    bunRead = ffi.read;
    const errnoSymbol = process.platform === "darwin" ? "__error" : "__errno_location";
    for (const name of libcNames()) {
      try {
        bunLibc = ffi.dlopen(name, {
          flock: { args: ["i32", "i32"], returns: "i32" },
          fcntl: { args: ["i32", "i32", "ptr"], returns: "i32" },
          [errnoSymbol]: { args: [], returns: "ptr" },
        });
        return;
      } catch { /* try the next name */ }
    }
  } catch { /* no FFI: the caller falls back */ }
}

/** Takes Bun's kernel locks on `path`; undefined when FFI cannot be had. */
export async function lockBun(path: string): Promise<KernelLockResult | undefined> {
  await loadBunFfi();
  const lib = bunLibc?.symbols;
  if (lib === undefined) return undefined;
  const errno = () =>
    bunRead!.i32(process.platform === "darwin" ? lib.__error() : lib.__errno_location(), 0);
  return lockDescriptor(path, (fd) => {
    if (lib.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
      const e = errno();
      if (isBusy(e)) return "busy";
      throw new LockUnsupportedError(`flock(${path})`, e);
    }
    if (process.platform !== "linux") return ["flock"];
    const outcome = ofdLock((cmd, arg) => lib.fcntl(fd, cmd, arg), errno);
    if (outcome === "busy") return "busy";
    return outcome === "held" ? ["flock", "ofd"] : ["flock"];
  });
}

/**
 * Opens (creating) the file at `path` with `node:fs`, and runs `take` on its
 * descriptor: the kinds of lock it took, or "busy". The descriptor is closed
 * (dropping any lock taken) unless the lock is held.
 */
