/**
 * How the `mrl` tool's modules hang together: no import cycle among them
 * (type-only imports included), and no copy of the format's constants or of
 * the wal file naming: it takes them from src/format/constants.ts and
 * src/wal/file_name.ts, as the log does.
 *
 * Reads the tree this test runs in: the sources (Deno, Bun), or the build in
 * npm/ (Node), where type-only imports are already erased.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const tree = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";

/** `import`/`export ... from` specifiers (type-only ones too) of lines that start with the keyword. */
const IMPORT =
  /^[ \t]*(?:(?:import|export)\b[^;'"]*?\bfrom[ \t]*|import[ \t]*)["'](\.{1,2}\/[^"']+)["']/gm;

/** The modules `key` imports (tree-relative, no extension). */
async function importsOf(key: string): Promise<string[]> {
  const file = join(tree, `${key}.${ext}`);
  const text = await readFile(file, "utf8");
  return [...text.matchAll(IMPORT)].map(([, specifier]) => {
    const target = resolve(dirname(file), specifier);
    return relative(tree, target.slice(0, target.lastIndexOf("."))).split(sep).join("/");
  });
}

/** The CLI's modules, e.g. "src/cli/main". */
async function cliModules(): Promise<string[]> {
  const names = await readdir(join(tree, "src", "cli"));
  return names
    .filter((n) => n.endsWith(`.${ext}`) && !n.endsWith(".d.ts"))
    .map((n) => `src/cli/${n.slice(0, -ext.length - 1)}`)
    .sort();
}

/** A cycle through `start` in the graph reachable from it, as a path, or undefined. */
async function cycleThrough(start: string): Promise<string[] | undefined> {
  const visited = new Set<string>();
  const walk = async (key: string, path: string[]): Promise<string[] | undefined> => {
    for (const next of await importsOf(key)) {
      if (next === start) return [...path, next];
      if (visited.has(next)) continue;
      visited.add(next);
      const found = await walk(next, [...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return await walk(start, [start]);
}

test("mrl modules: no import cycle runs through any of the CLI's modules", async () => {
  const modules = await cliModules();
  for (const expected of ["src/cli/main", "src/cli/summary", "src/cli/io", "src/cli/bin"]) {
    assert.ok(modules.includes(expected), `${expected} in ${modules}`);
  }
  // The walk sees the imports it must (so that finding no cycle means something).
  assert.ok((await importsOf("src/cli/main")).includes("src/cli/summary"));
  const cycles = [];
  for (const key of modules) {
    const cycle = await cycleThrough(key);
    if (cycle) cycles.push(cycle.join(" -> "));
  }
  assert.deepEqual(cycles, []);
  // What both need (the CliIo type) lives in io.ts.
  if (ext === "ts") assert.ok((await importsOf("src/cli/summary")).includes("src/cli/io"));
});

test("mrl modules: the import pattern sees type-only imports (the files.ts/main.ts cycle was one)", () => {
  const files = 'import type { CliIo } from "./main.ts";\n';
  const main = 'import { scanFiles } from "./files.ts";\nexport interface CliIo {}\n';
  const specifiers = (text: string) => [...text.matchAll(IMPORT)].map((m) => m[1]);
  assert.deepEqual(specifiers(files), ["./main.ts"]);
  assert.deepEqual(specifiers(main), ["./files.ts"]);
});

test("mrl modules: the CLI takes the block size and the wal file names from the format's modules", async () => {
  const imports = await importsOf("src/cli/summary");
  assert.ok(imports.includes("src/format/constants"), String(imports));
  assert.ok(imports.includes("src/wal/file_name"), String(imports));
  // No copy: neither the block size as a number nor a pattern or prefix of wal file names.
  const copies: string[] = [];
  for (const key of await cliModules()) {
    const lines = (await readFile(join(tree, `${key}.${ext}`), "utf8")).split("\n");
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "");
      if (/\b32_?768\b|wal-\\d|["'`]wal-/.test(code)) {
        copies.push(`${key}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(copies, []);
});

test("mrl modules: the CLI never opens the log (which holds every record in memory): every command reads through the scan", async () => {
  const reachable = new Set<string>();
  const walk = async (key: string): Promise<void> => {
    if (reachable.has(key)) return;
    reachable.add(key);
    for (const next of await importsOf(key)) await walk(next);
  };
  await walk("src/cli/main");
  assert.ok(reachable.has("src/scan/session"), "the walk reaches the scan");
  assert.ok(reachable.has("src/cli/summary"));
  const opensTheLog = ["mod", "src/log", "src/engine/open"].filter((m) => reachable.has(m));
  assert.deepEqual(opensTheLog, []);
});
