/**
 * Bundling keeps the lock: the library bundled for Node by `bun build
 * --target=node` (no native addon to lose) takes the same lock, and where
 * the runtime has no SQLite the open refuses with LOCK_UNAVAILABLE unless
 * `{ lock: false }` says to go on without one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { repoRoot } from "../helpers/repo.ts";
import { inTempDir } from "../helpers/temp.ts";

const root = repoRoot();
const bun = resolve(root, "node_modules/.bin/bun");
const node = resolve(root, "node_modules/node26/bin/node");

/** Runs the bundle on Node 26 with `flags`; its one line of output. */
function runBundle(bundle: string, flags: string[], args: string[]): string {
  const out = spawnSync(node, [...flags, bundle, ...args], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim();
}

test(
  "bundle: bun build --target=node keeps the lock on Node; without node:sqlite it refuses, unless lock: false",
  {
    timeout: 60_000,
  },
  async () => {
    // deno-lint-ignore require-await
    await inTempDir(async (dir) => {
      const bundle = join(dir, "bundle.mjs");
      const built = spawnSync(bun, [
        "build",
        resolve(root, "tests/ownership/bundle_child.ts"),
        "--target=node",
        `--outfile=${bundle}`,
      ], { encoding: "utf8" });
      assert.equal(built.status, 0, built.stderr);
      const log = join(dir, "log");
      assert.equal(runBundle(bundle, [], [log]), "lockKind sqlite");
      const noSqlite = ["--no-experimental-sqlite"];
      assert.equal(runBundle(bundle, noSqlite, [log]), "error LOCK_UNAVAILABLE");
      assert.equal(runBundle(bundle, noSqlite, [log, "unlocked"]), "lockKind none");
    });
  },
);
