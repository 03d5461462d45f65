/**
 * Compaction planning on its own (`planCompaction`): which quiet queues are
 * rewritten, how many files that frees, and the bounds it respects; and the
 * compacted file's content (`buildCompactedFile`) against the size bound.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildCompactedFile,
  type Candidate,
  planCompaction,
  rewriteBytes,
} from "../../src/engine/compaction.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import { MemQueue } from "../../src/memory/queue.ts";

const FILE_SIZE = 4 * 32_768;

/** A candidate queue holding one record of `size` bytes in each of `files`, from position 0. */
function queue(name: string, files: number[], size = 10): Candidate {
  const q = new MemQueue();
  files.forEach((file, i) => q.append(i, new Uint8Array(size).fill(i + 1), file));
  return { name, nameBytes: new TextEncoder().encode(name), queue: q };
}

/** The names of the queues a plan rewrites. */
function names(plan: { queues: Candidate[] } | undefined): string[] | undefined {
  return plan?.queues.map((c) => c.name);
}

test("planCompaction: a quiet queue pinning the oldest files is rewritten; every file before the current one goes", () => {
  const quiet = queue("quiet", [0]);
  const busy = queue("busy", [5]);
  const plan = planCompaction([busy, quiet], 0, 5, FILE_SIZE, FILE_SIZE, 0.25);
  assert.deepEqual(names(plan), ["quiet"]);
  assert.equal(plan!.newLimit, 5);
  assert.equal(plan!.walBytes, rewriteBytes(quiet));
});

test("planCompaction: nothing to do when no queue holds records before the current file", () => {
  assert.equal(
    planCompaction([queue("a", [3]), queue("b", [3, 3])], 3, 3, FILE_SIZE, FILE_SIZE, 1),
    undefined,
  );
  assert.equal(planCompaction([queue("empty", [])], 0, 5, FILE_SIZE, FILE_SIZE, 1), undefined);
});

test("planCompaction: queues are taken oldest first, as far as pays within the ratio", () => {
  const old = queue("old", [0]);
  const mid = queue("mid", [3], 170_000);
  // Rewriting both frees 5 files, but "mid" costs more than a quarter of them: only "old" goes.
  const cheap = planCompaction([mid, old], 0, 5, FILE_SIZE, 4 * FILE_SIZE, 0.25);
  assert.deepEqual(names(cheap), ["old"]);
  assert.equal(cheap!.newLimit, 3);
  // At ratio 1 both pay, and freeing more files wins.
  const all = planCompaction([mid, old], 0, 5, FILE_SIZE, 4 * FILE_SIZE, 1);
  assert.deepEqual(names(all), ["old", "mid"]);
  assert.equal(all!.newLimit, 5);
});

test("planCompaction: queues with the same oldest file are taken by name", () => {
  const plan = planCompaction([queue("b", [1]), queue("a", [1])], 0, 4, FILE_SIZE, FILE_SIZE, 1);
  assert.deepEqual(names(plan), ["a", "b"]);
});

test("planCompaction: files a queue replay refused pins are kept; a queue in them is rewritten only if that frees files", () => {
  const plan = planCompaction([queue("quiet", [0])], 0, 5, FILE_SIZE, FILE_SIZE, 1, 2);
  assert.equal(plan!.newLimit, 2);
  assert.equal(planCompaction([queue("quiet", [0])], 0, 5, FILE_SIZE, FILE_SIZE, 1, 0), undefined);
});

test("planCompaction: a rewrite larger than maxBytes is not planned", () => {
  const big = queue("big", [0], 50_000);
  assert.equal(planCompaction([big], 0, 5, FILE_SIZE, rewriteBytes(big) - 1, 1), undefined);
  assert.deepEqual(names(planCompaction([big], 0, 5, FILE_SIZE, rewriteBytes(big), 1)), ["big"]);
});

test("buildCompactedFile: a RecordPosition and the records per queue, within the planned bound", async () => {
  const crc = await loadCrc32();
  const a = queue("a", [0, 0, 1], 40_000);
  const b = queue("b", [1]);
  const plan = planCompaction([a, b], 0, 3, FILE_SIZE, 4 * FILE_SIZE, 1)!;
  assert.deepEqual(names(plan), ["a", "b"]);
  const built = buildCompactedFile(plan, crc);
  assert.equal(built.records, 4);
  assert.equal(built.payloadBytes, 3 * 40_000 + 10);
  assert.ok(built.bytes.length <= plan.walBytes, `${built.bytes.length} <= ${plan.walBytes}`);
  assert.ok(built.bytes.length > built.payloadBytes);
});
