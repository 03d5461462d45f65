/** A FileSystem that forwards to the runtime's adapter and counts the calls made through it. */
import type { FileHandle, FileSystem, OpenMode } from "../../mod.ts";
import { nodeFileSystem } from "../../mod.ts";

export interface CallCounts {
  write: number;
  datasync: number;
  syncDir: number;
  remove: number;
}

/** Wraps `inner`; `counts` tells how often each call was made. */
export function countingFileSystem(
  inner: FileSystem = nodeFileSystem,
): { fs: FileSystem; counts: CallCounts } {
  const counts: CallCounts = { write: 0, datasync: 0, syncDir: 0, remove: 0 };
  const wrap = (handle: FileHandle): FileHandle => ({
    read: (buffer, offset) => handle.read(buffer, offset),
    write: (data, offset) => {
      counts.write++;
      return handle.write(data, offset);
    },
    truncate: (length) => handle.truncate(length),
    datasync: () => {
      counts.datasync++;
      return handle.datasync();
    },
    size: () => handle.size(),
    close: () => handle.close(),
  });
  const fs: FileSystem = {
    openFile: async (path: string, mode: OpenMode) => wrap(await inner.openFile(path, mode)),
    readDir: (path) => inner.readDir(path),
    stat: (path) => inner.stat(path),
    mkdir: (path) => inner.mkdir(path),
    remove: (path) => {
      counts.remove++;
      return inner.remove(path);
    },
    syncDir: (path) => {
      counts.syncDir++;
      return inner.syncDir(path);
    },
  };
  return { fs, counts };
}
