/** The wal file size: worked out from the files on open, checked against the option. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile, stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { FileSizeMismatchError, InvalidArgumentError, MultiRecordLog } from "../../mod.ts";
import { copyWal } from "../helpers/fixtures.ts";
import { tempDir } from "../helpers/temp.ts";
import { recordEnd } from "../helpers/log.ts";

const BLOCK = 32768;
const WAL0 = "wal-00000000000000000000";
const WAL1 = "wal-00000000000000000001";
const WAL2 = "wal-00000000000000000002";

/** Sizes of the wal files of `dir`, by name. */
async function sizes(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of (await readdir(dir)).filter((n) => n.startsWith("wal-")).sort()) {
    out[name] = (await stat(join(dir, name))).size;
  }
  return out;
}

/** Writes a log of three 2-block files (the last one current) into `dir`. */
async function threeFiles(dir: string): Promise<void> {
  const log = await MultiRecordLog.open(dir, { fileSize: 2 * BLOCK });
  await log.createQueue("q");
  for (let i = 0; i < 5; i++) await log.appendRecord("q", new Uint8Array(30_000).fill(i + 1));
  await log.close();
  assert.deepEqual(await sizes(dir), { [WAL0]: 2 * BLOCK, [WAL1]: 2 * BLOCK, [WAL2]: 2 * BLOCK });
}

test("file size: a log written with fileSize 262144 reopens without the option at 262144 (no file grows)", async () => {
  const dir = await tempDir();
  try {
    const first = await MultiRecordLog.open(dir.path, { fileSize: 8 * BLOCK });
    await first.createQueue("q");
    await first.appendRecord("q", new Uint8Array(100));
    await first.close();
    const log = await MultiRecordLog.open(dir.path);
    await log.appendRecord("q", new Uint8Array(100));
    assert.equal(log.resourceUsage().diskUsedBytes, 262144);
    const { files } = log.summary();
    assert.deepEqual(Object.keys(files), [WAL0]);
    assert.deepEqual({ ...files[WAL0], queues: { ...files[WAL0].queues } }, {
      size: 262144,
      queues: { q: 200 },
    });
    await log.close();
    assert.deepEqual(await sizes(dir.path), { [WAL0]: 262144 });
  } finally {
    await dir.cleanup();
  }
});

test("file size: after a reopen without the option, new files are created at the size the files show", async () => {
  const dir = await tempDir();
  try {
    await threeFiles(dir.path);
    const log = await MultiRecordLog.open(dir.path);
    for (let i = 0; i < 3; i++) await log.appendRecord("q", new Uint8Array(30_000));
    // 12 + 8 records of 24 + 30000 bytes, in frames, end at 240316: in file 3 (from 196608).
    let end = recordEnd(0, 11 + 1);
    for (let i = 0; i < 8; i++) end = recordEnd(end, 11 + 1 + 12 + 30_000);
    assert.equal(Math.floor(end / (2 * BLOCK)), 3);
    assert.deepEqual(await sizes(dir.path), {
      [WAL0]: 2 * BLOCK,
      [WAL1]: 2 * BLOCK,
      [WAL2]: 2 * BLOCK,
      "wal-00000000000000000003": 2 * BLOCK,
    });
    assert.equal(log.resourceUsage().diskUsedBytes, 4 * 2 * BLOCK);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("file size: files before the last show the size even when the last one was cut short", async () => {
  const dir = await tempDir();
  try {
    await threeFiles(dir.path);
    await truncate(join(dir.path, WAL2), BLOCK); // its data is in its first block
    const log = await MultiRecordLog.open(dir.path);
    assert.equal(log.resourceUsage().diskUsedBytes, 3 * 2 * BLOCK);
    await log.close();
    assert.deepEqual(await sizes(dir.path), {
      [WAL0]: 2 * BLOCK,
      [WAL1]: 2 * BLOCK,
      [WAL2]: 2 * BLOCK,
    });
  } finally {
    await dir.cleanup();
  }
});

test("file size: a single file whose last block holds data (maybe cut short) opens at the default 128 MiB", async () => {
  const dir = await tempDir();
  try {
    await copyWal("basic", dir.path); // the Rust crate's 128 MiB file, trailing zero blocks cut
    const log = await MultiRecordLog.open(dir.path);
    assert.equal(log.resourceUsage().diskUsedBytes, 128 * 1024 * 1024);
    assert.equal(log.summary().files[WAL0].size, 128 * 1024 * 1024);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("file size: the Rust crate's untrimmed 128 MiB file opens with no option at 128 MiB; fileSize 131072 contradicts it", async () => {
  const dir = await tempDir();
  try {
    await copyWal("basic", dir.path);
    await truncate(join(dir.path, WAL0), 128 * 1024 * 1024); // as the crate left it: zeros after the data
    const err = await MultiRecordLog.open(dir.path, { fileSize: 131072 }).catch((e) => e);
    assert.ok(err instanceof FileSizeMismatchError, String(err));
    assert.equal(err.fileSizeOnDisk, 128 * 1024 * 1024);
    assert.equal(err.inferredFileSize, 128 * 1024 * 1024);
    const log = await MultiRecordLog.open(dir.path);
    assert.equal(log.resourceUsage().diskUsedBytes, 128 * 1024 * 1024);
    await log.close();
    assert.deepEqual(await sizes(dir.path), { [WAL0]: 128 * 1024 * 1024 });
  } finally {
    await dir.cleanup();
  }
});

test("file size: an explicit fileSize smaller than a wal file is refused with FileSizeMismatchError; nothing changes", async () => {
  const dir = await tempDir();
  try {
    await threeFiles(dir.path);
    const before = await readFile(join(dir.path, WAL2));
    const err = await MultiRecordLog.open(dir.path, { fileSize: BLOCK }).catch((e) => e);
    assert.ok(err instanceof FileSizeMismatchError, String(err));
    assert.equal(err.code, "FILE_SIZE_MISMATCH");
    assert.equal(err.dir, dir.path);
    assert.equal(err.fileSize, BLOCK);
    assert.equal(err.fileSizeOnDisk, 2 * BLOCK);
    assert.equal(err.file, WAL0);
    assert.equal(err.inferredFileSize, 2 * BLOCK);
    assert.ok(err.message.includes(JSON.stringify(dir.path)), err.message);
    assert.match(err.message, /fileSize 32768 .* 65536 bytes/);
    assert.match(err.message, /without fileSize/);
    assert.deepEqual(await sizes(dir.path), {
      [WAL0]: 2 * BLOCK,
      [WAL1]: 2 * BLOCK,
      [WAL2]: 2 * BLOCK,
    });
    assert.deepEqual(await readFile(join(dir.path, WAL2)), before);
    // The directory is not left locked.
    await (await MultiRecordLog.open(dir.path)).close();
  } finally {
    await dir.cleanup();
  }
});

test("file size: a read-only open with a contradicting fileSize is refused too", async () => {
  const dir = await tempDir();
  try {
    await threeFiles(dir.path);
    const err = await MultiRecordLog.open(dir.path, { fileSize: BLOCK, readOnly: true }).catch((
      e,
    ) => e);
    assert.ok(err instanceof FileSizeMismatchError, String(err));
    assert.equal(err.fileSizeOnDisk, 2 * BLOCK);
  } finally {
    await dir.cleanup();
  }
});

test("file size: an explicit fileSize at least as large as every file is accepted and applies to the current file", async () => {
  const dir = await tempDir();
  try {
    await threeFiles(dir.path);
    const log = await MultiRecordLog.open(dir.path, { fileSize: 4 * BLOCK });
    assert.equal(log.resourceUsage().diskUsedBytes, 2 * 2 * BLOCK + 4 * BLOCK);
    await log.close();
    assert.deepEqual(await sizes(dir.path), {
      [WAL0]: 2 * BLOCK,
      [WAL1]: 2 * BLOCK,
      [WAL2]: 4 * BLOCK,
    });
    // Reopened without the option, the last file (ending in zeros) shows the new size.
    const again = await MultiRecordLog.open(dir.path);
    assert.equal(again.resourceUsage().diskUsedBytes, 2 * 2 * BLOCK + 4 * BLOCK);
    await again.close();
  } finally {
    await dir.cleanup();
  }
});

test("file size: the rolling-gc fixture (131072-byte files, the last cut short) opens with fileSize 131072", async () => {
  const dir = await tempDir();
  try {
    await copyWal("rolling-gc", dir.path);
    await truncate(join(dir.path, "wal-00000000000000000004"), BLOCK * 3);
    const log = await MultiRecordLog.open(dir.path, { fileSize: 131072 });
    assert.equal(log.resourceUsage().diskUsedBytes, 3 * 131072);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("file size: fileSize above 4 GiB is an InvalidArgumentError, before anything is touched", async () => {
  for (const fileSize of [2 ** 40, 4 * 1024 ** 3 + BLOCK, 2 ** 53]) {
    await assert.rejects(
      MultiRecordLog.open("/nonexistent/never-created", { fileSize }),
      (err: unknown) =>
        err instanceof InvalidArgumentError && err.argument === "fileSize" &&
        err.kind === "range" && /4294967296/.test(err.message),
    );
  }
});
