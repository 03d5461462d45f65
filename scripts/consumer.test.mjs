// The packages as users get them. npm: `npm pack` the build in npm/, install the
// tarball into a fresh project, then use it from a plain .mjs file and from
// CommonJS (require) on Node 22, Node 26 and Bun, check its source maps, and
// type-check .ts consumers with tsc (moduleResolution nodenext; also with
// lib es2022 and no @types/node). JSR and Deno: stage the JSR package
// (scripts/build_jsr.ts), `deno publish --dry-run` it (offline), and import
// it, and the repository's mod.ts, by path from a folder with no Deno config;
// run its CLI entry (`jsr:@mrl/core/cli`).
// Run by `npm test` (needs the build: deno task build:npm).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const work = mkdtempSync(join(tmpdir(), "mrl-consumer-"));
const project = join(work, "project");
const installed = join(project, "node_modules", "@mrl", "core");
const bin = (name) => join(root, "node_modules", ".bin", name);
/** The Node lines the package supports, oldest and newest, from node_modules (npm ci). */
const NODES = {
  node22: join(root, "node_modules", "node22", "bin", "node"),
  node26: join(root, "node_modules", "node26", "bin", "node"),
};

function sh(command, args, cwd, env = process.env) {
  return execFileSync(command, args, {
    cwd,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Every file below `dir`. */
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** deno.json's exports ("." and the subpaths), which the npm build mirrors. */
const denoExports = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).exports;

test.after(() => rmSync(work, { recursive: true, force: true }));

test("consumer: npm pack of the build gives a tarball with the library and no tests", () => {
  assert.ok(
    existsSync(join(root, "npm", "package.json")),
    "build npm/ first (deno task build:npm)",
  );
  sh("npm", ["pack", join(root, "npm"), "--pack-destination", work, "--silent"], root);
  const tarballs = readdirSync(work).filter((f) => f.endsWith(".tgz"));
  assert.deepEqual(tarballs.length, 1);
  const listing = sh("tar", ["-tzf", join(work, tarballs[0])], work).split("\n");
  for (const source of Object.values(denoExports)) {
    const base = source.slice(2, -".ts".length);
    for (const ext of [".js", ".d.ts", ".js.map"]) {
      assert.ok(listing.includes(`package/${base}${ext}`), `${base}${ext}`);
    }
  }
  // Declaration maps would point at .ts files the package does not ship: there are none.
  assert.deepEqual(listing.filter((f) => f.endsWith(".d.ts.map")), []);
  assert.deepEqual(listing.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), []);
  assert.ok(listing.includes("package/src/ports/node_fs.js"));
  assert.ok(listing.includes("package/src/log.js"));
  assert.ok(listing.includes("package/README.md"));
  assert.ok(listing.includes("package/LICENSE"));
  assert.ok(listing.includes("package/docs/FORMAT.md"), "the format document the sources cite");
  assert.equal(listing.filter((f) => f.startsWith("package/tests/")).length, 0);
});

test("consumer: the tarball installs into a fresh project", () => {
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  sh("mkdir", ["-p", project], work);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  sh(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      join(work, tarball),
      "@types/node@^20",
    ],
    project,
  );
  assert.ok(existsSync(join(project, "node_modules", "@mrl", "core", "mod.js")));
  assert.ok(existsSync(join(project, "node_modules", "hash-wasm")));
});

test("consumer: the installed package.json exports each deno.json entry with types, import and default, and `mrl` is the ./cli entry", () => {
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  const expected = Object.fromEntries(
    Object.entries(denoExports).map(([subpath, source]) => {
      const base = `./${source.slice(2, -".ts".length)}`;
      return [subpath, { types: `${base}.d.ts`, import: `${base}.js`, default: `${base}.js` }];
    }),
  );
  assert.deepEqual(manifest.exports, expected);
  assert.equal(denoExports["./cli"], "./src/cli/bin.ts");
  assert.deepEqual(manifest.bin, { mrl: "./src/cli/bin.js" });
});

test("consumer: the package README is the user's: install, use, API, errors, policies, CLI, guarantees, format; no development notes", () => {
  const readme = readFileSync(join(installed, "README.md"), "utf8");
  const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  const user = [
    "Install",
    "Use",
    "The `mrl` command-line tool",
    "What survives what",
    "Ownership: one writer per directory",
    "Compatibility with the Rust crate",
    "License",
  ];
  assert.deepEqual(user.filter((heading) => !headings.includes(heading)), [], "user sections");
  const development = ["Quick start", "Development", "Performance", "How it is built", "Layout"];
  assert.deepEqual(headings.filter((heading) => development.includes(heading)), [], "dev notes");
  for (
    const section of [
      "### API at a glance",
      "### Persist policies",
      "`LOG_LOCKED`",
      "`LOG_READ_ONLY`",
      "`RESOURCE_EXHAUSTED`",
      "jsr:@mrl/core/cli",
      "(docs/FORMAT.md)",
    ]
  ) {
    assert.ok(readme.includes(section), section);
  }
  assert.ok(existsSync(join(installed, "docs", "FORMAT.md")), "the README's format link resolves");
  assert.ok(!readme.includes("npm ci && npm run"), "the repository's quick start");
  // The repository keeps them.
  const repository = readFileSync(join(root, "README.md"), "utf8");
  assert.ok(repository.includes("## Development") && repository.includes("## Performance"));
});

test("consumer: every source map stays inside the package and embeds its source", () => {
  const maps = walk(installed).filter((file) => file.endsWith(".js.map"));
  assert.ok(maps.length > 30, `${maps.length} maps`);
  const outside = [];
  const missing = [];
  for (const file of maps) {
    const map = JSON.parse(readFileSync(file, "utf8"));
    map.sources.forEach((source, i) => {
      const at = resolve(dirname(file), map.sourceRoot ?? "", source);
      if (relative(installed, at).startsWith("..")) {
        outside.push(`${relative(installed, file)}: ${source}`);
      }
      if (typeof map.sourcesContent?.[i] !== "string") missing.push(relative(installed, file));
    });
  }
  assert.deepEqual({ outside, missing }, { outside: [], missing: [] });
  // The embedded source is the repository's, named where it would be in the package.
  const log = JSON.parse(readFileSync(join(installed, "src", "log.js.map"), "utf8"));
  assert.deepEqual(log.sources, ["log.ts"]);
  assert.equal(log.sourcesContent[0], readFileSync(join(root, "src", "log.ts"), "utf8"));
});

for (const [name, node] of Object.entries(NODES)) {
  test(`consumer: with --enable-source-maps, ${name} reports an error thrown in the package at its .ts line`, () => {
    writeFileSync(
      join(project, "stack.mjs"),
      `import { MultiRecordLog } from "@mrl/core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const dir = mkdtempSync(join(tmpdir(), "mrl-stack-"));
const log = await MultiRecordLog.open(dir);
let stack = "";
try { log.range("missing"); } catch (err) { stack = err.stack; }
await log.close();
rmSync(dir, { recursive: true, force: true });
console.log(stack);
`,
    );
    const stack = sh(node, ["--enable-source-maps", "stack.mjs"], project);
    // The innermost frame in the package: a .ts file of the package, at a line that throws.
    const frame = /\(?(\/[^\s()]+\/node_modules\/@mrl\/core\/([^\s():]+\.ts)):(\d+):(\d+)\)?/.exec(
      stack,
    );
    assert.ok(frame, stack);
    const [, , file, line] = frame;
    const map = JSON.parse(readFileSync(join(installed, `${file.slice(0, -3)}.js.map`), "utf8"));
    const sourceLine = map.sourcesContent[0].split("\n")[Number(line) - 1];
    assert.match(sourceLine, /QueueNotFoundError|throw/, `${file}:${line}: ${sourceLine}`);
  });
}

test("consumer: a plain .mjs file imports it and creates, appends, closes, reopens and reads", () => {
  writeFileSync(
    join(project, "use.mjs"),
    `import { MultiRecordLog, QueueNotFoundError } from "@mrl/core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const dir = mkdtempSync(join(tmpdir(), "mrl-use-"));
let log = await MultiRecordLog.open(dir);
await log.createQueue("q");
await log.appendRecords("q", [new TextEncoder().encode("one"), new TextEncoder().encode("two")]);
await log.close();
log = await MultiRecordLog.open(dir);
const out = [...log.range("q")].map((r) => [r.position, new TextDecoder().decode(r.payload)]);
let missing = "";
try { log.range("nope"); } catch (err) { missing = err instanceof QueueNotFoundError ? err.code : String(err); }
await log.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ out, missing }));
`,
  );
  const printed = JSON.parse(sh("node", ["use.mjs"], project));
  assert.deepEqual(printed, { out: [[0, "one"], [1, "two"]], missing: "QUEUE_NOT_FOUND" });
});

test("consumer: the adapters are subpath exports: @mrl/core/node, /deno and /bun resolve, @mrl/core has none", () => {
  writeFileSync(
    join(project, "adapters.mjs"),
    `import * as core from "@mrl/core";
import { MultiRecordLog } from "@mrl/core";
import { nodeFileSystem } from "@mrl/core/node";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const dir = mkdtempSync(join(tmpdir(), "mrl-adapters-"));
let log = await MultiRecordLog.open(dir, { fs: nodeFileSystem });
await log.createQueue("q");
await log.appendRecord("q", new TextEncoder().encode("via node"));
await log.close();
log = await MultiRecordLog.open(dir);
const read = [...log.range("q")].map((r) => new TextDecoder().decode(r.payload));
await log.close();
rmSync(dir, { recursive: true, force: true });
const resolved = {};
for (const name of ["@mrl/core/node", "@mrl/core/deno", "@mrl/core/bun"]) {
  resolved[name] = Object.keys(await import(name));
}
const inCore = Object.keys(core).filter((name) => /FileSystem$/.test(name));
let internal = "";
try { await import("@mrl/core/src/ports/node.js"); } catch (err) { internal = err.code; }
console.log(JSON.stringify({ read, resolved, inCore, internal }));
`,
  );
  assert.deepEqual(JSON.parse(sh("node", ["adapters.mjs"], project)), {
    read: ["via node"],
    resolved: {
      "@mrl/core/node": ["nodeFileSystem"],
      "@mrl/core/deno": ["denoFileSystem"],
      "@mrl/core/bun": ["bunFileSystem"],
    },
    inCore: [],
    internal: "ERR_PACKAGE_PATH_NOT_EXPORTED",
  });
});

test("consumer: the installed package owns a directory with SQLite's lock, with no native addon installed", () => {
  assert.ok(!existsSync(join(project, "node_modules", "fs-native-extensions")));
  writeFileSync(
    join(project, "lock.mjs"),
    `import { MultiRecordLog, LogLockedError } from "@mrl/core";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const dir = mkdtempSync(join(tmpdir(), "mrl-lock-"));
const log = await MultiRecordLog.open(dir);
// The holder record is written right after the lock is taken, off the event loop for a new file.
let text = "";
for (let i = 0; i < 200 && text === ""; i++) {
  try {
    text = readFileSync(join(dir, ".mrl.holder"), "utf8");
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
  }
  if (text === "") await new Promise((resolve) => setTimeout(resolve, 10));
}
const holder = JSON.parse(text);
const second = await MultiRecordLog.open(dir).catch((err) => err);
await log.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ lock: holder.lock, kind: log.lockKind, refused: second instanceof LogLockedError }));
`,
  );
  assert.deepEqual(JSON.parse(sh("node", ["lock.mjs"], project)), {
    lock: "sqlite",
    kind: "sqlite",
    refused: true,
  });
});

test("consumer: the package's `mrl` executable runs through npx and bunx", () => {
  const fixture = resolve(root, "tests", "fixtures", "rust-mrecordlog", "basic", "wal");
  const dumped = JSON.parse(sh("npx", ["--no-install", "mrl", "dump", fixture], project));
  assert.deepEqual(Object.keys(dumped.queues), ["events"]);
  assert.equal(dumped.queues.events.last_position, 5);
  assert.match(sh("npx", ["--no-install", "mrl", "--help"], project), /usage: mrl/);
  const bunx = join(root, "node_modules", ".bin", "bunx");
  const viaBun = JSON.parse(sh(bunx, ["mrl", "dump", fixture], project));
  assert.deepEqual(viaBun, dumped);
});

const REQUIRE_CJS = `const { MultiRecordLog, QueueNotFoundError } = require("@mrl/core");
const { nodeFileSystem } = require("@mrl/core/node");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
(async () => {
  const dir = mkdtempSync(join(tmpdir(), "mrl-require-"));
  let log = await MultiRecordLog.open(dir, { fs: nodeFileSystem });
  await log.createQueue("q");
  await log.appendRecords("q", [new TextEncoder().encode("one"), new TextEncoder().encode("two")]);
  await log.close();
  log = await MultiRecordLog.open(dir);
  const out = [...log.range("q")].map((r) => [r.position, new TextDecoder().decode(r.payload)]);
  const err = await log.deleteQueue("nope").catch((e) => e);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  // One module, not two copies: the classes require() gives are those import gives.
  const imported = await import("@mrl/core");
  console.log(JSON.stringify({
    out,
    code: err instanceof QueueNotFoundError ? err.code : String(err),
    same: imported.MultiRecordLog === MultiRecordLog,
  }));
})();
`;

const RUNNERS = { ...NODES, bun: bin("bun") };
for (const [name, runner] of Object.entries(RUNNERS)) {
  test(`consumer: require("@mrl/core") from CommonJS works on ${name} (the same module as import)`, () => {
    writeFileSync(join(project, "use.cjs"), REQUIRE_CJS);
    const result = spawnSync(runner, ["use.cjs"], { cwd: project, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      out: [[0, "one"], [1, "two"]],
      code: "QUEUE_NOT_FOUND",
      same: true,
    });
  });
}

test("consumer: the declarations type-check with lib es2022 and no @types/node (they bring esnext.disposable)", () => {
  writeFileSync(
    join(project, "tsconfig.es2022.json"),
    JSON.stringify({
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        lib: ["es2022"],
        types: [],
        strict: true,
        noEmit: true,
      },
      include: ["es2022.ts"],
    }),
  );
  writeFileSync(
    join(project, "es2022.ts"),
    `import { MultiRecordLog, type MrlErrorCode, type OpenOptions } from "@mrl/core";
import { nodeFileSystem } from "@mrl/core/node";
import { denoFileSystem } from "@mrl/core/deno";
import { bunFileSystem } from "@mrl/core/bun";
const options: OpenOptions = { fs: nodeFileSystem, persistPolicy: { kind: "never" } };
export async function use(dir: string): Promise<[number, MrlErrorCode, number]> {
  const log = await MultiRecordLog.open(dir, options);
  const { lastPosition } = await log.appendRecord("q", new Uint8Array(1));
  await log.close();
  return [lastPosition ?? -1, "LOG_LOCKED", [denoFileSystem, bunFileSystem].length];
}
`,
  );
  const tsc = bin("tsc");
  const files = sh(tsc, ["-p", "tsconfig.es2022.json", "--listFilesOnly"], project).split("\n");
  assert.deepEqual(
    files.filter((f) => f.includes("@types/node")),
    [],
    "no @types/node in the program",
  );
  assert.ok(
    files.some((f) => /lib\.esnext\.disposable\.d\.ts$/.test(f)),
    "esnext.disposable is in",
  );
  assert.ok(
    !files.some((f) => /lib\.es202[3-9]|lib\.esnext\.full/.test(f)),
    "no lib past es2022 else",
  );
  sh(tsc, ["-p", "tsconfig.es2022.json"], project);
  // Without the reference the package's declaration carries, the same consumer fails with TS2550.
  const logTypes = join(installed, "src", "log.d.ts");
  const original = readFileSync(logTypes, "utf8");
  // (after the reference to the web globals' stand-ins, when the file names them)
  const disposable =
    /^((?:\/\/\/ <reference path="[^"]+" \/>\n)*)\/\/\/ <reference lib="esnext\.disposable" \/>\n/;
  assert.match(original, disposable);
  writeFileSync(logTypes, original.replace(disposable, "$1"));
  try {
    assert.throws(
      () => sh(tsc, ["-p", "tsconfig.es2022.json"], project),
      (err) => /TS2550/.test(String(err.stdout)),
    );
  } finally {
    writeFileSync(logTypes, original);
  }
});

test("consumer: a .ts consumer type-checks with tsc under moduleResolution nodenext", () => {
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        strict: true,
        noEmit: true,
        types: ["node"],
      },
      include: ["use.ts"],
    }),
  );
  writeFileSync(
    join(project, "use.ts"),
    `import { MultiRecordLog, type AppendOutcome, type OpenOptions, type QueueRecord } from "@mrl/core";
const options: OpenOptions = { persistPolicy: { kind: "always", action: "fsync" }, fileSize: 32768 * 8 };
export async function use(dir: string): Promise<number | undefined> {
  const log = await MultiRecordLog.open(dir, options);
  const outcome: AppendOutcome = await log.appendRecord("q", new Uint8Array(1));
  const records: QueueRecord[] = [...log.range("q", { start: 0 })];
  await log.close();
  return outcome.lastPosition ?? records.length;
}
`,
  );
  const tsc = join(root, "node_modules", ".bin", "tsc");
  sh(tsc, ["-p", "tsconfig.json"], project);
  // And a mistake is caught: the type declarations are really in use.
  writeFileSync(
    join(project, "use.ts"),
    `import { MultiRecordLog } from "@mrl/core";\nMultiRecordLog.open(42);\n`,
  );
  assert.throws(
    () => sh(tsc, ["-p", "tsconfig.json"], project),
    (err) => /TS2345/.test(String(err.stdout)),
  );
});

test("consumer: @mrl/core/node type-checks under moduleResolution nodenext (types from its .d.ts)", () => {
  // tsconfig.json from the test above: module and moduleResolution nodenext, strict, only use.ts.
  writeFileSync(
    join(project, "use.ts"),
    `import { MultiRecordLog, type FileSystem } from "@mrl/core";
import { nodeFileSystem } from "@mrl/core/node";
import { denoFileSystem } from "@mrl/core/deno";
import { bunFileSystem } from "@mrl/core/bun";
const adapters: FileSystem[] = [nodeFileSystem, denoFileSystem, bunFileSystem];
export async function use(dir: string): Promise<number> {
  const log = await MultiRecordLog.open(dir, { fs: nodeFileSystem });
  await log.close();
  return adapters.length;
}
`,
  );
  const tsc = join(root, "node_modules", ".bin", "tsc");
  sh(tsc, ["-p", "tsconfig.json"], project);
  // The subpath's declarations are in use (a wrong argument is caught), and the adapters
  // are no longer exported by the main entry point.
  writeFileSync(
    join(project, "use.ts"),
    `import { nodeFileSystem } from "@mrl/core/node";\nnodeFileSystem.openFile("x", "append");\n`,
  );
  assert.throws(
    () => sh(tsc, ["-p", "tsconfig.json"], project),
    (err) => /TS2345/.test(String(err.stdout)),
  );
  writeFileSync(join(project, "use.ts"), `import { nodeFileSystem } from "@mrl/core";\n`);
  assert.throws(
    () => sh(tsc, ["-p", "tsconfig.json"], project),
    (err) =>
      /TS(2305|2724)\b.*no exported member (named )?.nodeFileSystem./.test(String(err.stdout)),
  );
});

/** A folder with no Deno config (no deno.json, no package.json) above it: a user's, not ours. */
function denoScratch(name) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (let up = dir; dirname(up) !== up; up = dirname(up)) {
    for (const config of ["deno.json", "deno.jsonc", "package.json"]) {
      assert.ok(!existsSync(join(up, config)), `${join(up, config)} would be seen by Deno`);
    }
  }
  return dir;
}

/** A Deno script that imports `modUrl`, writes, reopens and reads. */
const denoUse = (modUrl) =>
  `import { MultiRecordLog, type MrlErrorCode } from ${JSON.stringify(modUrl)};
const dir = await Deno.makeTempDir();
let log = await MultiRecordLog.open(dir);
await log.createQueue("q");
await log.appendRecords("q", [new TextEncoder().encode("one"), new TextEncoder().encode("two")]);
await log.close();
log = await MultiRecordLog.open(dir);
const out = [...log.range("q")].map((r) => [r.position, new TextDecoder().decode(r.payload)]);
const code: MrlErrorCode = await log.deleteQueue("nope").catch((e) => e.code);
await log.close();
await Deno.remove(dir, { recursive: true });
console.log(JSON.stringify({ out, code }));
`;

function deno(args, cwd) {
  const result = spawnSync(bin("deno"), args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: result.status, out: result.stdout, all: `${result.stdout}${result.stderr}` };
}

/** Imports `mod` by path from a scratch folder with no config: it type-checks and a round trip runs. */
function checkAndRunByPath(scratch, mod) {
  const dir = denoScratch(scratch);
  writeFileSync(join(dir, "use.ts"), denoUse(pathToFileURL(mod).href));
  const checked = deno(["check", "use.ts"], dir);
  assert.equal(checked.status, 0, checked.all);
  const ran = deno(["run", "-A", "use.ts"], dir);
  assert.equal(ran.status, 0, ran.all);
  assert.deepEqual(JSON.parse(ran.out), { out: [[0, "one"], [1, "two"]], code: "QUEUE_NOT_FOUND" });
}

test("deno: the repository's mod.ts imported by path from a folder with no config runs and type-checks", () => {
  checkAndRunByPath("deno-by-path", join(root, "mod.ts"));
});

const jsr = join(work, "jsr");

test("jsr: the staged package (scripts/build_jsr.ts) passes `deno publish --dry-run` (offline), with the package README", () => {
  sh(bin("deno"), ["run", "-A", join(root, "scripts", "build_jsr.ts"), jsr], root);
  const result = deno(["publish", "--dry-run", "--allow-dirty"], jsr);
  assert.equal(result.status, 0, result.all);
  // Every entry point (deno.json exports, the CLI's included) and the node:fs code the Bun and
  // Node adapters share.
  for (const file of [...Object.values(denoExports), "./src/ports/node_fs.ts"]) {
    assert.ok(
      result.all.includes(`${pathToFileURL(jsr).href}/${file.slice(2)} (`),
      `publishes ${file}`,
    );
  }
  assert.match(result.all, /docs\/FORMAT\.md/);
  assert.match(result.all, /README\.md/);
  assert.match(result.all, /Dry run complete/);
  const manifest = JSON.parse(readFileSync(join(jsr, "deno.json"), "utf8"));
  assert.deepEqual(manifest.exports, denoExports);
  assert.equal(
    manifest.imports,
    undefined,
    "no import map: the sources name npm:hash-wasm in full",
  );
  assert.equal(
    readFileSync(join(jsr, "README.md"), "utf8"),
    readFileSync(join(installed, "README.md"), "utf8"),
    "JSR and npm carry the same package README",
  );
});

test("jsr: the staged package's mod.ts, imported by path from a folder with no config, runs and type-checks", () => {
  checkAndRunByPath("deno-jsr", join(jsr, "mod.ts"));
});

test("jsr: the ./cli entry (`deno run jsr:@mrl/core/cli`) runs from the staged package with --allow-read only", () => {
  const dir = denoScratch("deno-cli");
  const fixture = resolve(root, "tests", "fixtures", "rust-mrecordlog", "basic", "wal");
  const entry = join(jsr, denoExports["./cli"]);
  const ran = deno(["run", "--allow-read", entry, "dump", fixture], dir);
  assert.equal(ran.status, 0, ran.all);
  const dumped = JSON.parse(ran.out);
  assert.deepEqual(Object.keys(dumped.queues), ["events"]);
  assert.equal(dumped.queues.events.last_position, 5);
  const lint = deno(["doc", "--lint", entry], jsr);
  assert.equal(lint.status, 0, lint.all);
});

test("deno: the npm package installed in a project (node_modules) imports as @mrl/core", () => {
  writeFileSync(join(project, "deno_use.ts"), denoUse("@mrl/core"));
  const ran = deno(["run", "-A", "deno_use.ts"], project);
  assert.equal(ran.status, 0, ran.all);
  assert.deepEqual(JSON.parse(ran.out), { out: [[0, "one"], [1, "two"]], code: "QUEUE_NOT_FOUND" });
});
