/**
 * Running a TypeScript file of the repository in a child process, with the
 * runtime the tests run on: Deno and Bun run the source, Node runs the
 * compiled copy in npm/ (the tests themselves are compiled there too).
 */
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { repoRoot } from "./repo.ts";

/**
 * The file `parts` names relative to the directory of the module at
 * `moduleUrl` (pass `import.meta.url`), as a `.ts` file when that module is
 * one and as the compiled `.js` file when it is compiled.
 */
export function sibling(moduleUrl: string, ...parts: string[]): string {
  const here = fileURLToPath(moduleUrl);
  const last = parts[parts.length - 1].replace(/\.ts$/, here.endsWith(".js") ? ".js" : ".ts");
  return resolve(here, "..", ...parts.slice(0, -1), last);
}

/** The command that runs `script` on this runtime (with every permission on Deno). */
export function scriptCommand(script: string): string[] {
  const root = repoRoot();
  if ("Deno" in globalThis) return [resolve(root, "node_modules/.bin/deno"), "run", "-A", script];
  if ("Bun" in globalThis) return [resolve(root, "node_modules/.bin/bun"), script];
  return [process.execPath, script];
}
