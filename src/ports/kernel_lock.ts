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
 *   FFI is allowed (`--allow-ffi` or `-A`). A process holding one kind only
 *   also looks for the other kind in /proc/locks (dir_lock.ts); the README
 *   says what that leaves open.
 * - Bun: `flock` and an OFD lock, both through `bun:ffi` on libc: no
 *   dependency, and each call costs about a microsecond.
 * - Node: an OFD lock (Linux; `flock` on macOS) through the N-API addon
 *   `fs-native-extensions`, which ships prebuilt binaries for Linux, macOS and
 *   Windows, so it installs without a compiler and loads on every Node ABI.
 *   Node has no FFI and no lock of its own. The addon cannot be loaded in
 *   Deno (it needs libuv symbols Deno lacks), so it is only ever loaded
 *   under Node.
 *
 * Taking and releasing ownership (these locks plus the lock file) costs a
 * median of 14 µs on Bun, 250 µs on Node and 280 µs on Deno here
 * (`bench/lock.ts`); only an open pays it.
 *
 * @module
 */
export { LockUnsupportedError } from "./lock_calls.ts";

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

/**
 * Tries to take every kernel lock this runtime can on the file at `path`
 * (created if missing), without waiting. Resolves to the held lock, to
 * `{ busy: true }` when another holder has one, or to undefined when this
 * runtime can take no kernel lock here (the caller then uses a lock file).
 * Throws `LockUnsupportedError` when the file system refuses to lock.
 */
export async function tryKernelLock(path: string): Promise<KernelLockResult | undefined> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return (await import("./kernel_lock_deno.ts")).lockDeno(path);
  if (g.Bun !== undefined) return (await import("./kernel_lock_bun.ts")).lockBun(path);
  return (await import("./kernel_lock_node.ts")).lockNode(path);
}
