/**
 * The one walker over wal bytes: the records it hands out, the file each
 * belongs to (the Rust crate's rule: where reading stood when it began), and
 * where the log ends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { WalDirectory } from "../../src/wal/directory.ts";
import { WALK_DONE, WALK_RECORD, WalWalker } from "../../src/wal/walker.ts";
import { FrameBuffer } from "../../src/format/frame_buffer.ts";
import { RECORD_POSITION } from "../../src/format/constants.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import { FrameWriter } from "../../src/format/frame_writer.ts";
import { writeControlRecord } from "../../src/format/record.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";

const DIR = "/wal";
const BLOCK = 32768;
const crc = await loadCrc32();

/** RecordPosition records, one frame each, for the queue names given. */
function records(names: string[]): Uint8Array {
  const sink = new FrameBuffer();
  const writer = new FrameWriter(sink, crc);
  for (const [i, name] of names.entries()) {
    writeControlRecord(writer, RECORD_POSITION, new TextEncoder().encode(name), i + 1);
  }
  return sink.bytes().slice();
}

test("walker: a record whose first frame opens a file belongs to the file where the previous record ended", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR);
  // File 0: 1,723 frames of 19 bytes, then one of 31 bytes (a 13-byte name): the block is full.
  const first = records([...Array(1723).fill("q"), "thirteen-byte"]);
  assert.equal(first.length, BLOCK);
  for (const [n, bytes] of [[0, first], [1, records(["a", "b"])]] as const) {
    const handle = await fs.openFile(`${DIR}/wal-${String(n).padStart(20, "0")}`, "create");
    await handle.write(bytes, 0);
    await handle.truncate(BLOCK);
    await handle.close();
  }
  const dir = await WalDirectory.open(fs, DIR, BLOCK);
  const walker = new WalWalker(dir, crc);
  const seen: string[] = [];
  try {
    for (;;) {
      const step = walker.next();
      if (step === WALK_DONE) break;
      if (step !== WALK_RECORD) {
        await walker.fill();
        continue;
      }
      seen.push(
        `${walker.queue} in ${walker.recordFile}, first frame ${walker.beginFile}@${walker.beginOffset}`,
      );
    }
  } finally {
    await walker.close();
  }
  assert.deepEqual(seen.slice(1722), [
    `q in 0, first frame 0@${1722 * 19}`,
    `thirteen-byte in 0, first frame 0@${1723 * 19}`,
    "a in 0, first frame 1@0", // reading stood in file 0 when it began
    "b in 1, first frame 1@19",
  ]);
  assert.deepEqual(walker.end, { fileNumber: 1, offset: 38 });
  assert.deepEqual(walker.resumeAt, { fileNumber: 1, offset: 38 });
  assert.equal(walker.filesRead, 2);
});
