// The npm package as a user gets it: `npm pack` the build in npm/, install the
// tarball into a fresh project, then (1) use it from a plain .mjs file and
// (2) type-check a .ts consumer with tsc under moduleResolution nodenext.
// Run by `npm test` (needs the build: deno task build:npm).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const work = mkdtempSync(join(tmpdir(), "mrl-consumer-"));
const project = join(work, "project");

function sh(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

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
  for (const entry of ["mod", "deno", "bun", "node"]) {
    assert.ok(listing.includes(`package/${entry}.js`), `${entry}.js`);
    assert.ok(listing.includes(`package/${entry}.d.ts`), `${entry}.d.ts`);
  }
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

test("consumer: a plain .mjs file imports it and creates, appends, closes, reopens and reads", () => {
  writeFileSync(
    join(project, "use.mjs"),
    `import { MultiRecordLog, QueueNotFoundError } from "@mrl/core";
import { mkdtempSync } from "node:fs";
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
import { mkdtempSync } from "node:fs";
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

test("consumer: the installed package owns a directory with a kernel lock (its addon dependency loads)", () => {
  assert.ok(existsSync(join(project, "node_modules", "fs-native-extensions")));
  writeFileSync(
    join(project, "lock.mjs"),
    `import { MultiRecordLog, LogLockedError } from "@mrl/core";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const dir = mkdtempSync(join(tmpdir(), "mrl-lock-"));
const log = await MultiRecordLog.open(dir);
const holder = JSON.parse(readFileSync(join(dir, ".mrl.lock"), "utf8"));
const second = await MultiRecordLog.open(dir).catch((err) => err);
await log.close();
console.log(JSON.stringify({ lock: holder.lock, refused: second instanceof LogLockedError }));
`,
  );
  assert.deepEqual(JSON.parse(sh("node", ["lock.mjs"], project)), {
    lock: "kernel",
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

test("jsr: `deno publish --dry-run` accepts the package (offline)", () => {
  const deno = join(root, "node_modules", ".bin", "deno");
  const result = spawnSync(deno, ["publish", "--dry-run", "--allow-dirty"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, output);
  assert.match(output, /src\/log\.ts/);
  // Every entry point (deno.json exports) and the node:fs code the Bun and Node adapters share.
  for (const file of ["mod.ts", "deno.ts", "bun.ts", "node.ts", "src/ports/node_fs.ts"]) {
    assert.ok(output.includes(`${pathToFileURL(root).href}/${file} (`), `publishes ${file}`);
  }
  assert.match(output, /docs\/FORMAT\.md/);
  assert.match(output, /Dry run complete/);
});
