/** Creating, deleting and naming queues. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog, QueueAlreadyExistsError, QueueNotFoundError } from "../../mod.ts";
import { bytes, tempDir } from "../helpers/temp.ts";
import { contents } from "../helpers/log.ts";

async function withLog(fn: (log: MultiRecordLog, dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  const log = await MultiRecordLog.open(dir.path);
  try {
    await fn(log, dir.path);
  } finally {
    await log.close();
    await dir.cleanup();
  }
}

test("queues: a created queue exists, is listed, and is empty with no last position", async () => {
  await withLog(async (log) => {
    await log.createQueue("a");
    await log.createQueue("b");
    assert.equal(log.queueExists("a"), true);
    assert.equal(log.queueExists("c"), false);
    assert.deepEqual(log.listQueues(), ["a", "b"]);
    assert.equal(log.lastPosition("a"), undefined);
    assert.equal(log.lastRecord("a"), undefined);
    assert.deepEqual([...log.range("a")], []);
  });
});

test("queues: creating an existing queue rejects with QueueAlreadyExistsError", async () => {
  await withLog(async (log) => {
    await log.createQueue("a");
    const err = await log.createQueue("a").catch((e) => e);
    assert.ok(err instanceof QueueAlreadyExistsError);
    assert.equal(err.code, "QUEUE_ALREADY_EXISTS");
    assert.equal(err.queue, "a");
    assert.match(err.message, /"a"/);
  });
});

test("queues: every call on a missing queue fails with QueueNotFoundError naming it", async () => {
  await withLog(async (log) => {
    const isNotFound = (err: unknown) =>
      err instanceof QueueNotFoundError && err.queue === "ghost" && err.code === "QUEUE_NOT_FOUND";
    await assert.rejects(log.deleteQueue("ghost"), isNotFound);
    await assert.rejects(log.appendRecord("ghost", bytes("x")), isNotFound);
    await assert.rejects(log.appendRecords("ghost", []), isNotFound);
    await assert.rejects(log.truncate("ghost", 0), isNotFound);
    assert.throws(() => log.range("ghost"), isNotFound);
    assert.throws(() => log.lastPosition("ghost"), isNotFound);
    assert.throws(() => log.lastRecord("ghost"), isNotFound);
  });
});

test("queues: a deleted queue is gone, also after reopening", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("a");
    await log.createQueue("b");
    await log.appendRecord("a", bytes("x"));
    await log.deleteQueue("a");
    assert.deepEqual(log.listQueues(), ["b"]);
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path);
    assert.deepEqual(reopened.listQueues(), ["b"]);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("queues: a queue recreated after deletion starts again at position 0, also after reopening", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("q");
    await log.appendRecords("q", [bytes("old-0"), bytes("old-1"), bytes("old-2")]);
    await log.deleteQueue("q");
    await log.createQueue("q");
    await log.appendRecord("q", bytes("new-0"));
    assert.deepEqual(contents(log, "q"), [[0, "new-0"]]);
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path);
    assert.deepEqual(contents(reopened, "q"), [[0, "new-0"]]);
    assert.equal(reopened.lastPosition("q"), 0);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("queues: non-ASCII names (CJK, emoji, spaces, slashes) survive reopening", async () => {
  const names = ["日本語-キュー", "émoji-🚀", "sp ace/slash", "\u0000nul", "x".repeat(300)];
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    for (const name of names) {
      await log.createQueue(name);
      await log.appendRecord(name, bytes(`payload of ${name}`));
    }
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path);
    assert.deepEqual(reopened.listQueues().sort(), [...names].sort());
    for (const name of names) {
      assert.deepEqual(contents(reopened, name), [[0, `payload of ${name}`]]);
    }
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("queues: a name of exactly 65535 UTF-8 bytes works; one byte more is a RangeError", async () => {
  await withLog(async (log) => {
    const longest = "é".repeat(32767) + "x"; // 2 * 32767 + 1 = 65535 bytes
    await log.createQueue(longest);
    await log.appendRecord(longest, bytes("ok"));
    assert.deepEqual(contents(log, longest), [[0, "ok"]]);
    const tooLong = "é".repeat(32768); // 65536 bytes
    await assert.rejects(log.createQueue(tooLong), RangeError);
    await assert.rejects(log.appendRecord(tooLong, bytes("x")), RangeError);
  });
});

test("queues: a queue name that is not a string is a TypeError", async () => {
  await withLog(async (log) => {
    const bad = 42 as never;
    await assert.rejects(log.createQueue(bad), TypeError);
    await assert.rejects(log.appendRecord(bad, bytes("x")), TypeError);
    await assert.rejects(log.truncate(bad, 0), TypeError);
    await assert.rejects(log.deleteQueue(bad), TypeError);
  });
});
