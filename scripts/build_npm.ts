/**
 * Builds the npm package into npm/ from the same sources (what dnt would do):
 * ESM JavaScript with .js specifiers, .d.ts types and source maps (tsc), a
 * generated package.json, README, LICENSE and docs/FORMAT.md (which comments
 * in the sources cite). Then runs the test suite on Node against npm/ (skip
 * with --no-test).
 *
 * Run: deno run -A scripts/build_npm.ts [--no-test]
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "npm");
const bin = (name: string) => {
  const local = join(root, "node_modules", ".bin", name);
  return existsSync(local) ? local : name;
};

function run(command: string, args: string[]): number {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

rmSync(out, { recursive: true, force: true });
if (run(bin("tsc"), ["-p", "tsconfig.build.json"]) !== 0) {
  console.error("build_npm: tsc failed");
  process.exit(1);
}

// tsc rewrites relative ".ts" specifiers in the JavaScript it emits, not in declarations.
for (const file of walk(out)) {
  if (!file.endsWith(".d.ts")) continue;
  const text = readFileSync(file, "utf8");
  const fixed = text.replace(
    /((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']+)\.ts\2/g,
    "$1$2$3.js$2",
  );
  if (fixed !== text) writeFileSync(file, fixed);
}

const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const dev = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

// The entry points are deno.json's (jsr) exports: "." (mod.ts) and one subpath per runtime's
// adapter ("./deno", "./bun", "./node"), each a top-level .ts file that tsc compiles next to it.
const entryPoints = Object.entries(deno.exports as Record<string, string>).map(
  ([subpath, source]) => {
    if (!/^\.\/[a-z_]+\.ts$/.test(source)) {
      throw new Error(`build_npm: entry point ${subpath} is not a top-level .ts file: ${source}`);
    }
    return { subpath, base: source.slice(0, -".ts".length) };
  },
);
const manifest = {
  name: deno.name,
  version: deno.version,
  description:
    "A durable, multiplexed write-ahead record log (the files of Quickwit's mrecordlog), for Node, Bun and Deno",
  license: deno.license,
  type: "module",
  main: "./mod.js",
  types: "./mod.d.ts",
  exports: Object.fromEntries(
    entryPoints.map(({ subpath, base }) => [
      subpath,
      { types: `${base}.d.ts`, import: `${base}.js` },
    ]),
  ),
  bin: { mrl: "./src/cli/bin.js" },
  sideEffects: false,
  engines: dev.engines,
  dependencies: {
    "fs-native-extensions": dev.dependencies["fs-native-extensions"],
    "hash-wasm": dev.dependencies["hash-wasm"],
  },
  files: [
    ...entryPoints.flatMap(({ base }) =>
      [".js", ".d.ts", ".js.map", ".d.ts.map"].map((ext) => `${base.slice(2)}${ext}`)
    ),
    "src/",
    "README.md",
    "LICENSE",
    "docs/FORMAT.md",
  ],
  keywords: ["wal", "write-ahead-log", "queue", "mrecordlog", "durable", "log"],
};
writeFileSync(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
copyFileSync(join(root, "README.md"), join(out, "README.md"));
copyFileSync(join(root, "LICENSE"), join(out, "LICENSE"));
mkdirSync(join(out, "docs"), { recursive: true });
copyFileSync(join(root, "docs", "FORMAT.md"), join(out, "docs", "FORMAT.md"));
console.log(`build_npm: ${deno.name}@${deno.version} written to npm/`);

if (process.argv.includes("--no-test")) process.exit(0);

const tests = walk(join(out, "tests")).filter((file) => file.endsWith(".test.js"));
console.log(`build_npm: running ${tests.length} test files with node --test`);
process.exit(run("node", ["--test", "--test-reporter=tap", ...tests]));

/** Every file below `dir`, sorted. */
function walk(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...walk(path));
    else found.push(path);
  }
  return found;
}
