/**
 * The storage a file system allocated to a file, as the default adapter of
 * each runtime reports it: trusted on ext4, xfs, tmpfs and overlayfs only.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { statfsSync } from "node:fs";
import { join } from "node:path";
import { fileAllocation } from "../../src/ports/allocation.ts";
import { defaultFileSystem } from "../../src/ports/default_fs.ts";
import type { FileAllocation } from "../../mod.ts";
import { inTempDir, tempDir } from "../helpers/temp.ts";

const TRUSTED: Record<number, string> = {
  0xef53: "ext4",
  0x58465342: "xfs",
  0x01021994: "tmpfs",
  0x794c7630: "overlayfs",
};
const probe = await tempDir();
const fsType = Number(statfsSync(probe.path).type);
await probe.cleanup();
const untrusted = TRUSTED[fsType] === undefined
  ? `the temporary directory is on a file system this library does not trust to count blocks (statfs type 0x${
    fsType.toString(16)
  })`
  : undefined;
if (untrusted) console.log(`SKIPPED (allocation on a real file): ${untrusted}`);

/** The allocation the default adapter reports for a file cut to 1 MiB with `written` at offset 0. */
async function allocationOf(written: Uint8Array | undefined): Promise<FileAllocation | undefined> {
  return await inTempDir(async (path) => {
    const file = await (await defaultFileSystem()).openFile(join(path, "f"), "create");
    await file.truncate(1024 * 1024);
    if (written !== undefined) await file.write(written, 0);
    const allocation = await file.allocation!();
    await file.close();
    return allocation;
  });
}

test("allocation: a 1 MiB file cut to size with one 4 KiB block written holds one block", {
  skip: untrusted,
}, async () => {
  const allocation = await allocationOf(new Uint8Array(4096).fill(1));
  assert.ok(allocation !== undefined);
  assert.equal(allocation.bytes, Math.ceil(4096 / allocation.blockSize) * allocation.blockSize);
});

test("allocation: a file cut to 1 MiB with nothing written holds no storage", {
  skip: untrusted,
}, async () => {
  assert.equal((await allocationOf(undefined))?.bytes, 0);
});

test("allocation: unknown when fstat gives no block count or block size", () => {
  assert.equal(fileAllocation("/", null, 4096), undefined);
  assert.equal(fileAllocation("/", 8, null), undefined);
  assert.equal(fileAllocation("/", 8, 0), undefined);
});

test("allocation: unknown for a path statfs cannot reach", () => {
  assert.equal(fileAllocation("/no/such/path/mrl", 8, 4096), undefined);
});
