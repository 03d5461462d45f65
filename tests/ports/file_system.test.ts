/**
 * The FileSystem port's contract, checked on the adapter this runtime uses by
 * default and on the node:fs adapter (`@mrl/core/node`, which works on every
 * runtime).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { type FileSystem, MultiRecordLog } from "../../mod.ts";
import { nodeFileSystem } from "../../node.ts";
import { defaultFileSystem } from "../../src/ports/default_fs.ts";
import { tempDir } from "../helpers/temp.ts";
import { countingFileSystem } from "../helpers/counting_fs.ts";

const runtime: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";
const adapters: [string, FileSystem][] = [[`${runtime} default`, await defaultFileSystem()]];
if (runtime !== "node") adapters.push(["node:fs", nodeFileSystem]);

test("ports: the default adapter is the one of the runtime the code runs on", async () => {
  const fromEntryPoint = {
    deno: async () => (await import("../../deno.ts")).denoFileSystem,
    bun: async () => (await import("../../bun.ts")).bunFileSystem,
    node: async () => (await import("../../node.ts")).nodeFileSystem,
  }[runtime];
  assert.equal(await defaultFileSystem(), await fromEntryPoint());
});

/** The error of an exclusive creation over an existing entry, as each runtime throws it. */
function isExists(err: unknown): boolean {
  const e = err as { code?: string; name?: string };
  return e.code === "EEXIST" || e.name === "AlreadyExists";
}

for (const [name, fs] of adapters) {
  test(`ports (${name}): create, write at offsets, read back, size, truncate`, async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, "f");
      const file = await fs.openFile(path, "create");
      await file.write(new Uint8Array([1, 2, 3]), 0);
      await file.write(new Uint8Array([9, 9]), 10);
      assert.equal(await file.size(), 12);
      const buffer = new Uint8Array(12).fill(0xee);
      assert.equal(await file.read(buffer, 0), 12);
      assert.deepEqual([...buffer], [1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 9, 9]);
      const tail = new Uint8Array(5);
      assert.equal(await file.read(tail, 10), 2, "a read at the end returns what is there");
      assert.equal(await file.read(tail, 12), 0, "and 0 past the end");
      await file.truncate(32768);
      assert.equal(await file.size(), 32768);
      await file.truncate(2);
      assert.equal(await file.size(), 2);
      await file.datasync();
      await file.close();
    } finally {
      await dir.cleanup();
    }
  });

  test(`ports (${name}): "create" makes a new file; "readwrite" and "read" keep an existing one`, async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, "f");
      let file = await fs.openFile(path, "create");
      await file.write(new Uint8Array([5, 6, 7]), 0);
      await file.close();
      file = await fs.openFile(path, "readwrite");
      assert.equal(await file.size(), 3);
      await file.write(new Uint8Array([8]), 3);
      await file.close();
      file = await fs.openFile(path, "read");
      const buffer = new Uint8Array(4);
      assert.equal(await file.read(buffer, 0), 4);
      assert.deepEqual([...buffer], [5, 6, 7, 8]);
      await file.close();
      await file.close();
    } finally {
      await dir.cleanup();
    }
  });

  test(`ports (${name}): directories: mkdir, stat, readDir, remove, syncDir`, async () => {
    const dir = await tempDir();
    try {
      const nested = join(dir.path, "a", "b");
      assert.equal(await fs.stat(nested), undefined);
      await fs.mkdir(nested);
      assert.deepEqual(await fs.stat(nested), { isFile: false, isDirectory: true });
      const file = await fs.openFile(join(nested, "x"), "create");
      await file.close();
      assert.deepEqual(await fs.stat(join(nested, "x")), { isFile: true, isDirectory: false });
      await fs.mkdir(join(nested, "sub"));
      const entries = (await fs.readDir(nested)).sort((p, q) => p.name.localeCompare(q.name));
      assert.deepEqual(entries, [
        { name: "sub", isFile: false, isSymlink: false },
        { name: "x", isFile: true, isSymlink: false },
      ]);
      await fs.syncDir(nested);
      await fs.remove(join(nested, "x"));
      assert.equal(await fs.stat(join(nested, "x")), undefined);
    } finally {
      await dir.cleanup();
    }
  });

  test(`ports (${name}): "create" is exclusive: an existing file, link or directory at the name is EEXIST, and a file there keeps its bytes`, async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, "f");
      const file = await fs.openFile(path, "create");
      await file.write(new Uint8Array([5, 6, 7]), 0);
      await file.close();
      const target = join(dir.path, "elsewhere");
      writeFileSync(target, new Uint8Array([1, 2]));
      symlinkSync(target, join(dir.path, "link"));
      symlinkSync(join(dir.path, "missing"), join(dir.path, "dangling"));
      mkdirSync(join(dir.path, "d"));
      for (const name of ["f", "link", "dangling", "d"]) {
        await assert.rejects(fs.openFile(join(dir.path, name), "create"), isExists, name);
      }
      assert.deepEqual([...readFileSync(path)], [5, 6, 7]);
      assert.deepEqual([...readFileSync(target)], [1, 2]);
      assert.equal(
        existsSync(join(dir.path, "missing")),
        false,
        "nothing created through the dangling link",
      );
    } finally {
      await dir.cleanup();
    }
  });

  test(`ports (${name}): a handle closes once: a second close does nothing (a descriptor opened meanwhile stays open), other calls reject with EBADF`, async () => {
    const dir = await tempDir();
    try {
      const file = await fs.openFile(join(dir.path, "f"), "create");
      await file.close();
      const other = openSync(join(dir.path, "other"), "w+"); // may reuse the closed descriptor's number
      try {
        writeSync(other, "kept");
        await file.close();
        assert.equal(fstatSync(other).size, 4, "the other descriptor is still open");
        const isBadF = (err: unknown) => (err as { code?: string }).code === "EBADF";
        await assert.rejects(file.write(new Uint8Array([1]), 0), isBadF);
        await assert.rejects(file.read(new Uint8Array(1), 0), isBadF);
        await assert.rejects(file.datasync(), isBadF);
        await assert.rejects(file.truncate(0), isBadF);
        await assert.rejects(file.size(), isBadF);
        assert.equal(readFileSync(join(dir.path, "other"), "utf8"), "kept");
      } finally {
        closeSync(other);
      }
    } finally {
      await dir.cleanup();
    }
  });

  test(`ports (${name}): readDir marks symbolic links; stat follows them (a dangling one is undefined)`, async () => {
    const dir = await tempDir();
    try {
      writeFileSync(join(dir.path, "target"), new Uint8Array([1]));
      symlinkSync(join(dir.path, "target"), join(dir.path, "link"));
      symlinkSync(join(dir.path, "missing"), join(dir.path, "dangling"));
      const entries = (await fs.readDir(dir.path)).sort((p, q) => p.name.localeCompare(q.name));
      assert.deepEqual(entries, [
        { name: "dangling", isFile: false, isSymlink: true },
        { name: "link", isFile: false, isSymlink: true },
        { name: "target", isFile: true, isSymlink: false },
      ]);
      assert.deepEqual(await fs.stat(join(dir.path, "link")), { isFile: true, isDirectory: false });
      assert.equal(await fs.stat(join(dir.path, "dangling")), undefined);
    } finally {
      await dir.cleanup();
    }
  });

  test(`ports (${name}): opening a missing file for reading fails with ENOENT`, async () => {
    const dir = await tempDir();
    try {
      await assert.rejects(fs.openFile(join(dir.path, "missing"), "read"), (err: unknown) => {
        const e = err as { code?: string; name?: string };
        return e.code === "ENOENT" || e.name === "NotFound";
      });
    } finally {
      await dir.cleanup();
    }
  });
}

test("ports: the log syncs the directory with the first fsync of a new log's first file, after rolling and after deleting", async () => {
  const dir = await tempDir();
  try {
    const { fs, counts } = countingFileSystem(await defaultFileSystem());
    const log = await MultiRecordLog.open(dir.path, { fs, fileSize: 32768 });
    assert.equal(counts.syncDir, 0, "wal file 0 created, nothing durable yet");
    await log.createQueue("q");
    assert.equal(counts.syncDir, 1, "with the queue's creation, fsynced");
    await log.appendRecord("q", new Uint8Array(40_000)); // rolls to file 1
    assert.equal(counts.syncDir, 2, "wal file 1 created");
    await log.truncate("q", 0); // file 0 deleted
    assert.equal(counts.remove, 1);
    assert.equal(counts.syncDir, 3, "after the deletion");
    await log.close();
  } finally {
    await dir.cleanup();
  }
});
