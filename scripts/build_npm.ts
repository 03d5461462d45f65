/**
 * Builds the npm package into npm/ from the same sources (what dnt would do):
 * ESM JavaScript with .js specifiers, .d.ts types and source maps (tsc), a
 * generated package.json, the package README (scripts/package_readme.ts:
 * README.md without the development notes), LICENSE and docs/FORMAT.md
 * (which comments in the sources cite). Then runs the test suite on Node
 * against npm/ (skip with --no-test).
 *
 * What tsc leaves to do here:
 * - `npm:name@range` specifiers (how the sources name their npm dependencies,
 *   so that Deno needs no import map) become `name`, and the range must be
 *   the one package.json's `dependencies` gives;
 * - the source maps name the sources where they would be inside the package
 *   (`src/log.js.map` -> `log.ts`) and embed them (`sourcesContent`), since
 *   the .ts files are not shipped;
 * - declarations that use `Symbol.asyncDispose` (or other disposable types)
 *   reference the `esnext.disposable` lib, so that a consumer compiling with
 *   `lib: ["es2022"]` and no `@types/node` type-checks them.
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
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { packageReadme } from "./package_readme.ts";

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

const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const dev = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const dependencies: Record<string, string> = {
  "hash-wasm": dev.dependencies["hash-wasm"],
};

/** `"npm:name@range/sub"` -> `"name/sub"`, checking that `range` is the one of `dependencies`. */
function bareNpmSpecifiers(text: string, file: string): string {
  return text.replace(
    /(["'])npm:((?:@[^/"'@]+\/)?[^/"'@]+)@([^/"']+)((?:\/[^"']*)?)\1/g,
    (_match, quote: string, name: string, range: string, subpath: string) => {
      if (dependencies[name] !== range) {
        throw new Error(
          `build_npm: ${relative(out, file)} imports npm:${name}@${range}, but the package's ` +
            `dependencies give ${name} ${dependencies[name] ?? "(nothing)"}: make them agree`,
        );
      }
      return `${quote}${name}${subpath}${quote}`;
    },
  );
}

/**
 * Web globals the declarations name that lib es2022 lacks (lib "dom" and @types/node have them),
 * declared empty in src/web_globals.d.ts: where the full declarations exist, these merge into
 * them and change nothing; where they do not, the package's declarations still type-check.
 */
const WEB_GLOBALS: Record<string, string> = {
  AbortSignal: "interface AbortSignal {}",
  ReadableStream: "interface ReadableStream<R = any> {}",
};
const WEB_GLOBALS_FILE = join(out, "src", "web_globals.d.ts");
const DISPOSABLE = /\bSymbol\.(?:asyncDispose|dispose)\b|\b(?:Async)?Disposable(?:Stack)?\b/;
const DISPOSABLE_LIB = '/// <reference lib="esnext.disposable" />';

for (const file of walk(out)) {
  if (file.endsWith(".d.ts")) {
    // tsc rewrites relative ".ts" specifiers in the JavaScript it emits, not in declarations.
    let text = readFileSync(file, "utf8");
    text = text.replace(
      /((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']+)\.ts\2/g,
      "$1$2$3.js$2",
    );
    text = bareNpmSpecifiers(text, file);
    if (DISPOSABLE.test(text) && !text.includes(DISPOSABLE_LIB)) {
      text = `${DISPOSABLE_LIB}\n${text}`;
    }
    if (Object.keys(WEB_GLOBALS).some((name) => new RegExp(`\\b${name}\\b`).test(text))) {
      const path = relative(dirname(file), WEB_GLOBALS_FILE).split("\\").join("/");
      text = `/// <reference path="${path.startsWith(".") ? path : `./${path}`}" />\n${text}`;
    }
    writeFileSync(file, text);
  } else if (file.endsWith(".js")) {
    const text = readFileSync(file, "utf8");
    const fixed = bareNpmSpecifiers(text, file);
    if (fixed !== text) writeFileSync(file, fixed);
  } else if (file.endsWith(".js.map")) {
    const map = JSON.parse(readFileSync(file, "utf8"));
    const sources: string[] = map.sources;
    if (!Array.isArray(map.sourcesContent) || map.sourcesContent.length !== sources.length) {
      throw new Error(`build_npm: ${relative(out, file)} embeds no sources (inlineSources)`);
    }
    // tsc names the sources relative to the map in npm/, i.e. in the repository
    // ("../../src/log.ts"); inside the installed package that points outside it.
    map.sources = sources.map((source) => {
      const inRepository = relative(root, resolve(dirname(file), map.sourceRoot ?? "", source));
      return relative(dirname(file), join(out, inRepository)).split("\\").join("/");
    });
    map.sourceRoot = "";
    writeFileSync(file, JSON.stringify(map));
  }
}

writeFileSync(
  WEB_GLOBALS_FILE,
  '// Web globals the declarations name, for consumers whose lib has neither "dom" nor\n' +
    "// @types/node: empty, so that they merge with the full declarations where those exist.\n" +
    Object.values(WEB_GLOBALS).join("\n") + "\n",
);

// The entry points are deno.json's (jsr) exports: "." (mod.ts), one subpath per runtime's
// adapter ("./deno", "./bun", "./node"), each a top-level .ts file that tsc compiles next to
// it, and "./cli" (src/cli/bin.ts), which is also the package's `mrl` executable.
const entryPoints = Object.entries(deno.exports as Record<string, string>).map(
  ([subpath, source]) => {
    if (!/^\.\/(?:[a-z_]+\/)*[a-z_]+\.ts$/.test(source)) {
      throw new Error(`build_npm: entry point ${subpath} is not a .ts file: ${source}`);
    }
    return { subpath, base: source.slice(0, -".ts".length) };
  },
);
const cli = entryPoints.find(({ subpath }) => subpath === "./cli");
if (cli === undefined) throw new Error('build_npm: deno.json exports no "./cli"');
const manifest = {
  name: deno.name,
  version: deno.version,
  description:
    "A durable, multiplexed write-ahead record log (the files of Quickwit's mrecordlog), for Node, Bun and Deno",
  license: deno.license,
  type: "module",
  main: "./mod.js",
  types: "./mod.d.ts",
  // "default" after "import": require() of the package (Node 22.12+, Bun) loads the same ES module.
  exports: Object.fromEntries(
    entryPoints.map(({ subpath, base }) => [
      subpath,
      { types: `${base}.d.ts`, import: `${base}.js`, default: `${base}.js` },
    ]),
  ),
  bin: { mrl: `${cli.base}.js` },
  sideEffects: false,
  engines: dev.engines,
  dependencies,
  files: [
    ...entryPoints.filter(({ base }) => !base.includes("/", 2)).flatMap(({ base }) =>
      [".js", ".d.ts", ".js.map"].map((ext) => `${base.slice(2)}${ext}`)
    ),
    "src/",
    "README.md",
    "LICENSE",
    "docs/FORMAT.md",
  ],
  keywords: ["wal", "write-ahead-log", "queue", "mrecordlog", "durable", "log"],
};
writeFileSync(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
writeFileSync(
  join(out, "README.md"),
  packageReadme(readFileSync(join(root, "README.md"), "utf8")),
);
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
