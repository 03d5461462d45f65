/**
 * Compaction is crash-atomic: the power is cut before every file-system call
 * a compaction makes (each file keeping a random prefix of its unsynced
 * writes), and every resulting state reopens with everything acknowledged
 * and no queue emptied.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog } from "../../mod.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { prng } from "../helpers/model.ts";
import { pseudoRandomBytes } from "../helpers/temp.ts";

/**
 * What a power loss keeps of the unsynced writes (torn at any byte) or
 * directory changes since the last sync: a random prefix.
 */
function somePrefix(random: () => number): (unsynced: number) => number {
  return (unsynced) => Math.floor(random() * (unsynced + 1));
}

const DIR = "/wal";
const FILE_SIZE = 32768 * 2;

for (const seed of [1, 2, 3, 4]) {
  test(`compaction crash: power loss before any step of a compaction loses nothing (seed ${seed})`, async () => {
    const random = prng(seed);
    const fs = new MemoryFileSystem();
    const log = await MultiRecordLog.open(DIR, {
      fs,
      fileSize: FILE_SIZE,
      compaction: false,
      persistPolicy: { kind: "always", action: "fsync" },
    });
    await log.createQueue("quiet");
    await log.createQueue("other-quiet");
    await log.createQueue("stream");
    await log.appendRecord("quiet", pseudoRandomBytes(100 + seed, seed));
    await log.appendRecords("other-quiet", [pseudoRandomBytes(30_000, 7), new Uint8Array(0)]);
    const rounds = 40 + Math.floor(random() * 40);
    for (let i = 0; i < rounds; i++) {
      await log.appendRecord(
        "stream",
        pseudoRandomBytes(1000 + Math.floor(random() * 4000), 100 + i),
      );
      if (i % 10 === 9) await log.truncate("stream", i - 2);
    }
    const expected = {
      quiet: [...log.range("quiet")].map((r) => [r.position, [...r.payload]]),
      otherQuiet: [...log.range("other-quiet")].map((r) => [r.position, [...r.payload]]),
      stream: [...log.range("stream")].map((r) => [r.position, [...r.payload]]),
    };
    const crashes: MemoryFileSystem[] = [];
    fs.onCall = () => crashes.push(fs.powerLoss(somePrefix(random), somePrefix(random)));
    const outcome = await log.compact();
    fs.onCall = undefined;
    crashes.push(fs.powerLoss(() => 0));
    assert.ok(outcome.queuesRewritten >= 1 && outcome.filesDeleted >= 1, JSON.stringify(outcome));
    assert.ok(crashes.length >= 8, `${crashes.length} crash points`);
    await log.close();
    for (const [i, crashed] of crashes.entries()) {
      const reopened = await MultiRecordLog.open(DIR, { fs: crashed, fileSize: FILE_SIZE });
      const got = {
        quiet: [...reopened.range("quiet")].map((r) => [r.position, [...r.payload]]),
        otherQuiet: [...reopened.range("other-quiet")].map((r) => [r.position, [...r.payload]]),
        stream: [...reopened.range("stream")].map((r) => [r.position, [...r.payload]]),
      };
      assert.deepEqual(got, expected, `crash point ${i} of ${crashes.length}`);
      // And it keeps working from there.
      await reopened.appendRecord("quiet", new Uint8Array([1]));
      await reopened.close();
    }
  });
}
