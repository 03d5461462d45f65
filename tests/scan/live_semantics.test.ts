/**
 * scanLog with `live: true` keeps exactly the records an open loads, for
 * every replay rule that removes records (docs/FORMAT.md, "Replay
 * semantics"): resets by RecordPosition, truncations (also past the end),
 * deletions, re-creation by an append, an append below the next position
 * (position-in-past), and positions a number cannot name.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MultiRecordLog, scanLog } from "../../mod.ts";
import {
  RECORD_DELETE_QUEUE,
  RECORD_POSITION,
  RECORD_TRUNCATE,
} from "../../src/format/constants.ts";
import { loadCrc32 } from "../../src/format/crc.ts";
import { tempDir, text } from "../helpers/temp.ts";
import { WalBuilder } from "../helpers/wal_builder.ts";

/** The live scan and an open of the same file: queue -> [position, text][] each, and their issues. */
async function both(wal: WalBuilder) {
  const dir = await tempDir();
  try {
    await writeFile(join(dir.path, "wal-00000000000000000000"), wal.bytes());
    const scan = scanLog(dir.path, { live: true });
    const scanned: Record<string, [number, string][]> = {};
    for await (const e of scan) {
      if (e.kind === "record") (scanned[e.queue] ??= []).push([e.position, text(e.payload)]);
    }
    const log = await MultiRecordLog.open(dir.path, { readOnly: true });
    const loaded: Record<string, [number, string][]> = {};
    try {
      for (const name of log.listQueues()) {
        try {
          const records = [...log.range(name)].map((r) => [r.position, text(r.payload)]);
          if (records.length > 0) loaded[name] = records as [number, string][];
        } catch {
          // A queue whose positions a number cannot name: neither loads it.
        }
      }
      return { scanned, loaded, scanIssues: scan.report.issues, openIssues: log.recovery.issues };
    } finally {
      await log.close();
    }
  } finally {
    await dir.cleanup();
  }
}

test("scanLog live: an append below the next position resets the queue there (position-in-past), as an open does", async () => {
  const crc = await loadCrc32();
  const wal = new WalBuilder(crc).control(RECORD_POSITION, "q", 0).append("q", 0, "a", "b")
    .append("q", 1, "newer", "newest");
  const { scanned, loaded, scanIssues, openIssues } = await both(wal);
  assert.deepEqual(scanned, { q: [[1, "newer"], [2, "newest"]] });
  assert.deepEqual(scanned, loaded);
  assert.deepEqual(scanIssues, openIssues);
  assert.deepEqual(scanIssues.map((i) => i.reason), ["position-in-past"]);
});

test("scanLog live: a RecordPosition empties a queue that held records; later truncations count from there", async () => {
  const crc = await loadCrc32();
  const wal = new WalBuilder(crc).control(RECORD_POSITION, "q", 0).append("q", 0, "a", "b", "c")
    .control(RECORD_POSITION, "q", 10).append("q", 10, "ten", "eleven", "twelve")
    .control(RECORD_TRUNCATE, "q", 10);
  const { scanned, loaded } = await both(wal);
  assert.deepEqual(scanned, { q: [[11, "eleven"], [12, "twelve"]] });
  assert.deepEqual(scanned, loaded);
});

test("scanLog live: a truncation past the end moves the queue on; later appends survive", async () => {
  const crc = await loadCrc32();
  const wal = new WalBuilder(crc).control(RECORD_POSITION, "q", 0).append("q", 0, "a", "b")
    .control(RECORD_TRUNCATE, "q", 5).append("q", 6, "six").control(RECORD_TRUNCATE, "q", 2);
  const { scanned, loaded } = await both(wal);
  assert.deepEqual(scanned, { q: [[6, "six"]] });
  assert.deepEqual(scanned, loaded);
});

test("scanLog live: a deleted queue loses its records; an append re-creates it at its position", async () => {
  const crc = await loadCrc32();
  const wal = new WalBuilder(crc).control(RECORD_POSITION, "q", 0).append("q", 0, "old")
    .control(RECORD_POSITION, "gone", 0).append("gone", 0, "x")
    .control(RECORD_DELETE_QUEUE, "q", 1).control(RECORD_DELETE_QUEUE, "gone", 1)
    .append("q", 3, "three");
  const { scanned, loaded } = await both(wal);
  assert.deepEqual(scanned, { q: [[3, "three"]] });
  assert.deepEqual(scanned, loaded);
});

test("scanLog live: a queue holding a position above 2^53 - 1 is left out until a RecordPosition makes it exact again", async () => {
  const crc = await loadCrc32();
  const wal = new WalBuilder(crc).control(RECORD_POSITION, "big", 0).append("big", 0, "before")
    .append("big", 2 ** 53, "too far").control(RECORD_POSITION, "other", 0)
    .append("other", 0, "fine").control(RECORD_POSITION, "back", 0).append("back", 0, "b0")
    .append("back", 2 ** 53, "far").control(RECORD_POSITION, "back", 7).append("back", 7, "b7");
  const { scanned, loaded } = await both(wal);
  assert.deepEqual(scanned, { other: [[0, "fine"]], back: [[7, "b7"]] });
  assert.deepEqual(scanned, loaded);
});
