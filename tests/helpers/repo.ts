/** Where the repository is, for tests that read its files (run from source or compiled into npm/). */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

/** True when `dir` is the repository root: it holds deno.json and mod.ts. */
function isRoot(dir: string): boolean {
  return existsSync(join(dir, "deno.json")) && existsSync(join(dir, "mod.ts"));
}

/** `from` or the nearest of its ancestors that is the repository root, or undefined. */
function rootAbove(from: string): string | undefined {
  for (let dir = resolve(from);; dir = dirname(dir)) {
    if (isRoot(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The repository root: found from the working directory up (every runner
 * starts the tests there, also the Node run of the compiled copy in
 * `npm/tests/`), else from this module's directory up, else the working
 * directory itself.
 */
export function repoRoot(): string {
  return rootAbove(process.cwd()) ??
    rootAbove(dirname(fileURLToPath(import.meta.url))) ??
    process.cwd();
}
