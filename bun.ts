/**
 * `@mrl/core/bun`: the file-system adapter for Bun, built on `Bun.file`,
 * `Bun.mmap` and Bun's native `node:fs`.
 *
 * `MultiRecordLog.open()` already uses it on Bun by itself; import it only
 * to pass it explicitly (`fs`) or to wrap it. Importing `@mrl/core` alone
 * never loads this module on Deno or Node.
 *
 * @example
 * ```ts
 * import { MultiRecordLog } from "@mrl/core";
 * import { bunFileSystem } from "@mrl/core/bun";
 * if ("Bun" in globalThis) {
 *   const log = await MultiRecordLog.open("/tmp/mrl-bun-example", { fs: bunFileSystem });
 *   await log.close();
 * }
 * ```
 *
 * @module
 */
export { bunFileSystem } from "./src/ports/bun.ts";
