/**
 * `@mrl/core/deno`: the file-system adapter for Deno, built on `Deno.FsFile`.
 *
 * `MultiRecordLog.open()` already uses it on Deno by itself; import it only
 * to pass it explicitly (`fs`) or to wrap it. Importing `@mrl/core` alone
 * never loads this module on Bun or Node.
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
 *
 * @module
 */
export { denoFileSystem } from "./src/ports/deno.ts";
