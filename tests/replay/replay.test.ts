/**
 * Replay (`recover`) on its own, over the in-memory file system: wal files
 * built record by record are read back into queues, with the resume point
 * and the report, for a healthy log and for damaged spots.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { WalDirectory } from "../../src/wal/directory.ts";
import { BLOCK_SIZE } from "../../src/format/constants.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import type { MemQueues } from "../../src/memory/queues.ts";
import { recover } from "../../src/replay/recovery.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { WalBuilder } from "../helpers/wal_builder.ts";

const DIR = "/wal";
const FILE_SIZE = 4 * BLOCK_SIZE;

/** Writes wal files (their bytes, preallocated to `sizes[n]` or the file size) and lists the directory. */
async function directory(
  fs: MemoryFileSystem,
  files: Uint8Array[],
  sizes: number[] = [],
): Promise<WalDirectory> {
  await fs.mkdir(DIR);
  for (let n = 0; n < files.length; n++) {
    const handle = await fs.openFile(`${DIR}/wal-${String(n).padStart(20, "0")}`, "create");
    await handle.write(files[n], 0);
    await handle.truncate(sizes[n] ?? FILE_SIZE);
    await handle.close();
  }
  return await WalDirectory.open(fs, DIR, FILE_SIZE);
}

/** Every queue's records as [position, text] pairs, and its next position. */
function dump(queues: MemQueues): Record<string, { next: number; records: [number, string][] }> {
  const out: Record<string, { next: number; records: [number, string][] }> = {};
  for (const [name, q] of queues.entries()) {
    const records = [...q.range(0, Infinity)].map((r): [number, string] => [
      r.position,
      new TextDecoder().decode(r.payload),
    ]);
    out[name] = { next: q.nextPosition(), records };
  }
  return out;
}

test("replay: an empty directory has no queues and resumes at offset 0 of file 0", async () => {
  const fs = new MemoryFileSystem();
  const crc = await loadCrc32();
  const { queues, resumeAt, report, unread } = await recover(await directory(fs, []), crc);
  assert.equal(queues.count, 0);
  assert.deepEqual(resumeAt, { fileNumber: 0, offset: 0 });
  assert.deepEqual(report, {
    filesRead: 0,
    walRecordsReplayed: 0,
    payloadRecordsReplayed: 0,
    issues: [],
    issueCount: 0,
    byFile: {},
  });
  assert.deepEqual(unread, []);
});

test("replay: creations, appends, truncations and deletions rebuild the queues; writing resumes after the last record", async () => {
  const fs = new MemoryFileSystem();
  const crc = await loadCrc32();
  const wal = new WalBuilder(crc)
    .create("a").append("a", 0, "x", "y").append("a", 5, "z")
    .create("b", 10).append("b", 10, "b10")
    .truncate("a", 1)
    .create("gone").delete("gone");
  const { queues, resumeAt, report } = await recover(await directory(fs, [wal.sink.bytes()]), crc);
  assert.deepEqual(dump(queues), {
    a: { next: 6, records: [[5, "z"]] },
    b: { next: 11, records: [[10, "b10"]] },
  });
  assert.deepEqual(resumeAt, { fileNumber: 0, offset: wal.sink.length });
  assert.equal(report.walRecordsReplayed, 8);
  assert.equal(report.payloadRecordsReplayed, 4);
  assert.equal(report.filesRead, 1);
  assert.deepEqual(report.issues, []);
});

test("replay: reading goes on in the next file after a file ended at a block boundary", async () => {
  const fs = new MemoryFileSystem();
  const crc = await loadCrc32();
  // 19 bytes of RecordPosition, then an append whose frame fills the block exactly.
  const fill = "f".repeat(BLOCK_SIZE - 19 - 31);
  const first = new WalBuilder(crc).create("q").append("q", 0, fill);
  assert.equal(first.sink.length, BLOCK_SIZE);
  const second = new WalBuilder(crc).append("q", 1, "in file 1");
  const dir = await directory(fs, [first.sink.bytes(), second.sink.bytes()], [BLOCK_SIZE]);
  const { queues, resumeAt, report } = await recover(dir, crc);
  assert.deepEqual(dump(queues).q, { next: 2, records: [[0, fill], [1, "in file 1"]] });
  assert.deepEqual(resumeAt, { fileNumber: 1, offset: second.sink.length });
  assert.equal(report.filesRead, 2);
  assert.deepEqual(report.issues, []);
});

test("replay: a frame with a bad checksum costs only its record, which is reported", async () => {
  const fs = new MemoryFileSystem();
  const crc = await loadCrc32();
  const wal = new WalBuilder(crc).create("q").append("q", 0, "keep");
  const damagedAt = wal.sink.length;
  wal.append("q", 1, "lost").append("q", 2, "after");
  const bytes = wal.sink.bytes().slice();
  bytes[damagedAt + 20] ^= 0xff; // inside the second append's payload
  const { queues, report } = await recover(await directory(fs, [bytes]), crc);
  assert.deepEqual(dump(queues).q.records, [[0, "keep"], [2, "after"]]);
  assert.deepEqual(report.issues, [
    { file: "wal-00000000000000000000", offset: damagedAt, reason: "bad-checksum" },
  ]);
  assert.deepEqual(report.byFile, { "wal-00000000000000000000": { "bad-checksum": 1 } });
});

test("replay: an append below its queue's next position restarts the queue there, reported as position-in-past", async () => {
  const fs = new MemoryFileSystem();
  const crc = await loadCrc32();
  const wal = new WalBuilder(crc).create("q").append("q", 0, "a", "b").append("q", 1, "newer");
  const { queues, report } = await recover(await directory(fs, [wal.sink.bytes()]), crc);
  assert.deepEqual(dump(queues).q, { next: 2, records: [[1, "newer"]] });
  assert.deepEqual(report.issues.map((i) => i.reason), ["position-in-past"]);
});

test("replay: data after a zeroed frame header is not replayed but reported as bytes after the end", async () => {
  const fs = new MemoryFileSystem();
  const crc = await loadCrc32();
  const wal = new WalBuilder(crc).create("q").append("q", 0, "kept");
  const cut = wal.sink.length;
  wal.append("q", 1, "hidden");
  const bytes = wal.sink.bytes().slice();
  bytes.fill(0, cut, cut + 7);
  const { queues, resumeAt, report, unread } = await recover(await directory(fs, [bytes]), crc);
  assert.deepEqual(dump(queues).q.records, [[0, "kept"]]);
  assert.deepEqual(resumeAt, { fileNumber: 0, offset: cut });
  assert.equal(unread.length, 1);
  assert.equal(report.issues.length, 1);
  assert.equal(report.issues[0].reason, "bytes-after-end");
  assert.equal(report.issues[0].offset, cut + 7);
});
