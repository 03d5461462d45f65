/**
 * `@mrl/core/node`: the file-system adapter on `node:fs`, the default on
 * Node. It works on Deno and Bun too, which implement `node:fs`.
 *
 * `MultiRecordLog.open()` already uses it on Node by itself; import it only
 * to pass it explicitly (`fs`) or to wrap it. Importing `@mrl/core` alone
 * never loads this module on Deno or Bun.
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
 *
 * @module
 */
export { nodeFileSystem } from "./src/ports/node.ts";
