/** Compaction: relocating the records of quiet queues that pin old wal files. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog } from "../../mod.ts";
import { pseudoRandomBytes, tempDir } from "../helpers/temp.ts";
import { walFiles } from "../helpers/log.ts";
import { stat } from "node:fs/promises";
import { join } from "node:path";

const FILE_SIZE = 32768 * 2;

/** One quiet queue with a single record, one queue streaming and truncating through many files. */
async function quietAndStream(
  dir: string,
  compaction: false | { maxPinnedFiles: number },
  rounds = 200,
): Promise<number[]> {
  const log = await MultiRecordLog.open(dir, { fileSize: FILE_SIZE, compaction });
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
    assert.ok(counts.at(-1)! >= 9, `files: ${counts.join(",")}`);
    assert.ok(counts.at(-1)! > counts[2] + 5, `files: ${counts.join(",")}`);
    await checkContents(dir.path);
  } finally {
    await dir.cleanup();
  }
});

test("compaction: with it, disk stays within a small bound, and both queues are intact after reopening", async () => {
  const dir = await tempDir();
  try {
    const counts = await quietAndStream(dir.path, { maxPinnedFiles: 2 });
    assert.ok(Math.max(...counts) <= 4, `files: ${counts.join(",")}`);
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
    const before = (await walFiles(dir.path)).length;
    const outcome = await log.compact();
    assert.deepEqual({ ...outcome, filesDeleted: outcome.filesDeleted > 0 }, {
      queuesRewritten: 1,
      recordsRelocated: 1,
      bytesRelocated: 100,
      filesDeleted: true,
    });
    const after = await walFiles(dir.path);
    assert.ok(after.length <= 3, `${before} files before, ${after.length} after`);
    assert.equal(before - after.length + 1, outcome.filesDeleted);
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
    const outcome = await log.compact();
    assert.equal(outcome.queuesRewritten, 2);
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
    assert.ok(sizes.some((size) => size < fileSize), `a file was cut short: ${sizes.join(",")}`);
    assert.equal(log.resourceUsage().diskUsedBytes, sizes.reduce((a, b) => a + b, 0));
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { fileSize });
    assert.equal(reopened.resourceUsage().diskUsedBytes, sizes.reduce((a, b) => a + b, 0));
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});
