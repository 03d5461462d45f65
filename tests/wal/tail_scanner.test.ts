/**
 * The tail scanner: non-zero bytes replay does not read (after the end of the
 * log, in a trailing partial block), with the frames in them that check out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { WalDirectory } from "../../src/wal/directory.ts";
import { scanUnreadBytes } from "../../src/wal/tail_scanner.ts";
import { FrameBuffer } from "../../src/format/frame_buffer.ts";
import { RECORD_POSITION } from "../../src/format/constants.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import { FrameWriter } from "../../src/format/frame_writer.ts";
import { writeControlRecord } from "../../src/format/record.ts";
import type { FileSystem } from "../../src/ports/file_system.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";

const DIR = "/wal";
const BLOCK = 32768;
const FILE_SIZE = 2 * BLOCK;
/** A RecordPosition record of queue "q" in one frame: 7 + 11 + 1 bytes. */
const RECORD = 19;
const crc = await loadCrc32();

/** Creates wal file `n` of `size` bytes (zeros) with `parts` written at their offsets (cut at `size`). */
async function walFile(
  fs: MemoryFileSystem,
  n: number,
  size: number,
  parts: [number, Uint8Array][] = [],
): Promise<void> {
  const handle = await fs.openFile(`${DIR}/wal-${String(n).padStart(20, "0")}`, "create");
  for (const [offset, bytes] of parts) await handle.write(bytes, offset);
  await handle.truncate(size);
  await handle.close();
}

/** `count` RecordPosition records, one frame each. */
function records(count: number): Uint8Array {
  const sink = new FrameBuffer();
  const writer = new FrameWriter(sink, crc);
  const q = new Uint8Array([113]);
  for (let i = 0; i < count; i++) writeControlRecord(writer, RECORD_POSITION, q, i + 1);
  return sink.bytes().slice();
}

async function open(fs: MemoryFileSystem): Promise<WalDirectory> {
  return await WalDirectory.open(fs, DIR, FILE_SIZE);
}

test("scanUnreadBytes: zeros after the end of the log are no damage", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  await walFile(fs, 0, FILE_SIZE, [[0, records(3)]]);
  const dir = await open(fs);
  assert.deepEqual(await scanUnreadBytes(dir, { fileNumber: 0, offset: 3 * RECORD }, crc), []);
});

test("scanUnreadBytes: non-zero bytes after the end span the first to the last non-zero byte", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  const junk = new Uint8Array([9, 0, 0, 7]);
  await walFile(fs, 0, FILE_SIZE, [[0, records(3)], [40_001, junk], [50_000, junk]]);
  const dir = await open(fs);
  assert.deepEqual(await scanUnreadBytes(dir, { fileNumber: 0, offset: 3 * RECORD }, crc), [
    { fileNumber: 0, offset: 40_001, length: 50_004 - 40_001, frames: 0, partialBlock: false },
  ]);
});

test("scanUnreadBytes: frames are searched for in the block where the log ended, walked in later blocks", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  const first = records(3);
  first.fill(0, 0, 7); // the first record's header is zeroed: the log ends there
  await walFile(fs, 0, FILE_SIZE, [[0, first], [BLOCK, records(2)]]);
  const dir = await open(fs);
  assert.deepEqual(await scanUnreadBytes(dir, { fileNumber: 0, offset: 0 }, crc), [
    // From the zeroed record's body to the end of the block-1 records: 2 + 2 frames check out.
    { fileNumber: 0, offset: 7, length: BLOCK + 2 * RECORD - 7, frames: 4, partialBlock: false },
  ]);
});

test("scanUnreadBytes: files after the one the log ends in are scanned from their start", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  await walFile(fs, 0, FILE_SIZE, [[0, records(1)]]);
  await walFile(fs, 1, FILE_SIZE);
  await walFile(fs, 2, FILE_SIZE, [[0, records(5)]]);
  const dir = await open(fs);
  assert.deepEqual(await scanUnreadBytes(dir, { fileNumber: 0, offset: RECORD }, crc), [
    { fileNumber: 2, offset: 0, length: 5 * RECORD, frames: 5, partialBlock: false },
  ]);
});

test("scanUnreadBytes: the partial block of a file the log went past is reported as such", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  await walFile(fs, 0, BLOCK + 3 * RECORD, [[0, records(1)], [BLOCK, records(3)]]);
  await walFile(fs, 1, FILE_SIZE, [[0, records(1)]]);
  const dir = await open(fs);
  dir.setSize(0, BLOCK + 3 * RECORD); // as replay's reader records it
  assert.deepEqual(await scanUnreadBytes(dir, { fileNumber: 1, offset: RECORD }, crc), [
    { fileNumber: 0, offset: BLOCK, length: 3 * RECORD, frames: 3, partialBlock: true },
  ]);
});

test("scanUnreadBytes: a frame crossing the end of a partial block does not check out", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  // Cut 9 bytes into the third record: its last kept byte is the low byte of its position (3).
  await walFile(fs, 0, BLOCK + 2 * RECORD + 9, [[0, records(1)], [BLOCK, records(3)]]);
  const dir = await open(fs);
  assert.deepEqual(await scanUnreadBytes(dir, { fileNumber: 0, offset: BLOCK }, crc), [
    { fileNumber: 0, offset: BLOCK, length: 2 * RECORD + 9, frames: 2, partialBlock: true },
  ]);
});

test("scanUnreadBytes: a frame header written where the log ended (a writer appending meanwhile) is not damage", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  // Replay saw the end at 19; the writer has appended two records there since.
  await walFile(fs, 0, FILE_SIZE, [[0, records(3)]]);
  const dir = await open(fs);
  assert.deepEqual(await scanUnreadBytes(dir, { fileNumber: 0, offset: RECORD }, crc), []);
});

test("scanUnreadBytes: records a writer appends where the log ended between the look at the end and the scan are not damage", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  await walFile(fs, 0, FILE_SIZE, [[0, records(1)]]);
  const path = `${DIR}/wal-${"0".repeat(20)}`;
  let appended = false;
  const appending: FileSystem = {
    readDir: (p) => fs.readDir(p),
    stat: (p) => fs.stat(p),
    mkdir: (p) => fs.mkdir(p),
    remove: (p) => fs.remove(p),
    syncDir: (p) => fs.syncDir(p),
    openFile: async (p, mode) => {
      const handle = await fs.openFile(p, mode);
      return {
        ...handle,
        read: async (buffer, offset) => {
          const n = await handle.read(buffer, offset);
          if (p === path && offset === RECORD && !appended) {
            // The look at the end saw zeros; the writer appends two records there just now.
            appended = true;
            const writer = await fs.openFile(path, "readwrite");
            await writer.write(records(3).subarray(RECORD), RECORD);
            await writer.close();
          }
          return n;
        },
        size: () => handle.size(),
        close: () => handle.close(),
      };
    },
  };
  const dir = await WalDirectory.open(appending, DIR, FILE_SIZE);
  assert.deepEqual(await scanUnreadBytes(dir, { fileNumber: 0, offset: RECORD }, crc), []);
  assert.equal(appended, true);
});

/** The last file of 4 blocks: three records, then junk at 100_000 that replay would not read. */
async function junkAfterEnd(): Promise<
  { fs: MemoryFileSystem; end: { fileNumber: number; offset: number } }
> {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  await walFile(fs, 0, 4 * BLOCK, [[0, records(3)], [100_000, new Uint8Array([5])]]);
  return { fs, end: { fileNumber: 0, offset: 3 * RECORD } };
}

test("scanUnreadBytes: past the storage block where the log ends, a file whose allocation ends there is not read", async () => {
  const { fs, end } = await junkAfterEnd();
  fs.allocationOf = () => ({ bytes: 4096, blockSize: 4096 }); // one block: the records' (the junk was never counted)
  assert.deepEqual(await scanUnreadBytes(await open(fs), end, crc), []);
});

test("scanUnreadBytes: the rest of the storage block where the log ends is read, whatever the allocation", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  await walFile(fs, 0, 4 * BLOCK, [[0, records(3)], [4095, new Uint8Array([5])]]);
  fs.allocationOf = () => ({ bytes: 4096, blockSize: 4096 });
  const found = await scanUnreadBytes(await open(fs), { fileNumber: 0, offset: 3 * RECORD }, crc);
  assert.deepEqual(found, [
    { fileNumber: 0, offset: 4095, length: 1, frames: 0, partialBlock: false },
  ]);
});

test("scanUnreadBytes: the rest of a file is read when more storage is allocated than the bytes before the end", async () => {
  const { fs, end } = await junkAfterEnd();
  fs.allocationOf = () => ({ bytes: 8192, blockSize: 4096 });
  assert.deepEqual(await scanUnreadBytes(await open(fs), end, crc), [
    { fileNumber: 0, offset: 100_000, length: 1, frames: 0, partialBlock: false },
  ]);
});

test("scanUnreadBytes: the rest of a file is read when the port cannot tell its allocation", async () => {
  const { fs, end } = await junkAfterEnd();
  fs.allocationOf = () => undefined;
  assert.deepEqual((await scanUnreadBytes(await open(fs), end, crc)).map((u) => u.offset), [
    100_000,
  ]);
});

test("scanUnreadBytes: a file under 64 KiB is read whatever its allocation (its bytes may live in the inode)", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  await walFile(fs, 0, BLOCK, [[0, records(3)], [20_000, new Uint8Array([5])]]);
  fs.allocationOf = () => ({ bytes: 0, blockSize: 4096 });
  const found = await scanUnreadBytes(await open(fs), { fileNumber: 0, offset: 3 * RECORD }, crc);
  assert.deepEqual(found.map((u) => u.offset), [20_000]);
});

test("scanUnreadBytes: a later file with no storage allocated is not read", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  await walFile(fs, 0, 4 * BLOCK, [[0, records(3)]]);
  await walFile(fs, 1, 4 * BLOCK, [[10, new Uint8Array([5])]]);
  fs.allocationOf = (path) => ({ bytes: path.endsWith("1") ? 0 : 4096, blockSize: 4096 });
  const dir = await open(fs);
  assert.deepEqual(await scanUnreadBytes(dir, { fileNumber: 0, offset: 3 * RECORD }, crc), []);
  fs.allocationOf = () => ({ bytes: 4096, blockSize: 4096 }); // file 1 holds a block now
  assert.deepEqual(
    (await scanUnreadBytes(dir, { fileNumber: 0, offset: 3 * RECORD }, crc)).map((u) =>
      u.fileNumber
    ),
    [1],
  );
});
