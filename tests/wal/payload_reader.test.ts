/**
 * Reading payloads back from the wal files (disk mode's reads): the record
 * writer notes where each payload's first byte went, and the payload reader
 * returns the bytes from there, across frames, blocks and files, checking
 * CRCs, through a bounded block cache; failures name the file and offset.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { WalDirectory, WalFile } from "../../src/wal/directory.ts";
import { PayloadReader } from "../../src/wal/payload_reader.ts";
import { WALK_DONE, WALK_RECORD, WalWalker } from "../../src/wal/walker.ts";
import { ITEM_HEADER_SIZE } from "../../src/format/constants.ts";
import { BLOCK_SIZE } from "../../src/format/constants.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import { RecordWriter } from "../../src/engine/record_writer.ts";
import { defaultFileSystem } from "../../src/ports/default_fs.ts";
import type { FileSystem } from "../../src/ports/file_system.ts";
import { CorruptLogError, IoError } from "../../mod.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { inTempDir, pseudoRandomBytes } from "../helpers/temp.ts";

const FILE_SIZE = 4 * BLOCK_SIZE;
const QUEUE = new TextEncoder().encode("q");
const CACHE = 8 * 1024 * 1024;

/** Where a payload was written, and its bytes. */
interface Written {
  file: number;
  offset: number;
  bytes: Uint8Array;
}

/** A directory of files of four blocks, written with `appends`; each payload's location noted. */
async function writeLog(
  fs: FileSystem,
  dirPath: string,
  appends: Uint8Array[][],
): Promise<{ dir: WalDirectory; writer: RecordWriter; written: Written[] }> {
  const dir = await WalDirectory.open(fs, dirPath, FILE_SIZE);
  const writer = await RecordWriter.open(dir, { fileNumber: 0, offset: 0 }, await loadCrc32());
  const written: Written[] = [];
  let position = 0;
  for (const payloads of appends) {
    written.push(...await append(writer, position, payloads));
    position += payloads.length;
  }
  return { dir, writer, written };
}

/** Appends `payloads` at `position` and flushes; returns where each went. */
async function append(
  writer: RecordWriter,
  position: number,
  payloads: Uint8Array[],
): Promise<Written[]> {
  const files = new Float64Array(payloads.length);
  const offsets = new Float64Array(payloads.length);
  const size = payloads.reduce((sum, p) => sum + p.length, 0);
  writer.writeAppend(QUEUE, position, payloads, size, { files, offsets });
  await writer.flush();
  return payloads.map((bytes, i) => ({ file: files[i], offset: offsets[i], bytes }));
}

/** Read handles on every file of `dir`. */
async function openAll(dir: WalDirectory): Promise<Map<number, WalFile>> {
  const handles = new Map<number, WalFile>();
  for (const n of dir.fileNumbers()) handles.set(n, await dir.openFile(n, "read"));
  return handles;
}

async function closeAll(handles: Map<number, WalFile>): Promise<void> {
  for (const handle of handles.values()) await handle.close();
}

/** What `call` throws (fails the test when it returns). */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (err) {
    return err;
  }
  return assert.fail("expected an error");
}

/** Payloads of the sizes given, each of its own pseudo-random bytes. */
function payloads(...sizes: number[]): Uint8Array[] {
  return sizes.map((size, i) => pseudoRandomBytes(size, size * 31 + i + 1));
}

test("payload reader: every payload reads back as written, within a frame, across blocks and into the next file", async () => {
  const fs = new MemoryFileSystem();
  const { dir, writer, written } = await writeLog(fs, "/wal", [
    payloads(1, 100, 5000),
    payloads(40_000),
    payloads(70_000, 3),
    payloads(200_000),
    payloads(0, 7, 32_761),
  ]);
  const reader = new PayloadReader(dir, await loadCrc32(), CACHE);
  // The 200,000-byte payload starts in file 0 and ends in file 2; the empty one lies nowhere.
  assert.deepEqual(written.map((w) => w.file), [0, 0, 0, 0, 0, 0, 0, -1, 2, 2]);
  for (const w of written) {
    assert.deepEqual(reader.read(w.file, w.offset, w.bytes.length), w.bytes);
  }
  await reader.close();
  await writer.close();
});

test("payload reader: reads through each runtime's own file system adapter", async () => {
  await inTempDir(async (path) => {
    const fs = await defaultFileSystem();
    const { dir, writer, written } = await writeLog(fs, path, [payloads(300, 150_000, 20)]);
    const reader = new PayloadReader(dir, await loadCrc32(), CACHE);
    assert.equal(written[1].file, 0);
    assert.equal(written[2].file, 1);
    for (const w of written) {
      assert.deepEqual(reader.read(w.file, w.offset, w.bytes.length), w.bytes);
    }
    await reader.close();
    await writer.close();
  });
});

test("payload reader: a payload whose frame fails its checksum is a CorruptLogError naming the file and offset; other payloads still read", async () => {
  const fs = new MemoryFileSystem();
  const { dir, writer, written } = await writeLog(fs, "/wal", [payloads(100), payloads(50_000)]);
  const [small, large] = written;
  const damage = await fs.openFile(dir.filePath(small.file), "readwrite");
  await damage.write(new Uint8Array([small.bytes[10] ^ 0xff]), small.offset + 10);
  await damage.close();
  const reader = new PayloadReader(dir, await loadCrc32(), CACHE);
  const err = thrown(() => reader.read(small.file, small.offset, small.bytes.length));
  assert.ok(err instanceof CorruptLogError);
  assert.equal(err.file, "wal-00000000000000000000");
  assert.match(err.message, new RegExp(`payload of 100 bytes at offset ${small.offset} `));
  assert.match(err.message, /fails its checksum/);
  assert.deepEqual(reader.read(large.file, large.offset, large.bytes.length), large.bytes);
  await reader.close();
  await writer.close();
});

test("payload reader: a file that is not open is an IoError naming it; the reader stays usable", async () => {
  const fs = new MemoryFileSystem();
  const { dir, writer, written } = await writeLog(fs, "/wal", [payloads(200_000, 10)]);
  const handles = await openAll(dir);
  const reader = new PayloadReader(
    dir,
    await loadCrc32(),
    CACHE,
    (n) => (n === 1 ? undefined : handles.get(n)),
  );
  const [large, small] = written;
  assert.equal(small.file, 1);
  const err = thrown(() => reader.read(small.file, small.offset, 10));
  assert.ok(err instanceof IoError);
  assert.equal(err.path, "/wal/wal-00000000000000000001");
  assert.match(err.message, new RegExp(`payload at offset ${small.offset} needs it`));
  const tail = thrown(() => reader.read(large.file, large.offset, large.bytes.length));
  assert.ok(tail instanceof IoError, "the large payload goes on into file 1");
  await closeAll(handles);
  const again = await openAll(dir);
  const reopened = new PayloadReader(dir, await loadCrc32(), CACHE, (n) => again.get(n));
  assert.deepEqual(reopened.read(small.file, small.offset, 10), small.bytes);
  await closeAll(again);
  await writer.close();
});

test("payload reader: a read the file system fails is an IoError naming the file, the offset and the OS code", async () => {
  const fs = new MemoryFileSystem();
  const { dir, writer, written } = await writeLog(fs, "/wal", [payloads(100)]);
  const handles = await openAll(dir);
  const failing = await fs.openFile(dir.filePath(0), "read");
  failing.readSync = () => {
    throw Object.assign(new Error("input/output error"), { code: "EIO" });
  };
  const broken = new WalFile(failing, dir.filePath(0), 0);
  let fail = true;
  const reader = new PayloadReader(
    dir,
    await loadCrc32(),
    CACHE,
    (n) => (fail ? broken : handles.get(n)),
  );
  const [w] = written;
  const err = thrown(() => reader.read(w.file, w.offset, 100));
  assert.ok(err instanceof IoError);
  assert.equal(err.osCode, "EIO");
  assert.equal(err.operation, "read at offset 0");
  assert.equal(err.path, "/wal/wal-00000000000000000000");
  fail = false;
  assert.deepEqual(reader.read(w.file, w.offset, 100), w.bytes);
  await failing.close();
  await closeAll(handles);
  await writer.close();
});

test("payload reader: a block cached before more frames were written into it is read again", async () => {
  const fs = new MemoryFileSystem();
  const { dir, writer, written } = await writeLog(fs, "/wal", [payloads(100)]);
  const reader = new PayloadReader(dir, await loadCrc32(), CACHE);
  assert.deepEqual(reader.read(written[0].file, written[0].offset, 100), written[0].bytes);
  const [later] = await append(writer, 1, payloads(200));
  assert.equal(later.file, 0);
  assert.ok(later.offset < BLOCK_SIZE, "in the block read before");
  assert.deepEqual(reader.read(later.file, later.offset, 200), later.bytes);
  assert.equal(reader.blockReads, 2);
  await reader.close();
  await writer.close();
});

test("payload reader: the cache keeps at most its size in blocks", async () => {
  const fs = new MemoryFileSystem();
  const { dir, writer, written } = await writeLog(fs, "/wal", [payloads(20_000, 20_000, 20_000)]);
  const [a, , c] = written; // a in block 0, c in block 1
  assert.equal(Math.floor(a.offset / BLOCK_SIZE), 0);
  assert.equal(Math.floor(c.offset / BLOCK_SIZE), 1);
  const crc = await loadCrc32();
  const oneBlock = new PayloadReader(dir, crc, BLOCK_SIZE);
  for (let i = 0; i < 3; i++) {
    oneBlock.read(a.file, a.offset, a.bytes.length);
    oneBlock.read(c.file, c.offset, c.bytes.length);
  }
  assert.equal(oneBlock.blockReads, 6);
  const twoBlocks = new PayloadReader(dir, crc, 2 * BLOCK_SIZE);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(twoBlocks.read(a.file, a.offset, a.bytes.length), a.bytes);
    assert.deepEqual(twoBlocks.read(c.file, c.offset, c.bytes.length), c.bytes);
  }
  assert.equal(twoBlocks.blockReads, 2);
  await oneBlock.close();
  await twoBlocks.close();
  await writer.close();
});

test("payload reader: a file the directory removes is forgotten, its blocks dropped and its handle closed", async () => {
  const fs = new MemoryFileSystem();
  const { dir, writer, written } = await writeLog(fs, "/wal", [payloads(100), payloads(200_000)]);
  const reader = new PayloadReader(dir, await loadCrc32(), CACHE);
  const [w] = written;
  const before = fs.openHandles;
  assert.deepEqual(reader.read(w.file, w.offset, 100), w.bytes);
  assert.equal(fs.openHandles, before + 1);
  await dir.removeBefore(1);
  assert.equal(fs.openHandles, before);
  const err = thrown(() => reader.read(w.file, w.offset, 100));
  assert.ok(err instanceof IoError);
  assert.equal(err.path, "/wal/wal-00000000000000000000");
  await reader.close();
  await writer.close();
});

test("payload reader: forgetting a file drops its cached blocks", async () => {
  const fs = new MemoryFileSystem();
  const { dir, writer, written } = await writeLog(fs, "/wal", [payloads(100)]);
  const reader = new PayloadReader(dir, await loadCrc32(), CACHE);
  const [w] = written;
  reader.read(w.file, w.offset, 100);
  reader.read(w.file, w.offset, 100);
  assert.equal(reader.blockReads, 1);
  reader.forget(0);
  assert.deepEqual(reader.read(w.file, w.offset, 100), w.bytes);
  assert.equal(reader.blockReads, 2);
  await reader.close();
  await writer.close();
});

test("walker: each payload of a record it reads lies where the writer noted it, in whatever file", async () => {
  const fs = new MemoryFileSystem();
  const { dir, writer, written } = await writeLog(fs, "/wal", [
    payloads(1, 100, 5000),
    payloads(70_000, 3),
    payloads(200_000),
    payloads(7, 0, 32_761),
  ]);
  await writer.close();
  const walker = new WalWalker(dir, await loadCrc32());
  const files = new Float64Array(1);
  const offsets = new Float64Array(1);
  const located: [number, number][] = [];
  for (;;) {
    const step = walker.next();
    if (step === WALK_DONE) break;
    if (step !== WALK_RECORD) {
      await walker.fill();
      continue;
    }
    const { bodyStart, itemCount } = walker.decoded;
    let at = bodyStart;
    for (let i = 0; i < itemCount; i++) {
      const view = new DataView(walker.record.buffer, walker.record.byteOffset);
      const length = view.getUint32(at + 8, true);
      at += ITEM_HEADER_SIZE;
      if (length === 0) {
        located.push([-1, -1]);
      } else {
        walker.locate(at, files, offsets, 0);
        located.push([files[0], offsets[0]]);
      }
      at += length;
    }
  }
  await walker.close();
  assert.deepEqual(located, written.map((w) => [w.file, w.offset]));
});

test("payload reader: reading a file in order reads blocks ahead, up to 8 in one call", async () => {
  const fs = new MemoryFileSystem();
  const dir = await WalDirectory.open(fs, "/wal", 32 * BLOCK_SIZE);
  const writer = await RecordWriter.open(dir, { fileNumber: 0, offset: 0 }, await loadCrc32());
  const written: Written[] = [];
  for (let i = 0; i < 20; i++) written.push(...await append(writer, i, payloads(30_000)));
  assert.equal(written.at(-1)!.file, 0);
  assert.equal(Math.floor(written.at(-1)!.offset / BLOCK_SIZE), 17); // and it ends in block 18
  const inOrder = new PayloadReader(dir, await loadCrc32(), CACHE);
  for (const w of written) assert.deepEqual(inOrder.read(w.file, w.offset, 30_000), w.bytes);
  // Block 0 alone (nothing read before it), then 1-8, 9-16 and 17-24, each following the last.
  assert.equal(inOrder.blockReads, 4);
  const backwards = new PayloadReader(dir, await loadCrc32(), CACHE);
  for (const w of [...written].reverse()) {
    assert.deepEqual(backwards.read(w.file, w.offset, 30_000), w.bytes);
  }
  // Block 17, then 18 (which follows it: 18-25 at once), then 16, 15, ... 0 one by one.
  assert.equal(backwards.blockReads, 19, "no read ahead when the blocks are not read in order");
  await inOrder.close();
  await backwards.close();
  await writer.close();
});

test("payload reader: reading one of several interleaved queues reads fewer blocks ahead once they go unused", async () => {
  const fs = new MemoryFileSystem();
  const dir = await WalDirectory.open(fs, "/wal", 128 * BLOCK_SIZE);
  const writer = await RecordWriter.open(dir, { fileNumber: 0, offset: 0 }, await loadCrc32());
  // Four "queues" in turn, two blocks an append: one queue's payloads lie in every eighth block pair.
  const mine: Written[] = [];
  for (let i = 0; i < 48; i++) {
    const w = await append(writer, i, payloads(60_000));
    if (i % 4 === 0) mine.push(...w);
  }
  const reader = new PayloadReader(dir, await loadCrc32(), CACHE);
  for (const w of mine) assert.deepEqual(reader.read(w.file, w.offset, 60_000), w.bytes);
  // The blocks the 12 payloads touch (all four "queues" together fill about 88), and at most the
  // first read-ahead's 8 more.
  const touched = new Set<number>();
  for (const w of mine) {
    const last = Math.floor((w.offset + 60_000 + 3 * 7) / BLOCK_SIZE);
    for (let b = Math.floor(w.offset / BLOCK_SIZE); b <= last; b++) touched.add(b);
  }
  assert.ok(
    reader.blocksRead <= touched.size + 8,
    `read ${reader.blocksRead} blocks for payloads in ${touched.size}`,
  );
  await reader.close();
  await writer.close();
});
