/**
 * How much storage a file system allocated to a file, for the adapters'
 * `FileHandle.allocation()`: fstat's `st_blocks` (512-byte units) and
 * `st_blksize`, trusted only on file systems where every byte that is not
 * zero lies in a counted block. Those that compress or deduplicate (btrfs,
 * ZFS) may count fewer blocks than the data they hold, and unknown ones are
 * not trusted either: the answer is then undefined.
 *
 * Uses `node:fs`, which Deno, Bun and Node all provide.
 *
 * @module
 */
import * as fs from "node:fs";
import type { FileAllocation } from "./file_system.ts";

/** `statfs` magic numbers of the file systems whose block count covers every non-zero byte. */
const TRUSTED = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x01021994, // tmpfs
  0x794c7630, // overlayfs (Docker's overlay2 needs ext4 or xfs below it)
]);

/** The allocation of the file at `path` whose fstat gave `blocks` and `blksize`; undefined when not to be trusted. */
export function fileAllocation(
  path: string,
  blocks: number | null | undefined,
  blksize: number | null | undefined,
): FileAllocation | undefined {
  if (typeof blocks !== "number" || typeof blksize !== "number" || blksize <= 0) return undefined;
  let type: number;
  try {
    type = Number(fs.statfsSync(path).type);
  } catch {
    return undefined; // no statfs here (or not allowed): the caller reads the file instead
  }
  return TRUSTED.has(type) ? { bytes: blocks * 512, blockSize: blksize } : undefined;
}
