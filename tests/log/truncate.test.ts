/** Truncating queues, and what reopening sees after it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog } from "../../mod.ts";
import { bytes } from "../helpers/temp.ts";
import { contents, withLog } from "../helpers/log.ts";

/** A log with queue "q" holding records r0..r{count-1} at positions 0..count-1. */
function withRecords(count: number, fn: (log: MultiRecordLog, dir: string) => Promise<void>) {
  return withLog({ queues: ["q"] }, async (log, dir) => {
    await log.appendRecords("q", Array.from({ length: count }, (_, i) => bytes(`r${i}`)));
    await fn(log, dir);
  });
}

test("truncate: removes every record with position <= the given one and reports how many", async () => {
  await withRecords(5, async (log) => {
    assert.deepEqual(await log.truncate("q", 2), {
      evictedRecords: 3,
      walBytesWritten: 7 + 11 + 1,
    });
    assert.deepEqual(contents(log, "q"), [[3, "r3"], [4, "r4"]]);
    assert.equal(log.lastPosition("q"), 4);
  });
});

test("truncate: below the first retained position removes nothing", async () => {
  await withRecords(5, async (log) => {
    await log.truncate("q", 2);
    assert.equal((await log.truncate("q", 1)).evictedRecords, 0);
    assert.equal([...log.range("q")].length, 2);
  });
});

test("truncate: at or past the last position empties the queue and moves its next position", async () => {
  await withRecords(5, async (log) => {
    assert.equal((await log.truncate("q", 100)).evictedRecords, 5);
    assert.deepEqual(contents(log, "q"), []);
    assert.equal(log.lastPosition("q"), 100);
    assert.equal((await log.appendRecord("q", bytes("next"))).lastPosition, 101);
  });
});

test("truncate: the result is the same after reopening", async () => {
  await withRecords(5, async (log, dir) => {
    await log.truncate("q", 1);
    await log.close();
    const reopened = await MultiRecordLog.open(dir);
    assert.deepEqual(contents(reopened, "q"), [[2, "r2"], [3, "r3"], [4, "r4"]]);
    await reopened.close();
  });
});

test("truncate: after truncating everything and reopening, appends continue at the right position", async () => {
  await withRecords(5, async (log, dir) => {
    await log.truncate("q", 4);
    await log.close();
    const reopened = await MultiRecordLog.open(dir);
    assert.equal(reopened.lastPosition("q"), 4);
    assert.equal((await reopened.appendRecord("q", bytes("r5"))).lastPosition, 5);
    await reopened.close();
  });
});

test("truncate: a range being iterated continues with the records still retained", async () => {
  await withRecords(10, async (log) => {
    const iterator = log.range("q");
    assert.equal(iterator.next().value?.position, 0);
    assert.equal(iterator.next().value?.position, 1);
    await log.truncate("q", 5);
    assert.deepEqual([...iterator].map((r) => r.position), [6, 7, 8, 9]);
  });
});

test("truncate: a position that is not a safe non-negative integer is an InvalidArgumentError naming it", async () => {
  await withRecords(1, async (log) => {
    for (const position of [-1, 0.5, NaN, 2 ** 60]) {
      await assert.rejects(log.truncate("q", position), {
        name: "InvalidArgumentError",
        argument: "position",
        kind: "range",
      });
    }
  });
});

test("truncate: calls made together with appends apply in call order", async () => {
  await withRecords(0, async (log) => {
    const calls = [
      log.appendRecords("q", [bytes("a"), bytes("b"), bytes("c")]),
      log.truncate("q", 1),
      log.appendRecord("q", bytes("d")),
      log.truncate("q", 10),
      log.appendRecord("q", bytes("e")),
    ];
    const results = await Promise.all(calls);
    assert.deepEqual(
      results.map((r) => ("evictedRecords" in r ? r.evictedRecords : r.lastPosition)),
      [
        2,
        2,
        3,
        2,
        11,
      ],
    );
    assert.deepEqual(contents(log, "q"), [[11, "e"]]);
  });
});
