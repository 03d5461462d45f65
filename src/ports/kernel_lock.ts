/**
 * Kernel locks on a lock file, one way per runtime. A kernel lock belongs to
 * an open file description: it excludes every other open of the file, in this
 * process or any other, in any PID namespace (two containers sharing a
 * volume), and the kernel drops it when its holder closes the file or dies,
 * so a crash never leaves a stale lock behind.
 *
 * Linux has two independent kinds of whole-file lock that do not see each
 * other: `flock` locks and open-file-description (OFD) `fcntl` locks. Which
 * kind a runtime can take differs, and we measured that they really do not
 * exclude each other (a Deno `tryLock` and an OFD lock on the same file both
 * succeed), so every runtime takes every kind it can, and a directory is
 * owned only by a process holding all the kinds it tried:
 * - Deno: `Deno.FsFile.tryLockSync(true)`, which is `flock` (no permission
 *   needed beyond read/write), plus an OFD lock through `Deno.dlopen` when
 *   FFI is allowed (`--allow-ffi` or `-A`). Without FFI a Deno owner and a
 *   Node owner could both open one directory (see the README).
 * - Bun: `flock` and an OFD lock, both through `bun:ffi` on libc: no
 *   dependency, and each call costs about a microsecond.
 * - Node: an OFD lock (Linux; `flock` on macOS) through the N-API addon
 *   `fs-native-extensions`, which ships prebuilt binaries for Linux, macOS and
 *   Windows, so it installs without a compiler and loads on every Node ABI.
 *   Node has no FFI and no lock of its own. The addon cannot be loaded in
 *   Deno (it needs libuv symbols Deno lacks), so it is only ever loaded
 *   under Node.
 * Taking and releasing ownership (these locks plus the lock file) costs a
 * median of 14 µs on Bun, 250 µs on Node
 * and 280 µs on Deno here (`bench/lock.ts`); only an open pays it.
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import { createRequire } from "node:module";

/** A kernel lock taken on one file; `release` closes what holds it. */
export interface KernelLock {
  /** Which kinds of lock are held, e.g. ["flock", "ofd"]. */
  readonly kinds: readonly string[];
  /** The device and inode of the locked file, to check that the path still names it. */
  readonly dev: number;
  /** See `dev`. */
  readonly ino: number;
  /** Drops every lock (by closing the descriptors holding them). Never throws. */
  release(): void;
}

/** What trying to lock gave: held, or refused because another holder has it. */
export type KernelLockResult = { held: KernelLock } | { busy: true };

// Linux constants (the same on x86_64 and aarch64).
const LOCK_EX = 2;
const LOCK_NB = 4;
const F_OFD_GETLK = 36;
const F_OFD_SETLK = 37;
const F_WRLCK = 1;
const F_UNLCK = 2;
const EAGAIN = 11;
const EACCES = 13;
const EWOULDBLOCK_DARWIN = 35;
const O_RDWR = 2;
const O_CREAT_LINUX = 0o100;
const O_CLOEXEC_LINUX = 0o2000000;

/** A `struct flock` asking for a write lock on the whole file (Linux, 64-bit: 32 bytes). */
function flockStruct(type: number): Uint8Array {
  const buf = new Uint8Array(32);
  new DataView(buf.buffer).setInt16(0, type, true); // l_type; whence, start, len, pid all 0
  return buf;
}

function isBusy(errno: number): boolean {
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

function libcNames(): string[] {
  if (process.platform === "darwin") return ["libSystem.B.dylib", "/usr/lib/libSystem.B.dylib"];
  return [
    "libc.so.6",
    "libc.so",
    `/lib/ld-musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`,
  ];
}

// ---------------------------------------------------------------- Deno

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

function lockDeno(path: string): KernelLockResult {
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
    if (!file.tryLockSync(true)) {
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

function cString(text: string): Uint8Array {
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
function ofdLock(
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

// ---------------------------------------------------------------- Bun

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

function lockBun(path: string): KernelLockResult | undefined {
  const lib = bunLibc?.symbols;
  if (lib === undefined) return undefined;
  const errno = () =>
    bunRead!.i32(process.platform === "darwin" ? lib.__error() : lib.__errno_location(), 0);
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  const release = () => {
    try {
      fs.closeSync(fd);
    } catch { /* already closed */ }
  };
  try {
    if (lib.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
      const e = errno();
      release();
      if (isBusy(e)) return { busy: true };
      throw new LockUnsupportedError(`flock(${path})`, e);
    }
    const kinds = ["flock"];
    if (process.platform === "linux") {
      const outcome = ofdLock((cmd, arg) => lib.fcntl(fd, cmd, arg), errno);
      if (outcome === "busy") {
        release();
        return { busy: true };
      }
      if (outcome === "held") kinds.push("ofd");
    }
    const st = fs.fstatSync(fd);
    return { held: { kinds, dev: st.dev, ino: st.ino, release } };
  } catch (err) {
    release();
    throw err;
  }
}

// ---------------------------------------------------------------- Node

interface NativeExtensions {
  tryLock(fd: number, opts?: { shared?: boolean }): boolean;
}

let nodeAddon: NativeExtensions | null | undefined;

function loadNodeAddon(): NativeExtensions | undefined {
  if (nodeAddon === undefined) {
    nodeAddon = null;
    try {
      nodeAddon = createRequire(import.meta.url)("fs-native-extensions") as NativeExtensions;
    } catch { /* not installed, or no binary for this platform: the caller falls back */ }
  }
  return nodeAddon ?? undefined;
}

function lockNode(path: string): KernelLockResult | undefined {
  const addon = loadNodeAddon();
  if (addon === undefined) return undefined;
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  const release = () => {
    try {
      fs.closeSync(fd);
    } catch { /* already closed */ }
  };
  try {
    if (!addon.tryLock(fd)) {
      release();
      return { busy: true };
    }
    const st = fs.fstatSync(fd);
    return {
      held: {
        kinds: [process.platform === "linux" ? "ofd" : "flock"],
        dev: st.dev,
        ino: st.ino,
        release,
      },
    };
  } catch (err) {
    release();
    if (err instanceof Error && !(err instanceof LockUnsupportedError)) {
      const code = (err as { code?: string }).code;
      if (code !== undefined && code !== "EAGAIN") {
        throw new LockUnsupportedError(`lock(${path}): ${code}`, undefined);
      }
    }
    throw err;
  }
}

// ---------------------------------------------------------------- choice

/**
 * Tries to take every kernel lock this runtime can on the file at `path`
 * (created if missing), without waiting. Resolves to the held lock, to
 * `{ busy: true }` when another holder has one, or to undefined when this
 * runtime can take no kernel lock here (the caller then uses a lock file).
 * Throws `LockUnsupportedError` when the file system refuses to lock.
 */
export async function tryKernelLock(path: string): Promise<KernelLockResult | undefined> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return lockDeno(path);
  if (g.Bun !== undefined) {
    await loadBunFfi();
    return lockBun(path);
  }
  return lockNode(path);
}
