/**
 * The kernel lock a Node process takes (see kernel_lock.ts): an OFD lock on
 * Linux (`flock` on macOS) through the prebuilt N-API addon
 * `fs-native-extensions`. Only ever loaded under Node: the addon needs
 * libuv symbols that Deno lacks.
 *
 * @module
 */
import process from "node:process";
import { createRequire } from "node:module";
import type { KernelLockResult } from "./kernel_lock.ts";
import { lockDescriptor, LockUnsupportedError } from "./lock_calls.ts";

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

/** Takes Node's kernel lock on `path`; undefined when the addon cannot be loaded. */
export function lockNode(path: string): KernelLockResult | undefined {
  const addon = loadNodeAddon();
  if (addon === undefined) return undefined;
  return lockDescriptor(path, (fd) => {
    let locked: boolean;
    try {
      locked = addon.tryLock(fd);
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new LockUnsupportedError(`lock(${path})${code ? `: ${code}` : ""}`, undefined);
    }
    if (!locked) return "busy";
    return [process.platform === "linux" ? "ofd" : "flock"];
  });
}
