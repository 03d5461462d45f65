/**
 * RollingWriter on its own, over the in-memory file system: staging and
 * flushing, rolling to the next file (the full file synced before the next
 * one exists), resuming inside an existing file, and ending a file early.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { WalDirectory } from "../../src/wal/directory.ts";
import { RollingWriter } from "../../src/wal/rolling_writer.ts";
import { BLOCK_SIZE } from "../../src/format/constants.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { countingFileSystem } from "../helpers/counting_fs.ts";

const DIR = "/wal";
const FILE_0 = `${DIR}/wal-00000000000000000000`;
const FILE_1 = `${DIR}/wal-00000000000000000001`;

/** A directory of files of `blocks` blocks on a fresh in-memory file system. */
async function setup(blocks = 2): Promise<{ fs: MemoryFileSystem; dir: WalDirectory }> {
  const fs = new MemoryFileSystem();
  const dir = await WalDirectory.open(fs, DIR, blocks * BLOCK_SIZE);
  return { fs, dir };
}

/** Stages `n` bytes of `value` (n at most the room left in the block). */
function put(writer: RollingWriter, n: number, value: number): void {
  const at = writer.reserve(n);
  writer.buffer.fill(value, at, at + n);
}

test("rolling writer: a new directory gets file 0, preallocated; bytes reach it on flush, at their offsets", async () => {
  const { fs, dir } = await setup();
  const writer = await RollingWriter.open(dir, { fileNumber: 0, offset: 0 });
  assert.deepEqual(fs.files(DIR), ["wal-00000000000000000000"]);
  assert.equal(fs.bytes(FILE_0).length, 2 * BLOCK_SIZE);
  put(writer, 5, 0xaa);
  put(writer, 3, 0xbb);
  assert.equal(writer.stagedBytes, 8);
  assert.equal(writer.offset, 8);
  assert.equal(writer.spaceInBlock(), BLOCK_SIZE - 8);
  assert.deepEqual([...fs.bytes(FILE_0).subarray(0, 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
  await writer.flush();
  assert.equal(writer.stagedBytes, 0);
  assert.deepEqual([...fs.bytes(FILE_0).subarray(0, 9)], [
    170,
    170,
    170,
    170,
    170,
    187,
    187,
    187,
    0,
  ]);
  await writer.close();
});

test("rolling writer: a full file stays current until the next byte; that byte goes to the next file, created on flush after the full one is synced", async () => {
  const { fs, dir } = await setup(1);
  const writer = await RollingWriter.open(dir, { fileNumber: 0, offset: 0 });
  put(writer, BLOCK_SIZE, 1);
  assert.deepEqual([writer.fileNumber, writer.spaceInFile], [0, 0]);
  put(writer, 10, 2);
  assert.deepEqual([writer.fileNumber, writer.offset], [1, 10]);
  assert.deepEqual(fs.files(DIR), ["wal-00000000000000000000"]);
  const ops: string[] = [];
  fs.onCall = (op) => ops.push(op);
  await writer.flush();
  // Write the end of file 0, make it durable, then create file 1 (entry synced), close file 0
  // (only once file 1 is in its place) and write to file 1.
  assert.deepEqual(ops, ["write", "datasync", "open", "truncate", "syncDir", "close", "write"]);
  assert.deepEqual(fs.ops.slice(-7), [
    "write wal-00000000000000000000",
    "datasync wal-00000000000000000000",
    "create wal-00000000000000000001",
    "truncate wal-00000000000000000001",
    "syncDir /wal",
    "close wal-00000000000000000000",
    "write wal-00000000000000000001",
  ]);
  assert.deepEqual(fs.files(DIR), ["wal-00000000000000000000", "wal-00000000000000000001"]);
  assert.equal(fs.bytes(FILE_0)[BLOCK_SIZE - 1], 1);
  assert.deepEqual([...fs.bytes(FILE_1).subarray(0, 11)], [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0]);
  await writer.close();
});

test("rolling writer: resuming where the rest of a full-size file is known to be zeros writes, cuts and syncs nothing", async () => {
  const { fs, dir } = await setup();
  const first = await RollingWriter.open(dir, { fileNumber: 0, offset: 0 });
  put(first, 100, 7);
  await first.close();
  const counted = countingFileSystem(fs);
  const again = await WalDirectory.open(counted.fs, DIR, 2 * BLOCK_SIZE);
  const writer = await RollingWriter.open(again, { fileNumber: 0, offset: 100 }, true);
  assert.deepEqual(
    [counted.counts.write, counted.counts.truncate, counted.counts.datasync],
    [0, 0, 0],
  );
  assert.equal(writer.offset, 100);
  await writer.abandon();
});

test("rolling writer: resuming in a file not of its full size still cuts and extends it, whatever the caller knows", async () => {
  const { fs, dir } = await setup();
  const first = await RollingWriter.open(dir, { fileNumber: 0, offset: 0 });
  put(first, 100, 7);
  await first.close();
  const handle = await fs.openFile(FILE_0, "readwrite");
  await handle.truncate(BLOCK_SIZE + 10); // cut inside the second block
  await handle.close();
  const again = await WalDirectory.open(fs, DIR, 2 * BLOCK_SIZE);
  const writer = await RollingWriter.open(again, { fileNumber: 0, offset: 100 }, true);
  assert.equal(fs.bytes(FILE_0).length, 2 * BLOCK_SIZE);
  assert.ok(fs.bytes(FILE_0).subarray(BLOCK_SIZE).every((b) => b === 0));
  await writer.close();
});

test("rolling writer: resuming inside a file cuts the stale bytes after the resume offset", async () => {
  const { fs, dir } = await setup();
  const first = await RollingWriter.open(dir, { fileNumber: 0, offset: 0 });
  put(first, 100, 7);
  await first.close();
  const again = await WalDirectory.open(fs, DIR, 2 * BLOCK_SIZE);
  const writer = await RollingWriter.open(again, { fileNumber: 0, offset: 40 });
  const bytes = fs.bytes(FILE_0);
  assert.equal(bytes.length, 2 * BLOCK_SIZE);
  assert.equal(bytes[39], 7);
  assert.ok(bytes.subarray(40).every((b) => b === 0), "nothing after the resume offset");
  assert.equal(writer.offset, 40);
  await writer.close();
});

test("rolling writer: endFile cuts the file where writing stands; adopt continues in another file", async () => {
  const { fs, dir } = await setup(4);
  const writer = await RollingWriter.open(dir, { fileNumber: 0, offset: 0 });
  put(writer, BLOCK_SIZE, 3);
  await writer.endFile();
  assert.equal(fs.bytes(FILE_0).length, BLOCK_SIZE);
  assert.equal(dir.sizeOf(0), BLOCK_SIZE);
  await dir.createFile(1);
  await writer.adopt(1, 64);
  assert.deepEqual([writer.fileNumber, writer.offset, writer.spaceInFile], [
    1,
    64,
    4 * BLOCK_SIZE - 64,
  ]);
  put(writer, 4, 9);
  await writer.sync();
  assert.deepEqual([...fs.bytes(FILE_1).subarray(63, 69)], [0, 9, 9, 9, 9, 0]);
  await writer.close();
});

test("rolling writer: abandon drops what is staged", async () => {
  const { fs, dir } = await setup();
  const writer = await RollingWriter.open(dir, { fileNumber: 0, offset: 0 });
  put(writer, 16, 5);
  await writer.abandon();
  assert.ok(fs.bytes(FILE_0).every((b) => b === 0));
});

test("rolling writer: a new directory's first file gets its entry synced with the first sync of its data, not at creation", async () => {
  const { fs, dir } = await setup();
  const ops: string[] = [];
  fs.onCall = (op) => ops.push(op);
  const writer = await RollingWriter.open(dir, { fileNumber: 0, offset: 0 });
  assert.deepEqual(ops, ["open", "truncate"]);
  assert.deepEqual(fs.powerLoss().files(DIR), []); // not durable yet: nothing was acknowledged
  put(writer, 5, 0xaa);
  await writer.sync();
  assert.deepEqual(ops.slice(2).sort(), ["datasync", "syncDir", "write"]);
  const after = fs.powerLoss();
  assert.deepEqual(after.files(DIR), ["wal-00000000000000000000"]);
  assert.deepEqual([...after.bytes(FILE_0).subarray(0, 6)], [0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0]);
  ops.length = 0;
  await writer.sync(); // nothing new: no call
  put(writer, 1, 1);
  await writer.sync();
  assert.deepEqual(ops, ["write", "datasync"]);
  await writer.close();
});

test("rolling writer: ensureRoom grows the staging buffer once, so the reserves it covers never grow it", async () => {
  const { dir } = await setup(64);
  const writer = await RollingWriter.open(dir, { fileNumber: 0, offset: 0 });
  put(writer, 10, 1);
  writer.ensureRoom(300_000);
  const buffer = writer.buffer;
  assert.ok(buffer.length >= 10 + 300_000);
  for (let left = 300_000; left > 0;) {
    const n = Math.min(left, writer.spaceInBlock());
    put(writer, n, 2);
    left -= n;
  }
  assert.equal(writer.buffer, buffer, "the same buffer: no growth while reserving");
  assert.equal(writer.stagedBytes, 300_010);
  await writer.close();
});
