/**
 * The adapters are entry points of their own (`@mrl/core/deno`, `/bun`,
 * `/node`), and no runtime evaluates another runtime's code: `mod.ts` loads
 * no adapter, `open()` loads the one of the runtime it runs on, and each
 * entry point loads only its own runtime's modules.
 *
 * Checked twice. Statically: the import graph of each entry point (static
 * imports and re-exports only; `import()` is what loads an adapter lazily).
 * And by running: a fresh child process of each runtime imports `mod` from a
 * copy of the tree in which the other runtimes' modules are tripwires (they
 * record that they were evaluated, then throw), opens a log with the default
 * adapter, and reports what was evaluated. Deno and Bun run the sources, Node
 * the build in npm/ (as in tests/compat/cross_runtime.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as mod from "../../mod.ts";
import { repoRoot } from "../helpers/repo.ts";
import { tempDir } from "../helpers/temp.ts";

type Runtime = "deno" | "bun" | "node";
const RUNTIMES: Runtime[] = ["deno", "bun", "node"];

/**
 * Each runtime's own modules (tree-relative, without extension): its entry
 * point and its adapter. Everything else is runtime-neutral (the lock's
 * SQLite module is chosen inside sqlite_lock.ts, by what runtime.ts answers).
 */
const RUNTIME_MODULES: Record<Runtime, string[]> = {
  deno: ["deno", "src/ports/deno"],
  bun: ["bun", "src/ports/bun"],
  node: ["node", "src/ports/node"],
};
const ALL_RUNTIME_MODULES = RUNTIMES.flatMap((r) => RUNTIME_MODULES[r]);
const ADAPTER_EXPORT: Record<Runtime, string> = {
  deno: "denoFileSystem",
  bun: "bunFileSystem",
  node: "nodeFileSystem",
};

/** The tree this test runs in: the repository (sources, .ts) or npm/ (compiled, .js). */
const tree = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
const root = repoRoot();

/** Module keys (tree-relative, no extension) reachable from `entry` through static imports. */
async function staticGraph(base: string, extension: string, entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const pending = [entry];
  // `import ... from "./x"`, `export ... from "./x"`, `import "./x"`; not `import type`,
  // `export type` (erased) nor `import(...)` (lazy). Only lines that start with the keyword,
  // so that examples in doc comments do not count.
  const pattern =
    /^[ \t]*(?:(?:import|export)(?![ \t]+type\b)[^;'"]*?\bfrom[ \t]*|import[ \t]*)["'](\.{1,2}\/[^"']+)["']/gm;
  while (pending.length > 0) {
    const key = pending.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const file = join(base, `${key}.${extension}`);
    const text = await readFile(file, "utf8");
    for (const [, specifier] of text.matchAll(pattern)) {
      const target = resolve(dirname(file), specifier);
      const dot = target.lastIndexOf(".");
      pending.push(relative(base, target.slice(0, dot)).split(sep).join("/"));
    }
  }
  return seen;
}

test("entry points: mod exports no adapter; ./deno, ./bun and ./node each export theirs only", async () => {
  assert.deepEqual(Object.keys(mod).filter((name) => /FileSystem$/i.test(name)), []);
  assert.equal(typeof mod.MultiRecordLog.open, "function");
  // Loading an adapter's module evaluates nothing runtime-specific at its top level,
  // so each entry point can be imported on any runtime (used only on its own).
  const entryPoints: Record<Runtime, Record<string, unknown>> = {
    deno: await import("../../deno.ts"),
    bun: await import("../../bun.ts"),
    node: await import("../../node.ts"),
  };
  for (const runtime of RUNTIMES) {
    assert.deepEqual(Object.keys(entryPoints[runtime]), [ADAPTER_EXPORT[runtime]], runtime);
    const adapter = entryPoints[runtime][ADAPTER_EXPORT[runtime]] as Record<string, unknown>;
    // No lock(): a writable open takes the directory's SQLite lock (ownership/) for them.
    for (const call of ["openFile", "readDir", "stat", "mkdir", "remove", "syncDir", "rename"]) {
      assert.equal(typeof adapter[call], "function", `${runtime}: ${call}`);
    }
  }
});

test("entry points: deno.json exports them (and the CLI) for jsr and publishes their files", async () => {
  const deno = JSON.parse(await readFile(join(root, "deno.json"), "utf8"));
  assert.deepEqual(deno.exports, {
    ".": "./mod.ts",
    "./deno": "./deno.ts",
    "./bun": "./bun.ts",
    "./node": "./node.ts",
    "./jetstream": "./jetstream.ts",
    "./cli": "./src/cli/bin.ts",
  });
  assert.ok(deno.publish.include.includes("src/"), "publish.include has src/ (the CLI)");
  for (const file of ["mod.ts", "deno.ts", "bun.ts", "node.ts", "jetstream.ts"]) {
    assert.ok(deno.publish.include.includes(file), `publish.include has ${file}`);
  }
  const tsconfig = JSON.parse(await readFile(join(root, "tsconfig.build.json"), "utf8"));
  for (const file of ["mod.ts", "deno.ts", "bun.ts", "node.ts", "jetstream.ts"]) {
    assert.ok(tsconfig.include.includes(file), `tsconfig.build.json compiles ${file}`);
  }
});

test("entry points: statically, mod loads no runtime's module, and each entry point only its own", async () => {
  for (const key of [...ALL_RUNTIME_MODULES, "mod"]) {
    assert.ok(existsSync(join(tree, `${key}.${ext}`)), `${key}.${ext} is in ${tree}`);
  }
  const fromMod = await staticGraph(tree, ext, "mod");
  // The walk does find the core (so an empty result cannot pass), and the lazy chooser. The
  // adapters and the shared lock code (dir_lock.ts, sqlite_lock.ts) come only through it.
  for (const expected of ["src/log", "src/errors", "src/ports/default_fs"]) {
    assert.ok(fromMod.has(expected), `mod reaches ${expected}: ${[...fromMod].sort()}`);
  }
  assert.deepEqual(ALL_RUNTIME_MODULES.filter((key) => fromMod.has(key)), []);
  for (const runtime of RUNTIMES) {
    const graph = await staticGraph(tree, ext, runtime);
    assert.ok(graph.has(`src/ports/${runtime}`), `${runtime} reaches its adapter`);
    const foreign = RUNTIMES.filter((other) => other !== runtime)
      .flatMap((other) => RUNTIME_MODULES[other])
      .filter((key) => graph.has(key));
    assert.deepEqual(foreign, [], `./${runtime} loads another runtime's modules`);
  }
});

test("entry points: the static walk sees static imports and re-exports, not type-only or lazy ones", async () => {
  const dir = await tempDir();
  try {
    const files: Record<string, string> = {
      "a.ts": [
        "/**",
        ' * import { x } from "./doc.ts";',
        " */",
        'import { b } from "./b.ts";',
        "import {",
        "  c,",
        "  type C,",
        '} from "./c.ts";',
        'import "./side.ts";',
        'export { d } from "./sub/d.ts";',
        'export * from "../up.ts";',
        'import type { T } from "./types.ts";',
        'export type { U } from "./types2.ts";',
        'const lazy = () => import("./lazy.ts");',
      ].join("\n"),
    };
    await mkdir(join(dir.path, "t", "sub"), { recursive: true });
    await writeFile(join(dir.path, "t", "a.ts"), files["a.ts"]);
    for (const key of ["t/b", "t/c", "t/side", "t/sub/d", "up"]) {
      await writeFile(join(dir.path, `${key}.ts`), "export const v = 1;\n");
    }
    const graph = await staticGraph(dir.path, "ts", "t/a");
    assert.deepEqual([...graph].sort(), ["t/a", "t/b", "t/c", "t/side", "t/sub/d", "up"]);
  } finally {
    await dir.cleanup();
  }
});

/** How to start each runtime on a script; Deno and Bun from node_modules/.bin, Node from PATH. */
function command(runtime: Runtime, script: string, args: string[]): string[] {
  if (runtime === "deno") {
    return [
      join(root, "node_modules", ".bin", "deno"),
      "run",
      "-A",
      "--no-prompt",
      "--config",
      join(root, "deno.json"),
      script,
      ...args,
    ];
  }
  if (runtime === "bun") return [join(root, "node_modules", ".bin", "bun"), script, ...args];
  return ["node", script, ...args];
}

/** The child: imports mod, opens a log with the default adapter, reports what was evaluated. */
const CHILD = `import process from "node:process";
const [runtime, ext, dir] = process.argv.slice(-3);
globalThis.__mrlEvaluated = [];
const report = {};
try {
  const mod = await import(\`./mod.\${ext}\`);
  report.afterImport = [...globalThis.__mrlEvaluated];
  let log = await mod.MultiRecordLog.open(dir);
  await log.createQueue("q");
  await log.appendRecord("q", new TextEncoder().encode(runtime));
  await log.close();
  log = await mod.MultiRecordLog.open(dir, { readOnly: true });
  report.records = [...log.range("q")].map((r) => new TextDecoder().decode(r.payload));
  await log.close();
  const { defaultFileSystem } = await import(\`./src/ports/default_fs.\${ext}\`);
  const own = await import(\`./\${runtime}.\${ext}\`);
  report.defaultIsOwnEntryPoint = (await defaultFileSystem()) === own[\`\${runtime}FileSystem\`];
} catch (err) {
  report.error = String(err?.stack ?? err);
}
report.evaluated = globalThis.__mrlEvaluated;
console.log(JSON.stringify(report));
`;

/**
 * Turns the module at `file` into a tripwire: evaluating it records `key`, then
 * throws. Its text stays after that (unreachable) so that its exports, and the
 * imports of its importers, still link.
 */
async function tripwire(file: string, key: string, runtime: Runtime): Promise<void> {
  const original = await readFile(file, "utf8");
  await writeFile(
    file,
    `(globalThis.__mrlEvaluated ??= []).push(${JSON.stringify(key)});\n` +
      `throw new Error(${JSON.stringify(`${key} was evaluated on ${runtime}`)});\n` +
      original,
  );
}

/**
 * Copies `from` (the entry points and src/, files ending in `.${extension}`) to `to`, with
 * tsconfig.json for the sources: it maps the sources' `npm:` specifiers for Bun.
 */
async function copyTree(from: string, to: string, extension: string): Promise<void> {
  for (const name of ["mod", ...RUNTIMES]) {
    await cp(join(from, `${name}.${extension}`), join(to, `${name}.${extension}`));
  }
  if (extension === "ts") await cp(join(from, "tsconfig.json"), join(to, "tsconfig.json"));
  await cp(join(from, "src"), join(to, "src"), {
    recursive: true,
    filter: (source) => !source.endsWith(".map") && !source.endsWith(".d.ts"),
  });
}

function runChild(argv: string[], cwd: string): Promise<string> {
  const [file, ...args] = argv;
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(" ")}: ${err.message}\n${stderr}`));
      else resolvePromise(stdout);
    });
  });
}

for (const runtime of RUNTIMES) {
  test(`entry points: a fresh ${runtime} process imports mod and opens a log without evaluating another runtime's modules`, async () => {
    // Node runs the build (npm/, .js); Deno and Bun the sources.
    const source = runtime === "node" ? join(root, "npm") : root;
    const extension = runtime === "node" ? "js" : "ts";
    assert.ok(existsSync(join(source, `mod.${extension}`)), `${source}/mod.${extension}`);
    const dir = await tempDir("mrl-entry-");
    try {
      const copy = join(dir.path, "tree");
      await copyTree(source, copy, extension);
      const others = RUNTIMES.filter((other) => other !== runtime).flatMap((other) =>
        RUNTIME_MODULES[other]
      );
      for (const key of others) {
        await tripwire(join(copy, `${key}.${extension}`), key, runtime);
      }
      // npm packages (hash-wasm, the Node lock addon) resolve from the repository's
      // node_modules; the build's .js files are ES modules.
      await symlink(join(root, "node_modules"), join(copy, "node_modules"), "dir");
      if (extension === "js") {
        await writeFile(join(copy, "package.json"), JSON.stringify({ type: "module" }));
      }
      const script = join(copy, "child.mjs");
      await writeFile(script, CHILD);
      const out = await runChild(
        command(runtime, script, [runtime, extension, join(dir.path, "wal")]),
        dir.path,
      );
      const report = JSON.parse(out.trim().split("\n").at(-1)!);
      assert.deepEqual(report, {
        afterImport: [],
        records: [runtime],
        defaultIsOwnEntryPoint: true,
        evaluated: [],
      });
    } finally {
      await dir.cleanup();
    }
  });
}

test("entry points: a tripwire in the copy does trip when a runtime's module is loaded", async () => {
  // The check above is only as good as its tripwires: load a foreign adapter on purpose.
  const dir = await tempDir("mrl-entry-");
  try {
    const copy = join(dir.path, "tree");
    await copyTree(root, copy, "ts");
    await tripwire(join(copy, "src/ports/node.ts"), "src/ports/node", "bun");
    await symlink(join(root, "node_modules"), join(copy, "node_modules"), "dir");
    const script = join(copy, "child.mjs");
    // The same child, except that it also imports the Node adapter's entry point.
    await writeFile(
      script,
      CHILD.replace(
        "report.afterImport = [...globalThis.__mrlEvaluated];",
        'report.afterImport = [...globalThis.__mrlEvaluated];\n  await import("./node.ts");',
      ),
    );
    const out = await runChild(
      command("bun", script, ["bun", "ts", join(dir.path, "wal")]),
      dir.path,
    );
    const report = JSON.parse(out.trim().split("\n").at(-1)!);
    assert.deepEqual(report.evaluated, ["src/ports/node"]);
    assert.match(report.error, /src\/ports\/node was evaluated on bun/);
  } finally {
    await dir.cleanup();
  }
});
