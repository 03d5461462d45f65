/**
 * Picks the file-system adapter of the runtime the code runs on. Adapters are
 * loaded lazily, so a runtime never loads another runtime's module.
 *
 * @module
 */
import type { FileSystem } from "./file_system.ts";

let chosen: Promise<FileSystem> | undefined;

/** The default {@link FileSystem} for this runtime. */
export function defaultFileSystem(): Promise<FileSystem> {
  chosen ??= pick();
  return chosen;
}

async function pick(): Promise<FileSystem> {
  const globals = globalThis as { Deno?: unknown; Bun?: unknown };
  if (globals.Deno !== undefined) return (await import("./deno.ts")).denoFileSystem;
  if (globals.Bun !== undefined) return (await import("./bun.ts")).bunFileSystem;
  return (await import("./node.ts")).nodeFileSystem;
}
