/**
 * The {@link FileSystem} port on `node:fs` (the default on Node; it works on
 * any runtime that implements `node:fs`). Files are opened on a descriptor
 * with synchronous positioned I/O and an asynchronous fdatasync; see
 * node_fs.ts, which this adapter shares with the Bun adapter.
 *
 * @module
 */
import type { FileHandle, FileSystem, OpenMode } from "./file_system.ts";
import { FdFileHandle, nodeFsDirectoryCalls, openFd } from "./node_fs.ts";

/**
 * The file-system adapter on `node:fs` (the default on Node).
 *
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * import { nodeFileSystem } from "@mrl/core/node";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir, { fs: nodeFileSystem });
 * await log.close();
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export const nodeFileSystem: FileSystem = {
  // deno-lint-ignore require-await
  async openFile(path: string, mode: OpenMode): Promise<FileHandle> {
    return new FdFileHandle(path, openFd(path, mode));
  },
  openFileSync(path: string, mode: OpenMode): FileHandle {
    return new FdFileHandle(path, openFd(path, mode));
  },
  ...nodeFsDirectoryCalls,
};
