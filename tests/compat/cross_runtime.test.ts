/**
 * A log written under each runtime (Deno, Bun, Node) opens under the other
 * two with identical contents. Spawns the runtimes' binaries from
 * node_modules/.bin (Node runs the compiled build in npm/).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { tempDir } from "../helpers/temp.ts";
import { dumpContents } from "./roundtrip_tool.ts";

const root = process.cwd();
const tool = "tests/compat/roundtrip_tool.ts";
const runtimes: Record<string, string[]> = {
  deno: [resolve(root, "node_modules/.bin/deno"), "run", "-A", tool],
  bun: [resolve(root, "node_modules/.bin/bun"), tool],
  node: ["node", resolve(root, "npm/tests/compat/roundtrip_tool.js")],
};

function spawnTool(runtime: string, args: string[]): Promise<string> {
  const [command, ...rest] = runtimes[runtime];
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      [...rest, ...args],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${runtime} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
        } else resolvePromise(stdout);
      },
    );
  });
}

test("cross-runtime: the runtimes' binaries and the Node build are there", () => {
  assert.ok(existsSync(runtimes.deno[0]), "node_modules/.bin/deno (npm ci)");
  assert.ok(existsSync(runtimes.bun[0]), "node_modules/.bin/bun (npm ci)");
  assert.ok(existsSync(runtimes.node[1]), "npm/ build (deno task build:npm)");
});

for (const writer of Object.keys(runtimes)) {
  test(`cross-runtime: a log written by ${writer} opens with identical contents under deno, bun and node, in memory and disk mode`, async () => {
    const dir = await tempDir();
    try {
      const walDir = join(dir.path, "wal");
      await spawnTool(writer, ["write", walDir, writer]);
      const expected = await dumpContents(walDir);
      assert.deepEqual(Object.keys(expected).length, 3);
      assert.equal(expected[`${writer}-small`].length, 40);
      assert.equal(expected[`${writer}-big`][0][1].length, Math.ceil(200_000 / 3) * 4);
      for (const reader of Object.keys(runtimes)) {
        assert.deepEqual(
          JSON.parse(await spawnTool(reader, ["dump", walDir])),
          expected,
          `read by ${reader}`,
        );
        assert.deepEqual(
          JSON.parse(await spawnTool(reader, ["dump", walDir, "disk"])),
          expected,
          `read by ${reader} in disk mode`,
        );
      }
    } finally {
      await dir.cleanup();
    }
  });
}
