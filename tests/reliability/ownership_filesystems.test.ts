/**
 * Ownership on each local file system the README lists: tmpfs, overlayfs
 * and btrfs (ext4 is where every other test runs). Each is mounted for the
 * test (which needs root, and mkfs.btrfs for btrfs: `.ci/run` installs it);
 * where that cannot be done the test says why and is skipped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { everyKind, race, withChildren } from "../helpers/race.ts";
import { tempDir } from "../helpers/temp.ts";

/** Runs a command; the reason it failed, or undefined. */
function run(command: string, ...args: string[]): string | undefined {
  const out = spawnSync(command, args, { encoding: "utf8" });
  if (out.error) return `${command}: ${out.error.message}`;
  if (out.status !== 0) return `${command} ${args.join(" ")}: ${out.stderr.trim()}`;
  return undefined;
}

type Mount = (base: string, at: string) => string | undefined;

const mounts: Record<string, Mount> = {
  tmpfs: (_base, at) => run("mount", "-t", "tmpfs", "-o", "size=64m", "mrl-test", at),
  overlayfs: (base, at) => {
    for (const d of ["lower", "upper", "work"]) mkdirSync(join(base, d));
    const dirs = `lowerdir=${base}/lower,upperdir=${base}/upper,workdir=${base}/work`;
    return run("mount", "-t", "overlay", "overlay", "-o", dirs, at);
  },
  btrfs: (base, at) => {
    const image = join(base, "btrfs.img");
    writeFileSync(image, "");
    return run("truncate", "-s", "128M", image) ?? run("mkfs.btrfs", "-q", image) ??
      run("mount", "-o", "loop", image, at);
  },
};

const notRoot = process.platform !== "linux" || process.getuid?.() !== 0
  ? "mounting a file system needs root on Linux"
  : undefined;

for (const [name, mount] of Object.entries(mounts)) {
  test(
    `ownership on ${name}: every kind of process opening one directory at once leaves exactly one owner`,
    {
      skip: notRoot,
      timeout: 120_000,
    },
    async (t) => {
      const base = await tempDir("mrl-mount-");
      const at = join(base.path, "mnt");
      mkdirSync(at);
      try {
        const problem = mount(base.path, at);
        if (problem !== undefined) {
          console.log(`SKIPPED (ownership on ${name}): ${problem}`);
          t.skip(problem);
          return;
        }
        try {
          await withChildren(everyKind, async (children) => {
            assert.deepEqual(await race(children, 10, { parent: at }), { 1: 10 });
            assert.deepEqual(await race(children, 10, { parent: at, sameDir: true }), { 1: 10 });
          });
        } finally {
          run("umount", at) && run("umount", "-l", at);
        }
      } finally {
        await base.cleanup();
      }
    },
  );
}
