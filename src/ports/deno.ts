/**
 * The {@link FileSystem} port on Deno's file API (`Deno.FsFile`). Deno files
 * have no positioned read/write, so each call seeks first; the log never
 * issues two calls on one handle at the same time, so this is safe.
 *
 * @module
 */
import type { DirEntry, FileHandle, FileSystem, OpenMode, PathInfo } from "./file_system.ts";

/** The slice of Deno's API this adapter uses (declared here so that any compiler can check the file). */
interface DenoFile {
  seek(offset: number, whence: number): Promise<number>;
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  truncate(length: number): Promise<void>;
  syncData(): Promise<void>;
  sync(): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): void;
}
interface DenoRuntime {
  open(
    path: string,
    options: { read?: boolean; write?: boolean; create?: boolean; truncate?: boolean },
  ): Promise<DenoFile>;
  readDir(path: string): AsyncIterable<{ name: string; isFile: boolean }>;
  stat(path: string): Promise<{ isFile: boolean; isDirectory: boolean }>;
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  remove(path: string): Promise<void>;
  build: { os: string };
  errors: { NotFound: new (...args: never[]) => Error };
}

function deno(): DenoRuntime {
  return (globalThis as unknown as { Deno: DenoRuntime }).Deno;
}

/** `SEEK_START` */
const SEEK_START = 0;

class DenoFileHandle implements FileHandle {
  readonly #file: DenoFile;

  constructor(file: DenoFile) {
    this.#file = file;
  }

  async read(buffer: Uint8Array, offset: number): Promise<number> {
    await this.#file.seek(offset, SEEK_START);
    const n = await this.#file.read(buffer);
    return n ?? 0;
  }

  async write(data: Uint8Array, offset: number): Promise<void> {
    await this.#file.seek(offset, SEEK_START);
    let done = 0;
    while (done < data.length) {
      done += await this.#file.write(done === 0 ? data : data.subarray(done));
    }
  }

  truncate(length: number): Promise<void> {
    return this.#file.truncate(length);
  }

  datasync(): Promise<void> {
    return this.#file.syncData();
  }

  async size(): Promise<number> {
    return (await this.#file.stat()).size;
  }

  close(): Promise<void> {
    this.#file.close();
    return Promise.resolve();
  }
}

/**
 * The file-system adapter for Deno (the default there).
 *
 * @example
 * ```ts
 * import { denoFileSystem, MultiRecordLog } from "@mrl/core";
 * const log = await MultiRecordLog.open(await Deno.makeTempDir(), { fs: denoFileSystem });
 * await log.close();
 * ```
 */
export const denoFileSystem: FileSystem = {
  async openFile(path: string, mode: OpenMode): Promise<FileHandle> {
    const options = mode === "read"
      ? { read: true }
      : mode === "readwrite"
      ? { read: true, write: true }
      : { read: true, write: true, create: true, truncate: true };
    return new DenoFileHandle(await deno().open(path, options));
  },
  async readDir(path: string): Promise<DirEntry[]> {
    const entries: DirEntry[] = [];
    for await (const entry of deno().readDir(path)) {
      entries.push({ name: entry.name, isFile: entry.isFile });
    }
    return entries;
  },
  async stat(path: string): Promise<PathInfo | undefined> {
    try {
      const info = await deno().stat(path);
      return { isFile: info.isFile, isDirectory: info.isDirectory };
    } catch (err) {
      if (err instanceof deno().errors.NotFound) return undefined;
      throw err;
    }
  },
  mkdir(path: string): Promise<void> {
    return deno().mkdir(path, { recursive: true });
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
};
