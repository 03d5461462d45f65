/**
 * The `node:fs` code shared by the Node and Bun adapters: files opened on a
 * descriptor with synchronous positioned I/O, and the directory calls.
 * `node:fs` is provided by Deno, Bun and Node alike, so this module is
 * runtime-neutral: loading it never loads another runtime's adapter.
 *
 * File I/O is positioned and synchronous on a descriptor (`readSync`,
 * `writeSync`, `ftruncateSync`): a write of a few hundred bytes takes about a
 * microsecond that way, against tens through the promise API's thread pool.
 * Only `fdatasync`, which waits for the disk, runs off the event loop, so new
 * writes keep being staged while it runs (group commit). The directory calls
 * an open makes (stat, list, mkdir) are synchronous too: each takes a few
 * microseconds that way, against 50 to 80 through the thread pool, which
 * was half the time of opening a fresh directory on Node. Removing and
 * renaming files (garbage collection, compaction) stay asynchronous: unlinking
 * a large file may take a while.
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import type {
  DirEntry,
  FileAllocation,
  FileHandle,
  FileSystem,
  OpenMode,
  PathInfo,
} from "./file_system.ts";
import { fileAllocation } from "./allocation.ts";

/** The error every call but `close` throws on a closed handle. */
export function closedHandleError(path: string): Error {
  return Object.assign(new Error(`EBADF: ${path} was closed`), { code: "EBADF" });
}

/**
 * A file open on a descriptor, with synchronous positioned I/O. It owns its
 * descriptor: `close` closes it exactly once, and no call uses the number
 * afterwards (it may belong to another file by then).
 */
export class FdFileHandle implements FileHandle {
  /** The descriptor, or -1 once closed. */
  #fd: number;
  /** The path it was opened at. */
  protected readonly path: string;

  constructor(path: string, fd: number) {
    this.#fd = fd;
    this.path = path;
  }

  /** The descriptor; throws `EBADF` once the handle is closed. */
  protected get fd(): number {
    if (this.#fd < 0) throw closedHandleError(this.path);
    return this.#fd;
  }

  // deno-lint-ignore require-await
  async read(buffer: Uint8Array, offset: number): Promise<number> {
    return this.readSync(buffer, offset);
  }

  readSync(buffer: Uint8Array, offset: number): number {
    return fs.readSync(this.fd, buffer, 0, buffer.length, offset);
  }

  // deno-lint-ignore require-await
  async write(data: Uint8Array, offset: number): Promise<void> {
    this.writeSync(data, offset);
  }

  writeSync(data: Uint8Array, offset: number): void {
    let done = 0;
    while (done < data.length) {
      done += fs.writeSync(this.fd, data, done, data.length - done, offset + done);
    }
  }

  // deno-lint-ignore require-await
  async truncate(length: number): Promise<void> {
    fs.ftruncateSync(this.fd, length);
  }

  datasync(): Promise<void> {
    return new Promise((resolve, reject) => {
      const fd = this.fd; // throws on a closed handle (rejecting this promise)
      fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()));
    });
  }

  // deno-lint-ignore require-await
  async size(): Promise<number> {
    return fs.fstatSync(this.fd).size;
  }

  // deno-lint-ignore require-await
  async allocation(): Promise<FileAllocation | undefined> {
    const info = fs.fstatSync(this.fd);
    return fileAllocation(this.path, info.blocks, info.blksize);
  }

  /** Closes the descriptor; a second call does nothing (see {@link FileHandle.close}). */
  // deno-lint-ignore require-await
  async close(): Promise<void> {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1; // whatever closeSync does, the number is never used again
    fs.closeSync(fd);
  }
}

/** `create` is O_CREAT|O_EXCL: an existing file (or link) at the path is an error, never emptied. */
const FLAGS: Record<OpenMode, string> = { read: "r", readwrite: "r+", create: "wx+" };

/** Opens `path` as the descriptor flags of `mode` say. */
export function openFd(path: string, mode: OpenMode): number {
  return fs.openSync(path, FLAGS[mode]);
}

/** Every {@link FileSystem} call but `openFile`, on `node:fs`. */
export const nodeFsDirectoryCalls: Omit<FileSystem, "openFile"> = {
  // deno-lint-ignore require-await
  async readDir(path: string): Promise<DirEntry[]> {
    const entries = fs.readdirSync(path, { withFileTypes: true });
    return entries.map((entry) => ({
      name: entry.name,
      isFile: entry.isFile(),
      isSymlink: entry.isSymbolicLink(),
    }));
  },
  // deno-lint-ignore require-await
  async stat(path: string): Promise<PathInfo | undefined> {
    const info = fs.statSync(path, { throwIfNoEntry: false });
    return info === undefined
      ? undefined
      : { isFile: info.isFile(), isDirectory: info.isDirectory() };
  },
  // deno-lint-ignore require-await
  async mkdir(path: string): Promise<void> {
    fs.mkdirSync(path, { recursive: true });
  },
  remove(path: string): Promise<void> {
    return fs.promises.unlink(path);
  },
  async syncDir(path: string): Promise<void> {
    if (process.platform === "win32") return; // directories cannot be opened for syncing there
    const fd = fs.openSync(path, "r");
    try {
      await new Promise<void>((resolve, reject) =>
        fs.fsync(fd, (err) => (err ? reject(err) : resolve()))
      );
    } finally {
      fs.closeSync(fd);
    }
  },
  rename(from: string, to: string): Promise<void> {
    return fs.promises.rename(from, to);
  },
};
