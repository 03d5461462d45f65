/**
 * The {@link FileSystem} port on Bun.
 *
 * - Reads (only done at start-up, in large chunks) go through `Bun.file`,
 *   whose `slice()` reads a byte range of a file lazily, without a handle.
 * - Bun has no native API for positioned writes, setting a file's length or
 *   fdatasync, so those use Bun's own native implementation of `node:fs` on
 *   a file descriptor: `writeSync` (a positioned write finishes in about a
 *   microsecond, cheaper than a round trip to a worker thread),
 *   `ftruncateSync`, and the asynchronous `fdatasync`, so that the event
 *   loop keeps staging new writes while the disk syncs (group commit).
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import type { DirEntry, FileHandle, FileSystem, OpenMode, PathInfo } from "./file_system.ts";

/** The slice of Bun's API this adapter uses. */
interface BunRuntime {
  file(
    path: string,
  ): { slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> } };
}

function bun(): BunRuntime {
  return (globalThis as unknown as { Bun: BunRuntime }).Bun;
}

class BunFileHandle implements FileHandle {
  readonly #path: string;
  readonly #fd: number;

  constructor(path: string, fd: number) {
    this.#path = path;
    this.#fd = fd;
  }

  async read(buffer: Uint8Array, offset: number): Promise<number> {
    const bytes = new Uint8Array(
      await bun().file(this.#path).slice(offset, offset + buffer.length).arrayBuffer(),
    );
    buffer.set(bytes);
    return bytes.length;
  }

  // deno-lint-ignore require-await
  async write(data: Uint8Array, offset: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      done += fs.writeSync(this.#fd, data, done, data.length - done, offset + done);
    }
  }

  // deno-lint-ignore require-await
  async truncate(length: number): Promise<void> {
    fs.ftruncateSync(this.#fd, length);
  }

  datasync(): Promise<void> {
    return new Promise((resolve, reject) =>
      fs.fdatasync(this.#fd, (err) => (err ? reject(err) : resolve()))
    );
  }

  // deno-lint-ignore require-await
  async size(): Promise<number> {
    return fs.fstatSync(this.#fd).size;
  }

  // deno-lint-ignore require-await
  async close(): Promise<void> {
    fs.closeSync(this.#fd);
  }
}

const FLAGS: Record<OpenMode, string> = { read: "r", readwrite: "r+", create: "w+" };

/**
 * The file-system adapter for Bun (the default there).
 *
 * @example
 * ```ts
 * import { bunFileSystem, MultiRecordLog } from "@mrl/core";
 * if ("Bun" in globalThis) {
 *   const log = await MultiRecordLog.open("/tmp/mrl-bun-example", { fs: bunFileSystem });
 *   await log.close();
 * }
 * ```
 */
export const bunFileSystem: FileSystem = {
  // deno-lint-ignore require-await
  async openFile(path: string, mode: OpenMode): Promise<FileHandle> {
    return new BunFileHandle(path, fs.openSync(path, FLAGS[mode]));
  },
  async readDir(path: string): Promise<DirEntry[]> {
    const entries = await fs.promises.readdir(path, { withFileTypes: true });
    return entries.map((entry) => ({ name: entry.name, isFile: entry.isFile() }));
  },
  async stat(path: string): Promise<PathInfo | undefined> {
    try {
      const info = await fs.promises.stat(path);
      return { isFile: info.isFile(), isDirectory: info.isDirectory() };
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return undefined;
      throw err;
    }
  },
  async mkdir(path: string): Promise<void> {
    await fs.promises.mkdir(path, { recursive: true });
  },
  remove(path: string): Promise<void> {
    return fs.promises.unlink(path);
  },
  async syncDir(path: string): Promise<void> {
    if (process.platform === "win32") return; // directories cannot be opened there
    const fd = fs.openSync(path, "r");
    try {
      await new Promise<void>((resolve, reject) =>
        fs.fsync(fd, (err) => (err ? reject(err) : resolve()))
      );
    } finally {
      fs.closeSync(fd);
    }
  },
};
