/**
 * The {@link FileSystem} port on Deno's file API (`Deno.FsFile`). Deno files
 * have no positioned read/write, so a call seeks first (unless the cursor is
 * already there, as it is for consecutive appends); the log never
 * issues two calls on one handle at the same time, so this is safe. Reads,
 * writes and truncation are synchronous (a small write costs about a
 * microsecond that way, against tens through async ops), and so are opening
 * a file and the directory calls an open makes (stat, list, mkdir); only
 * `syncData`, which waits for the disk, and removing and renaming files are
 * asynchronous, so new writes keep being staged meanwhile (group commit).
 *
 * @module
 */
import type {
  DirEntry,
  FileAllocation,
  FileHandle,
  FileSystem,
  OpenMode,
  PathInfo,
} from "./file_system.ts";
import { fileAllocation } from "./allocation.ts";

/** The slice of Deno's API this adapter uses (declared here so that any compiler can check the file). */
interface DenoFile {
  seekSync(offset: number, whence: number): number;
  readSync(buffer: Uint8Array): number | null;
  writeSync(data: Uint8Array): number;
  truncateSync(length: number): void;
  syncData(): Promise<void>;
  sync(): Promise<void>;
  statSync(): { size: number; blocks: number | null; blksize: number | null };
  close(): void;
}
interface DenoRuntime {
  open(
    path: string,
    options: { read?: boolean; write?: boolean; createNew?: boolean },
  ): Promise<DenoFile>;
  openSync(
    path: string,
    options: { read?: boolean; write?: boolean; createNew?: boolean },
  ): DenoFile;
  readDirSync(path: string): Iterable<{ name: string; isFile: boolean; isSymlink: boolean }>;
  statSync(path: string): { isFile: boolean; isDirectory: boolean };
  mkdirSync(path: string, options: { recursive: boolean }): void;
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  build: { os: string };
  errors: { NotFound: new (...args: never[]) => Error };
}

function deno(): DenoRuntime {
  return (globalThis as unknown as { Deno: DenoRuntime }).Deno;
}

/** `SEEK_START` */
const SEEK_START = 0;

/**
 * A Deno file. It owns its resource: `close` closes it exactly once, and
 * every other call on a closed handle throws `EBADF`.
 */
class DenoFileHandle implements FileHandle {
  readonly #opened: DenoFile;
  #closed = false;
  readonly #path: string;
  /** Where the file's cursor stands after our last call, or -1 when unknown (after an error). */
  #cursor = 0;

  constructor(file: DenoFile, path: string) {
    this.#opened = file;
    this.#path = path;
  }

  /** The open file; throws `EBADF` once the handle is closed. */
  get #file(): DenoFile {
    if (this.#closed) {
      throw Object.assign(new Error(`EBADF: ${this.#path} was closed`), { code: "EBADF" });
    }
    return this.#opened;
  }

  // deno-lint-ignore require-await
  async read(buffer: Uint8Array, offset: number): Promise<number> {
    return this.readSync(buffer, offset);
  }

  readSync(buffer: Uint8Array, offset: number): number {
    this.#seek(offset);
    this.#cursor = -1; // unknown until the reads succeed
    let done = 0;
    while (done < buffer.length) {
      const n = this.#file.readSync(done === 0 ? buffer : buffer.subarray(done));
      if (n === null || n === 0) break;
      done += n;
    }
    this.#cursor = offset + done;
    return done;
  }

  // deno-lint-ignore require-await
  async write(data: Uint8Array, offset: number): Promise<void> {
    this.writeSync(data, offset);
  }

  writeSync(data: Uint8Array, offset: number): void {
    this.#seek(offset);
    this.#cursor = -1; // unknown until the writes succeed
    let done = 0;
    while (done < data.length) {
      done += this.#file.writeSync(done === 0 ? data : data.subarray(done));
    }
    this.#cursor = offset + done;
  }

  /**
   * Moves the cursor to `offset`, skipping the system call when it is
   * already there (appends follow one another: one call per write, not two).
   */
  #seek(offset: number): void {
    if (this.#cursor !== offset) this.#file.seekSync(offset, SEEK_START);
  }

  // deno-lint-ignore require-await
  async truncate(length: number): Promise<void> {
    this.#file.truncateSync(length);
  }

  // deno-lint-ignore require-await
  async datasync(): Promise<void> {
    return this.#file.syncData();
  }

  // deno-lint-ignore require-await
  async size(): Promise<number> {
    return this.#file.statSync().size;
  }

  // deno-lint-ignore require-await
  async allocation(): Promise<FileAllocation | undefined> {
    const info = this.#file.statSync();
    return fileAllocation(this.#path, info.blocks, info.blksize);
  }

  /** Closes the file; a second call does nothing (see {@link FileHandle.close}). */
  // deno-lint-ignore require-await
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true; // whatever close() does, the resource is never used again
    this.#opened.close();
  }
}

/**
 * The file-system adapter for Deno (the default there).
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * import { denoFileSystem } from "@mrl/core/deno";
 * if ("Deno" in globalThis) {
 *   const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 *   const log = await MultiRecordLog.open(dir, { fs: denoFileSystem });
 *   await log.close();
 *   await rm(dir, { recursive: true, force: true });
 * }
 * ```
 */
export const denoFileSystem: FileSystem = {
  // deno-lint-ignore require-await
  async openFile(path: string, mode: OpenMode): Promise<FileHandle> {
    return denoFileSystem.openFileSync!(path, mode);
  },
  openFileSync(path: string, mode: OpenMode): FileHandle {
    const options = mode === "read"
      ? { read: true }
      : mode === "readwrite"
      ? { read: true, write: true }
      : { read: true, write: true, createNew: true }; // O_CREAT|O_EXCL: never empties a file
    return new DenoFileHandle(deno().openSync(path, options), path);
  },
  // deno-lint-ignore require-await
  async readDir(path: string): Promise<DirEntry[]> {
    const entries: DirEntry[] = [];
    for (const entry of deno().readDirSync(path)) {
      entries.push({ name: entry.name, isFile: entry.isFile, isSymlink: entry.isSymlink });
    }
    return entries;
  },
  // deno-lint-ignore require-await
  async stat(path: string): Promise<PathInfo | undefined> {
    try {
      const info = deno().statSync(path);
      return { isFile: info.isFile, isDirectory: info.isDirectory };
    } catch (err) {
      if (err instanceof deno().errors.NotFound) return undefined;
      throw err;
    }
  },
  // deno-lint-ignore require-await
  async mkdir(path: string): Promise<void> {
    deno().mkdirSync(path, { recursive: true });
  },
  remove(path: string): Promise<void> {
    return deno().remove(path);
  },
  async syncDir(path: string): Promise<void> {
    if (deno().build.os === "windows") return; // directories cannot be opened for syncing there
    const dir = await deno().open(path, { read: true });
    try {
      await dir.sync();
    } finally {
      dir.close();
    }
  },
  rename(from: string, to: string): Promise<void> {
    return deno().rename(from, to);
  },
};
