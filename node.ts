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
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * import { nodeFileSystem } from "@mrl/core/node";
 * const log = await MultiRecordLog.open(await mkdtemp(`${tmpdir()}/mrl-`), { fs: nodeFileSystem });
 * await log.close();
 * ```
 *
 * @module
 */
export { nodeFileSystem } from "./src/ports/node.ts";
