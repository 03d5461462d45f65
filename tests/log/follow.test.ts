/** Following a queue: retained records, then new ones as they are appended. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog, QueueNotFoundError } from "../../mod.ts";
import { bytes, tempDir, text } from "../helpers/temp.ts";
import { withLog } from "../helpers/log.ts";

test("follow: yields the retained records, then each new record as it is appended, in order", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecords("q", [bytes("a"), bytes("b")]);
    const seen: [number, string][] = [];
    const done = (async () => {
      for await (const r of log.follow("q")) {
        seen.push([r.position, text(r.payload)]);
        if (seen.length === 5) break;
      }
    })();
    await new Promise((r) => setTimeout(r, 5));
    await log.appendRecord("q", bytes("c"));
    await log.appendRecords("q", [bytes("d"), bytes("e")]);
    await done;
    assert.deepEqual(seen, [[0, "a"], [1, "b"], [2, "c"], [3, "d"], [4, "e"]]);
  });
});

test("follow: starts at `start`", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecords("q", [bytes("a"), bytes("b"), bytes("c")]);
    const iterator = log.follow("q", { start: 1 });
    assert.deepEqual((await iterator.next()).value?.position, 1);
    assert.deepEqual((await iterator.next()).value?.position, 2);
    await iterator.return();
  });
});

test("follow: skips records truncated before it reached them", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecords("q", [bytes("a"), bytes("b"), bytes("c"), bytes("d")]);
    const iterator = log.follow("q");
    assert.equal((await iterator.next()).value?.position, 0);
    await log.truncate("q", 2);
    assert.equal((await iterator.next()).value?.position, 3);
    await iterator.return();
  });
});

test("follow: ends when the queue is deleted", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecord("q", bytes("a"));
    const seen: number[] = [];
    const done = (async () => {
      for await (const r of log.follow("q")) seen.push(r.position);
    })();
    await new Promise((r) => setTimeout(r, 5));
    await log.deleteQueue("q");
    await done;
    assert.deepEqual(seen, [0]);
  });
});

test("follow: ends when the log is closed", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("q");
    const done = (async () => {
      let count = 0;
      for await (const _ of log.follow("q")) count++;
      return count;
    })();
    await log.appendRecord("q", bytes("a"));
    await new Promise((r) => setTimeout(r, 5));
    await log.close();
    assert.equal(await done, 1);
  } finally {
    await dir.cleanup();
  }
});

test("follow: breaking out of the loop releases the iterator; appends keep working", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    for (let round = 0; round < 3; round++) {
      await log.appendRecord("q", bytes(`r${round}`));
      for await (const r of log.follow("q", { start: round })) {
        assert.equal(r.position, round);
        break;
      }
    }
    assert.equal((await log.appendRecord("q", bytes("after"))).lastPosition, 3);
  });
});

test("follow: a missing queue is a QueueNotFoundError", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await assert.rejects(log.follow("missing").next(), QueueNotFoundError);
  });
});

test("follow: return() while next() waits ends the wait and releases the iterator", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    const iterator = log.follow("q");
    const waiting = iterator.next();
    await iterator.return();
    assert.deepEqual(await waiting, { done: true, value: undefined });
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    await log.appendRecord("q", bytes("after"));
  });
});
