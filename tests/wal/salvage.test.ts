/**
 * Salvage files: bytes replay does not read, kept byte for byte next to the
 * wal files before a writable open cuts them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IoError } from "../../mod.ts";
import { WalDirectory } from "../../src/wal/directory.ts";
import { parseWalFileName } from "../../src/wal/file_name.ts";
import { salvageFileName, salvageUnreadBytes } from "../../src/wal/salvage.ts";
import type { UnreadBytes } from "../../src/wal/tail_scanner.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { pseudoRandomBytes } from "../helpers/temp.ts";

const DIR = "/wal";
const FILE_SIZE = 4 * 32768;
const WAL0 = `${DIR}/wal-00000000000000000000`;

/** A directory with wal file 0 holding `data` at 0. */
async function setup(data: Uint8Array): Promise<{ fs: MemoryFileSystem; dir: WalDirectory }> {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  const handle = await fs.openFile(WAL0, "create");
  await handle.write(data, 0);
  await handle.truncate(Math.max(FILE_SIZE, data.length));
  await handle.datasync();
  await handle.close();
  await fs.syncDir(DIR);
  return { fs, dir: await WalDirectory.open(fs, DIR, FILE_SIZE) };
}

/** A range of file 0 (frames and partialBlock do not matter to salvage). */
function range(offset: number, length: number): UnreadBytes {
  return { fileNumber: 0, offset, length, frames: 0, partialBlock: false };
}

/** How the Rust crate tells a wal file name (rolling/directory.rs): 24 characters, "wal-", digits. */
function rustTakesForWalFile(name: string): boolean {
  return name.length === 24 && name.startsWith("wal-") && /^[0-9]+$/.test(name.slice(4));
}

test("salvageFileName: names the wal file and the offset; neither this library nor the Rust crate reads it as a wal file", () => {
  const names = [
    salvageFileName(0, 65536),
    salvageFileName(2, 0, 2),
    salvageFileName(Number.MAX_SAFE_INTEGER, 134_217_727),
  ];
  assert.deepEqual(names, [
    "salvage-wal-00000000000000000000-offset-65536",
    "salvage-wal-00000000000000000002-offset-0.2",
    "salvage-wal-00009007199254740991-offset-134217727",
  ]);
  for (const name of names) {
    assert.equal(parseWalFileName(name), undefined);
    assert.equal(rustTakesForWalFile(name), false);
    assert.equal(name.startsWith("wal-"), false);
  }
});

test("salvageUnreadBytes: each range is copied byte for byte into its salvage file", async () => {
  const data = pseudoRandomBytes(100_000, 7);
  const { fs, dir } = await setup(data);
  const names = await salvageUnreadBytes(dir, [range(40_000, 50_000), range(95_000, 5_000)]);
  assert.deepEqual(names, [
    "salvage-wal-00000000000000000000-offset-40000",
    "salvage-wal-00000000000000000000-offset-95000",
  ]);
  assert.deepEqual(fs.bytes(`${DIR}/${names[0]}`), data.subarray(40_000, 90_000));
  assert.deepEqual(fs.bytes(`${DIR}/${names[1]}`), data.subarray(95_000, 100_000));
});

test("salvageUnreadBytes: copies larger than one read call (1 MiB) are whole", async () => {
  const data = pseudoRandomBytes(3 * 1024 * 1024 + 5, 3);
  const { fs, dir } = await setup(data);
  const [name] = await salvageUnreadBytes(dir, [range(1, data.length - 1)]);
  assert.deepEqual(fs.bytes(`${DIR}/${name}`), data.subarray(1));
});

test("salvageUnreadBytes: the copies survive a power loss right after it resolves (file and directory synced)", async () => {
  const data = pseudoRandomBytes(70_000, 11);
  const { fs, dir } = await setup(data);
  const [name] = await salvageUnreadBytes(dir, [range(33_000, 37_000)]);
  const after = fs.powerLoss();
  assert.deepEqual(after.bytes(`${DIR}/${name}`), data.subarray(33_000, 70_000));
});

test("salvageUnreadBytes: the same bytes again reuse their salvage file", async () => {
  const { fs, dir } = await setup(pseudoRandomBytes(50_000, 5));
  const first = await salvageUnreadBytes(dir, [range(40_000, 10_000)]);
  const files = fs.files(DIR);
  assert.deepEqual(await salvageUnreadBytes(dir, [range(40_000, 10_000)]), first);
  assert.deepEqual(fs.files(DIR), files);
});

test("salvageUnreadBytes: other bytes at the same spot get the next free name", async () => {
  const { fs, dir } = await setup(pseudoRandomBytes(50_000, 5));
  await salvageUnreadBytes(dir, [range(40_000, 10_000)]);
  fs.corrupt(WAL0, 45_000, new Uint8Array([1, 2, 3]));
  assert.deepEqual(await salvageUnreadBytes(dir, [range(40_000, 10_000)]), [
    "salvage-wal-00000000000000000000-offset-40000.2",
  ]);
  assert.deepEqual(fs.bytes(`${DIR}/salvage-wal-00000000000000000000-offset-40000.2`)[5000], 1);
});

test("salvageUnreadBytes: a failed write rejects with IoError", async () => {
  const { fs, dir } = await setup(pseudoRandomBytes(50_000, 5));
  fs.inject({ op: "write", nth: 1, code: "EIO" });
  const err = await salvageUnreadBytes(dir, [range(40_000, 10_000)]).catch((e) => e);
  assert.ok(err instanceof IoError, String(err));
  assert.equal(err.osCode, "EIO");
});

test("salvageUnreadBytes: a failed directory sync rejects with IoError", async () => {
  const { fs, dir } = await setup(pseudoRandomBytes(50_000, 5));
  fs.inject({ op: "syncDir", nth: 1, code: "EIO" });
  const err = await salvageUnreadBytes(dir, [range(40_000, 10_000)]).catch((e) => e);
  assert.ok(err instanceof IoError, String(err));
  assert.equal(err.operation, "syncDir");
});
