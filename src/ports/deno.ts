/**
 * The {@link FileSystem} port on Deno's file API (`Deno.FsFile`). Deno files
 * have no positioned read/write, so each call seeks first; the log never
 * issues two calls on one handle at the same time, so this is safe.
 *
 * @module
 */
import type { DirEntry, FileHandle, FileSystem, OpenMode, PathInfo } from "./file_system.ts";

class DenoFileHandle implements FileHandle {
  readonly #file: Deno.FsFile;

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  async read(buffer: Uint8Array, offset: number): Promise<number> {
    await this.#file.seek(offset, Deno.SeekMode.Start);
    const n = await this.#file.read(buffer);
    return n ?? 0;
  }

  async write(data: Uint8Array, offset: number): Promise<void> {
    await this.#file.seek(offset, Deno.SeekMode.Start);
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
    const options: Deno.OpenOptions = mode === "read"
      ? { read: true }
      : mode === "readwrite"
      ? { read: true, write: true }
      : { read: true, write: true, create: true, truncate: true };
    return new DenoFileHandle(await Deno.open(path, options));
  },
  async readDir(path: string): Promise<DirEntry[]> {
    const entries: DirEntry[] = [];
    for await (const entry of Deno.readDir(path)) {
      entries.push({ name: entry.name, isFile: entry.isFile });
    }
    return entries;
  },
  async stat(path: string): Promise<PathInfo | undefined> {
    try {
      const info = await Deno.stat(path);
      return { isFile: info.isFile, isDirectory: info.isDirectory };
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  },
  mkdir(path: string): Promise<void> {
    return Deno.mkdir(path, { recursive: true });
  },
  remove(path: string): Promise<void> {
    return Deno.remove(path);
  },
  async syncDir(path: string): Promise<void> {
    if (Deno.build.os === "windows") return; // directories cannot be opened for syncing there
    const dir = await Deno.open(path, { read: true });
    try {
      await dir.sync();
    } finally {
      dir.close();
    }
  },
};
