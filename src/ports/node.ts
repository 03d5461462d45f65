/**
 * The {@link FileSystem} port on `node:fs/promises` (Node, and any runtime
 * that implements it).
 *
 * @module
 */
import * as fs from "node:fs/promises";
import type { DirEntry, FileHandle, FileSystem, OpenMode, PathInfo } from "./file_system.ts";

class NodeFileHandle implements FileHandle {
  readonly #file: fs.FileHandle;

  constructor(file: fs.FileHandle) {
    this.#file = file;
  }

  async read(buffer: Uint8Array, offset: number): Promise<number> {
    const { bytesRead } = await this.#file.read(buffer, 0, buffer.length, offset);
    return bytesRead;
  }

  async write(data: Uint8Array, offset: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.#file.write(
        data,
        done,
        data.length - done,
        offset + done,
      );
      done += bytesWritten;
    }
  }

  truncate(length: number): Promise<void> {
    return this.#file.truncate(length);
  }

  datasync(): Promise<void> {
    return this.#file.datasync();
  }

  async size(): Promise<number> {
    return (await this.#file.stat()).size;
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}

const FLAGS: Record<OpenMode, string> = { read: "r", readwrite: "r+", create: "w+" };

/**
 * The file-system adapter for Node's `node:fs/promises` (the default on Node).
 *
 * @example
 * ```ts
 * import { MultiRecordLog, nodeFileSystem } from "@mrl/core";
 * const log = await MultiRecordLog.open(await Deno.makeTempDir(), { fs: nodeFileSystem });
 * await log.close();
 * ```
 */
export const nodeFileSystem: FileSystem = {
  async openFile(path: string, mode: OpenMode): Promise<FileHandle> {
    return new NodeFileHandle(await fs.open(path, FLAGS[mode]));
  },
  async readDir(path: string): Promise<DirEntry[]> {
    const entries = await fs.readdir(path, { withFileTypes: true });
    return entries.map((entry) => ({ name: entry.name, isFile: entry.isFile() }));
  },
  async stat(path: string): Promise<PathInfo | undefined> {
    try {
      const info = await fs.stat(path);
      return { isFile: info.isFile(), isDirectory: info.isDirectory() };
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return undefined;
      throw err;
    }
  },
  async mkdir(path: string): Promise<void> {
    await fs.mkdir(path, { recursive: true });
  },
  remove(path: string): Promise<void> {
    return fs.unlink(path);
  },
  async syncDir(path: string): Promise<void> {
    let dir: fs.FileHandle;
    try {
      dir = await fs.open(path, "r");
    } catch (err) {
      // Windows cannot open a directory: nothing to sync there.
      if (
        (err as { code?: string }).code === "EISDIR" || (err as { code?: string }).code === "EPERM"
      ) return;
      throw err;
    }
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  },
};
