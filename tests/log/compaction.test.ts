/** Compaction: relocating the records of quiet queues that pin old wal files. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog } from "../../mod.ts";
import { pseudoRandomBytes, tempDir } from "../helpers/temp.ts";
import { recordEnd, walFiles } from "../helpers/log.ts";
import { stat } from "node:fs/promises";
import { join } from "node:path";

const FILE_SIZE = 32768 * 2;
const walName = (n: number) => `wal-${String(n).padStart(20, "0")}`;

/** One quiet queue with a single record, one queue streaming and truncating through many files. */
async function quietAndStream(
  dir: string,
  compaction: false | { maxPinnedFiles: number } | undefined,
  rounds = 200,
): Promise<number[]> {
  const log = await MultiRecordLog.open(
    dir,
    compaction === undefined ? { fileSize: FILE_SIZE } : { fileSize: FILE_SIZE, compaction },
  );
  await log.createQueue("quiet");
  await log.createQueue("stream");
  await log.appendRecord("quiet", pseudoRandomBytes(100, 1));
  const fileCounts: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await log.appendRecord("stream", pseudoRandomBytes(3000, 1000 + i));
    if (i % 10 === 9) {
      await log.truncate("stream", i - 3);
      fileCounts.push((await walFiles(dir)).length);
    }
  }
  await log.close();
  return fileCounts;
}

/**
 * Where quietAndStream's records go (docs/FORMAT.md): "create quiet" (11 + 5 bytes), "create
 * stream" (11 + 6), quiet's record (11 + 5 + 12 + 100), then per round a stream record
 * (11 + 6 + 12 + 3000) and, every 10th, a truncation (11 + 6). `starts[i]`: where stream record
 * i starts; `fileCounts`: the wal files after each truncation when none is ever deleted (the
 * file holding the last byte written, and all before it); `end`: the end of the data.
 */
function streamLayout(rounds: number): { starts: number[]; fileCounts: number[]; end: number } {
  let end = recordEnd(recordEnd(recordEnd(0, 11 + 5), 11 + 6), 11 + 5 + 12 + 100);
  const starts: number[] = [];
  const fileCounts: number[] = [];
  for (let i = 0; i < rounds; i++) {
    starts.push(end);
    end = recordEnd(end, 11 + 6 + 12 + 3000);
    if (i % 10 === 9) {
      end = recordEnd(end, 11 + 6);
      fileCounts.push(Math.ceil(end / FILE_SIZE));
    }
  }
  return { starts, fileCounts, end };
}

async function checkContents(dir: string, rounds = 200): Promise<void> {
  const log = await MultiRecordLog.open(dir, { fileSize: FILE_SIZE });
  assert.deepEqual([...log.range("quiet")].map((r) => [r.position, r.payload]), [[
    0,
    pseudoRandomBytes(100, 1),
  ]]);
  const stream = [...log.range("stream")];
  const lastTruncate = Math.floor(rounds / 10) * 10 - 1 - 3;
  assert.deepEqual(
    stream.map((r) => r.position),
    Array.from({ length: rounds - 1 - lastTruncate }, (_, i) => lastTruncate + 1 + i),
  );
  for (const r of stream) assert.deepEqual(r.payload, pseudoRandomBytes(3000, 1000 + r.position));
  assert.deepEqual(log.recovery.issues, []);
  await log.close();
}

test("compaction: without it, a quiet queue makes the number of wal files grow without bound", async () => {
  const dir = await tempDir();
  try {
    const counts = await quietAndStream(dir.path, false);
    // The quiet queue's record in file 0 keeps every file alive: 1, 1, 2, 2, 3, ... 9, 9, 10.
    assert.deepEqual(counts, streamLayout(200).fileCounts);
    assert.equal(counts.at(-1), 10);
    await checkContents(dir.path);
  } finally {
    await dir.cleanup();
  }
});

test("compaction: it is on by default: with no option the wal files peak at 9 (maxPinnedFiles 8, plus one)", async () => {
  const dir = await tempDir();
  try {
    const counts = await quietAndStream(dir.path, undefined, 400);
    assert.equal(streamLayout(400).fileCounts.at(-1), 19); // what it would be without compaction
    assert.equal(Math.max(...counts), 9);
    await checkContents(dir.path, 400);
  } finally {
    await dir.cleanup();
  }
});

test("compaction: with it, disk stays within a small bound, and both queues are intact after reopening", async () => {
  const dir = await tempDir();
  try {
    const counts = await quietAndStream(dir.path, { maxPinnedFiles: 2 });
    // A truncation that leaves more than maxPinnedFiles (2) files before the current one pinned
    // compacts, so after each one at most 2 + 1 files are left, and the stream reaches that
    // bound (without compaction the count reaches 10, above).
    assert.equal(Math.max(...counts), 3, `files: ${counts.join(",")}`);
    await checkContents(dir.path);
  } finally {
    await dir.cleanup();
  }
});

test("compaction: compact() rewrites the pinning queue, deletes the freed files, and says so", async () => {
  const dir = await tempDir();
  try {
    await quietAndStream(dir.path, false, 100);
    const log = await MultiRecordLog.open(dir.path, { fileSize: FILE_SIZE, compaction: false });
    // Files 0..4 hold the data; stream retains 97..99 (the last truncation was at 96), and record
    // 97 starts in file 4. The rewrite of quiet goes to file 5; files 0..3 are freed.
    const layout = streamLayout(100);
    assert.equal(Math.ceil(layout.end / FILE_SIZE), 5);
    assert.equal(Math.floor(layout.starts[97] / FILE_SIZE), 4);
    assert.deepEqual(await walFiles(dir.path), [0, 1, 2, 3, 4].map(walName));
    const outcome = await log.compact();
    assert.deepEqual(outcome, {
      queuesRewritten: 1,
      recordsRelocated: 1,
      bytesRelocated: 100,
      filesDeleted: 4,
    });
    const after = await walFiles(dir.path);
    assert.deepEqual(after, [walName(4), walName(5)]);
    const summary = log.summary();
    assert.equal(summary.queues.quiet.fileNumber, Number(after.at(-1)!.slice(4)));
    assert.deepEqual(summary.files[after.at(-1)!].queues.quiet, 100);
    // Appending goes on right after the rewrite, in the same file.
    await log.appendRecord("quiet", pseudoRandomBytes(10, 2));
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: FILE_SIZE });
    assert.deepEqual([...reopened.range("quiet")].map((r) => r.position), [0, 1]);
    assert.deepEqual(reopened.recovery.issues, []);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("compaction: compact() does nothing when no file would be freed", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: FILE_SIZE });
    await log.createQueue("q");
    await log.appendRecord("q", new Uint8Array(10));
    assert.deepEqual(await log.compact(), {
      queuesRewritten: 0,
      recordsRelocated: 0,
      bytesRelocated: 0,
      filesDeleted: 0,
    });
    assert.deepEqual(await walFiles(dir.path), ["wal-00000000000000000000"]);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("compaction: sparse positions, empty payloads and several quiet queues survive it exactly", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: FILE_SIZE, compaction: false });
    for (const q of ["a", "b", "stream"]) await log.createQueue(q);
    await log.appendRecords("a", [new Uint8Array(0), pseudoRandomBytes(5, 1)]);
    await log.appendRecord("a", pseudoRandomBytes(7, 2), { position: 100 });
    await log.appendRecord("b", pseudoRandomBytes(40_000, 3)); // spans blocks
    await log.truncate("b", 5); // b is empty at next position 6
    await log.appendRecord("b", pseudoRandomBytes(9, 4));
    for (let i = 0; i < 30; i++) await log.appendRecord("stream", pseudoRandomBytes(5000, i));
    await log.truncate("stream", 28);
    const expected = {
      a: [...log.range("a")].map((r) => [r.position, [...r.payload]]),
      b: [...log.range("b")].map((r) => [r.position, [...r.payload]]),
      stream: [...log.range("stream")].map((r) => [r.position, [...r.payload]]),
    };
    // a's records 0, 1 and 100 (0 + 5 + 7 bytes) and b's record 6 (9 bytes) are in file 0; stream's
    // record 29, the one it retains, starts in file 2. The rewrite frees files 0 and 1.
    assert.deepEqual(await log.compact(), {
      queuesRewritten: 2,
      recordsRelocated: 4,
      bytesRelocated: 21,
      filesDeleted: 2,
    });
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: FILE_SIZE });
    assert.deepEqual({
      a: [...reopened.range("a")].map((r) => [r.position, [...r.payload]]),
      b: [...reopened.range("b")].map((r) => [r.position, [...r.payload]]),
      stream: [...reopened.range("stream")].map((r) => [r.position, [...r.payload]]),
    }, expected);
    assert.equal(reopened.lastPosition("a"), 100);
    assert.equal(reopened.lastPosition("b"), 6);
    assert.deepEqual(reopened.recovery.issues, []);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("compaction: diskUsedBytes stays exact: the sum of the wal files' sizes, a file cut short included", async () => {
  const dir = await tempDir();
  try {
    const fileSize = 32768 * 8;
    const log = await MultiRecordLog.open(dir.path, { fileSize, compaction: false });
    await log.createQueue("quiet");
    await log.createQueue("stream");
    await log.appendRecord("quiet", new Uint8Array(10));
    for (let i = 0; i < 200; i++) await log.appendRecord("stream", new Uint8Array(3000));
    await log.truncate("stream", 198);
    await log.compact(); // cuts the current file after its few used blocks
    const sizes = await Promise.all(
      (await walFiles(dir.path)).map(async (f) => (await stat(join(dir.path, f))).size),
    );
    // 16 + 17 + 38 bytes, 200 records of 3029 and a truncation of 17 end at 607442: in file 2
    // (from 524288), in its third block. File 2 is cut after that block, the rewrite is file 3.
    let end = recordEnd(recordEnd(recordEnd(0, 11 + 5), 11 + 6), 11 + 5 + 12 + 10);
    for (let i = 0; i < 200; i++) end = recordEnd(end, 11 + 6 + 12 + 3000);
    end = recordEnd(end, 11 + 6);
    assert.equal(end, 607442);
    assert.deepEqual(await walFiles(dir.path), [walName(2), walName(3)]);
    assert.deepEqual(sizes, [3 * 32768, fileSize]);
    assert.equal(log.resourceUsage().diskUsedBytes, sizes.reduce((a, b) => a + b, 0));
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { fileSize });
    assert.equal(reopened.resourceUsage().diskUsedBytes, sizes.reduce((a, b) => a + b, 0));
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});
