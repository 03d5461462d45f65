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
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog } from "@mrl/core";
 * import { bunFileSystem } from "@mrl/core/bun";
 * if ("Bun" in globalThis) {
 *   const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 *   const log = await MultiRecordLog.open(dir, { fs: bunFileSystem });
 *   await log.close();
 *   await rm(dir, { recursive: true, force: true });
 * }
 * ```
 *
 * @module
 */
export { bunFileSystem } from "./src/ports/bun.ts";
