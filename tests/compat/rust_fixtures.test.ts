/**
 * Compatibility with Quickwit's Rust crate: every golden directory opens to
 * exactly what the crate returned, and replaying each script writes the
 * crate's bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog, PositionInPastError } from "../../mod.ts";
import {
  base64ToBytes,
  bytesToBase64,
  copyWal,
  type Expected,
  fixtureFileSize,
  fixtureNames,
  FIXTURES_DIR,
  readErrors,
  readExpected,
  readScript,
  trimmedWalFiles,
} from "../helpers/fixtures.ts";
import { tempDir } from "../helpers/temp.ts";
import { join } from "node:path";

const names = await fixtureNames();
const DAMAGED = new Set(["corrupted-middle", "torn-tail"]);

/** The log's contents in the shape of expected.json. */
function dump(log: MultiRecordLog): Expected {
  const queues: Expected["queues"] = {};
  for (const name of log.listQueues().sort()) {
    queues[name] = {
      last_position: log.lastPosition(name) ?? null,
      records: [...log.range(name)].map((r) => [r.position, bytesToBase64(r.payload)]),
    };
  }
  return { queues };
}

test("Rust fixtures: all nine are present", () => {
  assert.deepEqual(names, [
    "basic",
    "block-padding",
    "corrupted-middle",
    "large-records",
    "multi-queue",
    "positions",
    "rolling-gc",
    "torn-tail",
    "unicode-names",
  ]);
});

for (const [name, payloads] of names.flatMap((n) => [[n, "memory"], [n, "disk"]] as const)) {
  test(`Rust fixture ${name} (${payloads} mode): opens to exactly expected.json`, async () => {
    const dir = await tempDir();
    try {
      await copyWal(name, dir.path);
      const log = await MultiRecordLog.open(dir.path, {
        fileSize: fixtureFileSize(name),
        payloads,
      });
      try {
        assert.deepEqual(dump(log), await readExpected(name));
      } finally {
        await log.close();
      }
    } finally {
      await dir.cleanup();
    }
  });

  if (DAMAGED.has(name)) continue;

  test(`Rust fixture ${name} (${payloads} mode): replaying script.json writes the crate's bytes`, async () => {
    const dir = await tempDir();
    try {
      const errors = await readErrors(name);
      const fileSize = fixtureFileSize(name);
      let log = await MultiRecordLog.open(dir.path, { fileSize, payloads });
      try {
        for (const op of await readScript(name)) {
          switch (op.op) {
            case "create":
              await log.createQueue(op.queue);
              break;
            case "append": {
              const payloads = op.payloads.map(base64ToBytes);
              const options = op.position === null ? {} : { position: op.position };
              try {
                await log.appendRecords(op.queue, payloads, options);
              } catch (err) {
                assert.ok(err instanceof PositionInPastError, `unexpected ${err}`);
                const expected = errors.shift();
                assert.deepEqual(
                  { op: expected?.op, queue: expected?.queue, error: expected?.error },
                  { op: "append", queue: op.queue, error: "Past" },
                );
              }
              break;
            }
            case "truncate":
              await log.truncate(op.queue, op.position);
              break;
            case "delete":
              await log.deleteQueue(op.queue);
              break;
            case "persist":
              await log.persist(op.fsync ? "fsync" : "flush");
              break;
            case "reopen":
              await log.close();
              log = await MultiRecordLog.open(dir.path, { fileSize, payloads });
              break;
          }
        }
        assert.deepEqual(errors, [], "every error the crate raised was raised here too");
        assert.deepEqual(dump(log), await readExpected(name));
      } finally {
        await log.close();
      }
      const ours = await trimmedWalFiles(dir.path);
      const theirs = await trimmedWalFiles(join(FIXTURES_DIR, name, "wal"));
      assert.deepEqual([...ours.keys()], [...theirs.keys()], "same wal files");
      for (const [file, data] of theirs) {
        const mine = ours.get(file)!;
        const firstDiff = mine.findIndex((b, i) => b !== data[i]);
        assert.equal(mine.length, data.length, `${file}: length`);
        assert.equal(firstDiff, -1, `${file}: first differing byte at ${firstDiff}`);
      }
    } finally {
      await dir.cleanup();
    }
  });
}
