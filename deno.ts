/**
 * `@mrl/core/deno`: the file-system adapter for Deno, built on `Deno.FsFile`.
 *
 * `MultiRecordLog.open()` already uses it on Deno by itself; import it only
 * to pass it explicitly (`fs`) or to wrap it. Importing `@mrl/core` alone
 * never loads this module on Bun or Node.
 *
 * @example
 * ```ts
 * import { MultiRecordLog } from "@mrl/core";
 * import { denoFileSystem } from "@mrl/core/deno";
 * const log = await MultiRecordLog.open(await Deno.makeTempDir(), { fs: denoFileSystem });
 * await log.close();
 * ```
 *
 * @module
 */
export { denoFileSystem } from "./src/ports/deno.ts";
