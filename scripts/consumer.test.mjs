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
  assert.ok(listing.includes("package/mod.js"));
  assert.ok(listing.includes("package/mod.d.ts"));
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
  assert.match(output, /docs\/FORMAT\.md/);
  assert.match(output, /Dry run complete/);
});
