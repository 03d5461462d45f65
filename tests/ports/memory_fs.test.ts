/**
 * The in-memory file system the reliability tests use (tests/helpers/memory_fs.ts):
 * its power-loss model, which they rely on to find ordering bugs, and its
 * port contract (exclusive creation, handles closed once).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";

const DIR = "/d";

async function fresh(): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  return fs;
}

/** The bytes of `path` after `fs.powerLoss(keep, keepEntries)`, or undefined when it is gone. */
function afterPowerLoss(
  fs: MemoryFileSystem,
  path: string,
  keep?: (n: number) => number,
  keepEntries?: (n: number) => number,
): number[] | undefined {
  const after = fs.powerLoss(keep, keepEntries);
  const name = path.slice(DIR.length + 1);
  return after.files(DIR).includes(name) ? [...after.bytes(path)] : undefined;
}

test("memory fs: a created file whose directory was not synced is gone after a power loss, synced data or not", async () => {
  const fs = await fresh();
  const file = await fs.openFile(`${DIR}/f`, "create");
  await file.write(new Uint8Array([1, 2, 3]), 0);
  await file.datasync();
  assert.equal(afterPowerLoss(fs, `${DIR}/f`), undefined);
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/f`, undefined, () => 1), [1, 2, 3], "unless kept");
  await fs.syncDir(DIR);
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/f`), [1, 2, 3]);
  await file.close();
});

test("memory fs: unsynced writes survive as a prefix torn at any byte, in the order they were made", async () => {
  const fs = await fresh();
  const file = await fs.openFile(`${DIR}/f`, "create");
  await file.write(new Uint8Array([1, 1]), 0);
  await file.datasync();
  await fs.syncDir(DIR);
  await file.write(new Uint8Array([2, 2, 2]), 2);
  await file.write(new Uint8Array([3, 3]), 5);
  const seen: number[] = [];
  const keepFirst = (k: number) => (n: number) => {
    seen.push(n);
    return k;
  };
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/f`, keepFirst(0)), [1, 1]);
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/f`, keepFirst(1)), [1, 1, 2]);
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/f`, keepFirst(4)), [1, 1, 2, 2, 2, 3]);
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/f`, keepFirst(5)), [1, 1, 2, 2, 2, 3, 3]);
  assert.deepEqual(seen, [5, 5, 5, 5], "the unsynced bytes, one unit each");
  await file.close();
});

test("memory fs: a length change counts one unit, and a torn write of no bytes changes nothing", async () => {
  const fs = await fresh();
  fs.inject({ op: "write", nth: 2, code: "EIO", tornBytes: 0 });
  const file = await fs.openFile(`${DIR}/f`, "create");
  await file.write(new Uint8Array([7, 7, 7, 7]), 0);
  await file.datasync();
  await fs.syncDir(DIR);
  await file.truncate(8);
  await assert.rejects(file.write(new Uint8Array([9, 9]), 2));
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/f`, (n) => n), [7, 7, 7, 7, 0, 0, 0, 0]);
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/f`, () => 0), [7, 7, 7, 7]);
  await file.close();
});

test("memory fs: a rename whose directory was not synced is undone; a file renamed before its data was synced can appear under the new name with part of its data", async () => {
  const fs = await fresh();
  const old = await fs.openFile(`${DIR}/target`, "create");
  await old.write(new Uint8Array([5]), 0);
  await old.datasync();
  await old.close();
  const temp = await fs.openFile(`${DIR}/temp`, "create");
  await temp.write(new Uint8Array([1, 2, 3, 4]), 0);
  await temp.close();
  await fs.syncDir(DIR);
  await fs.rename(`${DIR}/temp`, `${DIR}/target`);
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/target`), [5], "undone");
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/target`, () => 2, () => 1), [1, 2], "kept, torn");
  await fs.syncDir(DIR);
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/target`), [], "synced rename, unsynced data");
  assert.deepEqual(afterPowerLoss(fs, `${DIR}/temp`, () => 4), undefined);
});

test('memory fs: "create" is exclusive, and a handle closes once (a second close is counted, other calls fail with EBADF)', async () => {
  const fs = await fresh();
  const file = await fs.openFile(`${DIR}/f`, "create");
  await file.write(new Uint8Array([1]), 0);
  await assert.rejects(fs.openFile(`${DIR}/f`, "create"), { code: "EEXIST" });
  await fs.mkdir(`${DIR}/sub`);
  await assert.rejects(fs.openFile(`${DIR}/sub`, "create"), { code: "EEXIST" });
  assert.equal(fs.openHandles, 1);
  await file.close();
  await file.close();
  assert.deepEqual([fs.openHandles, fs.doubleCloses], [0, 1]);
  await assert.rejects(file.write(new Uint8Array([2]), 0), { code: "EBADF" });
  assert.deepEqual([...fs.bytes(`${DIR}/f`)], [1]);
});
