/**
 * Keeps bytes replay does not read (found by `tail_scanner.ts`), or drops at
 * the end of the log (an unfinished record, a torn frame: see
 * `replay/recovery.ts`), in salvage files next to the wal files, before a writable
 * open lets the writer cut or reuse that space.
 *
 * A salvage file holds exactly the bytes `[offset, offset + length)` of one
 * wal file and is named after them: `salvage-wal-<20 digits>-offset-<offset>`
 * (a second, different copy of the same spot gets `.2`, and so on). No
 * reader takes that name for a wal file: this library and the Rust crate
 * both want exactly `wal-` and 20 digits (24 characters), and the name does
 * not start with `wal-`. Nothing deletes it either: garbage collection and
 * compaction only remove wal files and `wal-compaction.tmp`.
 *
 * Copying the same bytes again reuses the file that already holds them
 * (after making sure it is durable), so reopening a log whose damage stays
 * in place (a partial block in the middle of the log) does not pile up
 * copies. Each salvage file is fdatasynced, then the directory is synced:
 * only then may the caller cut. Any I/O error rejects, and the caller must
 * then not cut.
 *
 * @module
 */
import { IoError } from "../errors.ts";
import { io, type WalDirectory, WalFile } from "./directory.ts";
import { joinPath, walFileName } from "./file_name.ts";
import type { UnreadBytes } from "./tail_scanner.ts";

/** Bytes copied per read/write call. */
const COPY_BYTES = 1024 * 1024;
/** Copies of one spot tried before giving up (each a different content). */
const MAX_COPIES = 1000;

/** A range of bytes of one wal file. */
export type ByteRange = Pick<UnreadBytes, "fileNumber" | "offset" | "length">;

/** The salvage file name for bytes of wal file `fileNumber` from `offset`; `copy` counts from 1. */
export function salvageFileName(fileNumber: number, offset: number, copy = 1): string {
  const base = `salvage-${walFileName(fileNumber)}-offset-${offset}`;
  return copy === 1 ? base : `${base}.${copy}`;
}

/**
 * Copies each range of `unread` into its salvage file, durably (see the
 * module documentation). Resolves to the salvage file names, in order.
 */
export async function salvageUnreadBytes(
  dir: WalDirectory,
  unread: readonly ByteRange[],
): Promise<string[]> {
  const names: string[] = [];
  if (unread.length === 0) return names;
  const buffer = new Uint8Array(COPY_BYTES);
  const other = new Uint8Array(COPY_BYTES);
  for (const range of unread) {
    const source = await dir.openFile(range.fileNumber, "read");
    try {
      names.push(await salvageOne(dir, source, range, buffer, other));
    } finally {
      await source.close();
    }
  }
  await dir.sync();
  return names;
}

async function salvageOne(
  dir: WalDirectory,
  source: WalFile,
  range: ByteRange,
  buffer: Uint8Array,
  other: Uint8Array,
): Promise<string> {
  const fs = dir.fs;
  for (let copy = 1; copy <= MAX_COPIES; copy++) {
    const name = salvageFileName(range.fileNumber, range.offset, copy);
    const path = joinPath(dir.path, name);
    const info = await io("stat", path, () => fs.stat(path));
    if (info !== undefined) {
      if (!info.isFile) continue;
      const existing = new WalFile(
        await io("open", path, () => fs.openFile(path, "readwrite")),
        path,
        -1,
      );
      try {
        if (!(await holdsRange(existing, source, range, buffer, other))) continue;
        await existing.datasync();
        return name;
      } finally {
        await existing.close();
      }
    }
    const target = new WalFile(
      await io("create", path, () => fs.openFile(path, "create")),
      path,
      -1,
    );
    try {
      for (let done = 0; done < range.length;) {
        const want = Math.min(buffer.length, range.length - done);
        const chunk = buffer.subarray(0, want);
        const n = await source.readFully(chunk, range.offset + done);
        if (n !== want) {
          throw new IoError(
            "salvage",
            source.path,
            new Error("the file got shorter while copying"),
          );
        }
        await target.write(chunk, done);
        done += n;
      }
      await target.datasync();
    } finally {
      await target.close();
    }
    return name;
  }
  const spot = `${walFileName(range.fileNumber)} offset ${range.offset}`;
  throw new IoError("salvage", dir.path, new Error(`${MAX_COPIES} different copies of ${spot}`));
}

/** True when `file` holds exactly the bytes of `range` of `source`. */
async function holdsRange(
  file: WalFile,
  source: WalFile,
  range: ByteRange,
  buffer: Uint8Array,
  other: Uint8Array,
): Promise<boolean> {
  if ((await file.size()) !== range.length) return false;
  for (let done = 0; done < range.length;) {
    const want = Math.min(buffer.length, range.length - done);
    const a = buffer.subarray(0, want);
    const b = other.subarray(0, want);
    if ((await source.readFully(a, range.offset + done)) !== want) return false;
    if ((await file.readFully(b, done)) !== want) return false;
    for (let i = 0; i < want; i++) if (a[i] !== b[i]) return false;
    done += want;
  }
  return true;
}
