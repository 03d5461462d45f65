/**
 * RecordWriter on its own, over the in-memory file system: records framed
 * into the rolling files, the size bound of an append, and ending a block
 * with padding that replay ignores.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { WalDirectory } from "../../src/wal/directory.ts";
import { BLOCK_SIZE, RECORD_POSITION } from "../../src/format/constants.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import { RecordWriter } from "../../src/engine/record_writer.ts";
import { recover } from "../../src/replay/recovery.ts";
import { ResourceExhaustedError } from "../../mod.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";

const DIR = "/wal";
const FILE_0 = `${DIR}/wal-00000000000000000000`;
const encoder = new TextEncoder();
const FILE_SIZE = 4 * BLOCK_SIZE;

/** A record writer on a fresh directory of files of four blocks. */
async function setup(
  maxDiskBytes?: number,
): Promise<{ fs: MemoryFileSystem; writer: RecordWriter }> {
  const fs = new MemoryFileSystem();
  const dir = await WalDirectory.open(fs, DIR, FILE_SIZE);
  const at = { fileNumber: 0, offset: 0 };
  const writer = await RecordWriter.open(dir, at, await loadCrc32(), maxDiskBytes);
  return { fs, writer };
}

/** The queues replay finds in the directory, as name -> [next position, record count]. */
async function replayed(fs: MemoryFileSystem): Promise<Record<string, [number, number]>> {
  const dir = await WalDirectory.open(fs, DIR, FILE_SIZE);
  const { queues } = await recover(dir, await loadCrc32());
  const out: Record<string, [number, number]> = {};
  for (const [name, q] of queues.entries()) out[name] = [q.nextPosition(), q.size];
  return out;
}

test("record writer: writes records as frames and reports the bytes they took, within the bound", async () => {
  const { fs, writer } = await setup();
  const q = encoder.encode("q");
  assert.equal(writer.writeControl(RECORD_POSITION, q, 0), 7 + 11 + 1);
  const payloads = [new Uint8Array(40_000), new Uint8Array(3)];
  const taken = writer.writeAppend(q, 0, payloads, 40_003);
  assert.equal(taken, 11 + 1 + 2 * 12 + 40_003 + 2 * 7); // two frames: it crosses a block
  assert.ok(taken <= writer.appendBound(1, 2, 40_003));
  assert.equal(writer.offset, 19 + taken);
  assert.equal(writer.fileNumber, 0);
  await writer.sync();
  assert.deepEqual(await replayed(fs), { q: [2, 2] });
  await writer.close();
});

test("record writer: padToBlockEnd ends the block with a record replay ignores, named for no queue", async () => {
  const { fs, writer } = await setup();
  writer.writeControl(RECORD_POSITION, encoder.encode("q"), 5);
  const taken: string[] = [];
  writer.padToBlockEnd((name) => {
    taken.push(name);
    return taken.length === 1; // the first name is in use
  });
  assert.equal(writer.offset, BLOCK_SIZE);
  await writer.sync();
  assert.deepEqual(taken, ["\u0000mrl:padding", "\u0000mrl:padding~"]);
  const bytes = fs.bytes(FILE_0).subarray(0, BLOCK_SIZE);
  const text = new TextDecoder().decode(bytes.subarray(19, 60));
  assert.ok(text.includes("\u0000mrl:padding~"), "the padding record carries the free name");
  assert.deepEqual(await replayed(fs), { q: [5, 0] });
  await writer.close();
});

test("record writer: padToBlockEnd fills fewer than 7 bytes with zeros, and does nothing on a block boundary", async () => {
  const { fs, writer } = await setup();
  // A record whose frame leaves 3 bytes in the block: 7 + 11 + name = BLOCK_SIZE - 3.
  const name = encoder.encode("n".repeat(BLOCK_SIZE - 3 - 18));
  writer.writeControl(RECORD_POSITION, name, 0);
  assert.equal(writer.offset, BLOCK_SIZE - 3);
  fs.corrupt(FILE_0, BLOCK_SIZE - 3, new Uint8Array([1, 1, 1])); // must be zeroed again
  writer.padToBlockEnd(() => false);
  assert.equal(writer.offset, BLOCK_SIZE);
  writer.padToBlockEnd(() => false);
  assert.equal(writer.offset, BLOCK_SIZE);
  await writer.sync();
  assert.deepEqual([...fs.bytes(FILE_0).subarray(BLOCK_SIZE - 3, BLOCK_SIZE)], [0, 0, 0]);
  await writer.close();
});

test("record writer: the disk limit refuses an append only when it needs wal files past the limit", async () => {
  const { writer } = await setup(2 * FILE_SIZE);
  try {
    writer.checkDiskRoom("q", 1, 1, 1000); // fits in file 0
    writer.checkDiskRoom("q", 1, 1, FILE_SIZE); // needs file 1: two files in all
    let refused: unknown;
    try {
      writer.checkDiskRoom("q", 1, 1, 2 * FILE_SIZE); // needs files 1 and 2
    } catch (err) {
      refused = err;
    }
    assert.ok(refused instanceof ResourceExhaustedError);
    assert.deepEqual(
      [refused.queue, refused.resource, refused.usage, refused.requested, refused.limit],
      ["q", "disk", FILE_SIZE, 2 * FILE_SIZE, 2 * FILE_SIZE],
    );
  } finally {
    await writer.close();
  }
});

test("record writer: without a disk limit no append is refused for room", async () => {
  const { writer } = await setup();
  try {
    writer.checkDiskRoom("q", 1, 1, 100 * FILE_SIZE);
  } finally {
    await writer.close();
  }
});
