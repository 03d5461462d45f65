/**
 * A FileSystem that forwards to another (by default the `node:fs` adapter,
 * which works on every runtime) and counts the calls made through it. The
 * optional methods (`writeSync`, `map`, `rename`, `lock`) are offered exactly
 * when the wrapped file system offers them, so the log takes the path it
 * takes on that adapter; `omit` hides some of them, to test a port without.
 */
import type { FileHandle, FileSystem, OpenMode } from "../../mod.ts";
import { nodeFileSystem } from "../../node.ts";

/** How often each call was made, through any handle. */
export interface CallCounts {
  openFile: number;
  read: number;
  write: number;
  writeSync: number;
  map: number;
  truncate: number;
  datasync: number;
  size: number;
  close: number;
  readDir: number;
  stat: number;
  mkdir: number;
  remove: number;
  syncDir: number;
  rename: number;
  lock: number;
}

/** Optional methods `countingFileSystem` can hide even where the wrapped file system has them. */
export type Optional = "writeSync" | "map" | "rename" | "lock";

function zeroCounts(): CallCounts {
  return {
    openFile: 0,
    read: 0,
    write: 0,
    writeSync: 0,
    map: 0,
    truncate: 0,
    datasync: 0,
    size: 0,
    close: 0,
    readDir: 0,
    stat: 0,
    mkdir: 0,
    remove: 0,
    syncDir: 0,
    rename: 0,
    lock: 0,
  };
}

/** Wraps `inner`; `counts` tells how often each call was made. */
export function countingFileSystem(
  inner: FileSystem = nodeFileSystem,
  { omit = [] }: { omit?: Optional[] } = {},
): { fs: FileSystem; counts: CallCounts } {
  const counts = zeroCounts();
  const offered = (name: Optional, present: unknown) =>
    present !== undefined && !omit.includes(name);
  const wrap = (handle: FileHandle): FileHandle => {
    const wrapped: FileHandle = {
      read: (buffer, offset) => {
        counts.read++;
        return handle.read(buffer, offset);
      },
      write: (data, offset) => {
        counts.write++;
        return handle.write(data, offset);
      },
      truncate: (length) => {
        counts.truncate++;
        return handle.truncate(length);
      },
      datasync: () => {
        counts.datasync++;
        return handle.datasync();
      },
      size: () => {
        counts.size++;
        return handle.size();
      },
      close: () => {
        counts.close++;
        return handle.close();
      },
    };
    if (offered("writeSync", handle.writeSync)) {
      wrapped.writeSync = (data, offset) => {
        counts.writeSync++;
        handle.writeSync!(data, offset);
      };
    }
    if (offered("map", handle.map)) {
      wrapped.map = () => {
        counts.map++;
        return handle.map!();
      };
    }
    return wrapped;
  };
  const fs: FileSystem = {
    openFile: async (path: string, mode: OpenMode) => {
      counts.openFile++;
      return wrap(await inner.openFile(path, mode));
    },
    readDir: (path) => {
      counts.readDir++;
      return inner.readDir(path);
    },
    stat: (path) => {
      counts.stat++;
      return inner.stat(path);
    },
    mkdir: (path) => {
      counts.mkdir++;
      return inner.mkdir(path);
    },
    remove: (path) => {
      counts.remove++;
      return inner.remove(path);
    },
    syncDir: (path) => {
      counts.syncDir++;
      return inner.syncDir(path);
    },
  };
  if (offered("rename", inner.rename)) {
    fs.rename = (from, to) => {
      counts.rename++;
      return inner.rename!(from, to);
    };
  }
  if (offered("lock", inner.lock)) {
    fs.lock = (path) => {
      counts.lock++;
      return inner.lock!(path);
    };
  }
  return { fs, counts };
}
