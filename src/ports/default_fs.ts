/**
 * Picks the file-system adapter of the runtime the code runs on. Adapters are
 * loaded lazily, so a runtime never loads another runtime's module.
 *
 * @module
 */
import type { FileSystem } from "./file_system.ts";
import { runtimeName } from "./runtime.ts";

let chosen: Promise<FileSystem> | undefined;

/** The default {@link FileSystem} for this runtime. */
export function defaultFileSystem(): Promise<FileSystem> {
  chosen ??= pick();
  return chosen;
}

async function pick(): Promise<FileSystem> {
  const runtime = runtimeName();
  if (runtime === "deno") return (await import("./deno.ts")).denoFileSystem;
  if (runtime === "bun") return (await import("./bun.ts")).bunFileSystem;
  return (await import("./node.ts")).nodeFileSystem;
}
