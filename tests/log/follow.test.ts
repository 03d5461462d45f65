/** Following a queue: retained records, then new ones as they are appended. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError, MultiRecordLog, QueueNotFoundError } from "../../mod.ts";
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

test("follow: aborting the signal while next() waits rejects it with the signal's reason, then the iteration is done", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    const controller = new AbortController();
    const iterator = log.follow("q", { signal: controller.signal });
    const waiting = iterator.next();
    const reason = new Error("client went away");
    controller.abort(reason);
    assert.equal(await waiting.catch((e) => e), reason);
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    await log.appendRecord("q", bytes("a")); // wakes nobody: the follower was released
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
  });
});

test("follow: a signal aborted before the call rejects the first next() with its reason", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecord("q", bytes("a"));
    const reason = new Error("already aborted");
    const iterator = log.follow("q", { signal: AbortSignal.abort(reason) });
    assert.equal(await iterator.next().catch((e) => e), reason);
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
  });
});

test("follow: records already retained are yielded until the signal aborts", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecords("q", [bytes("a"), bytes("b")]);
    const controller = new AbortController();
    const iterator = log.follow("q", { signal: controller.signal });
    assert.equal(text((await iterator.next()).value!.payload), "a");
    controller.abort();
    const err = await iterator.next().catch((e) => e);
    assert.equal(err, controller.signal.reason);
    assert.equal((err as Error).name, "AbortError");
  });
});

test("stream: yields the retained records, then new ones as they are appended", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecords("q", [bytes("a"), bytes("b")]);
    const reader = log.stream("q", { start: 1 }).getReader();
    const first = await reader.read();
    assert.deepEqual([first.done, first.value?.position, text(first.value!.payload)], [
      false,
      1,
      "b",
    ]);
    const next = reader.read();
    await log.appendRecord("q", bytes("c"));
    const second = await next;
    assert.deepEqual([second.value?.position, text(second.value!.payload)], [2, "c"]);
    await reader.cancel();
  });
});

test("stream: cancelling it releases the follower; the log closes and appends keep working", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    const stream = log.stream("q");
    const reader = stream.getReader();
    const pending = reader.read();
    await reader.cancel();
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.equal((await log.appendRecord("q", bytes("a"))).lastPosition, 0);
  });
});

test("stream: ends when the log is closed", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("q");
    const reader = log.stream("q").getReader();
    const pending = reader.read();
    await log.close();
    assert.deepEqual(await pending, { done: true, value: undefined });
  } finally {
    await dir.cleanup();
  }
});

test("stream: a missing queue errors the stream with QueueNotFoundError", async () => {
  await withLog({}, async (log) => {
    const err = await log.stream("nope").getReader().read().catch((e) => e);
    assert.ok(err instanceof QueueNotFoundError);
    assert.equal(err.queue, "nope");
  });
});

test("stream: aborting the signal errors the stream with the signal's reason", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    const controller = new AbortController();
    const reader = log.stream("q", { signal: controller.signal }).getReader();
    const pending = reader.read();
    const reason = new Error("stop");
    controller.abort(reason);
    assert.equal(await pending.catch((e) => e), reason);
  });
});

test("follow: a signal that is not an AbortSignal rejects the first next() with an InvalidArgumentError naming the queue", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    const err = await log.follow("q", { signal: 5 as never }).next().catch((e) => e);
    assert.ok(err instanceof InvalidArgumentError, String(err));
    assert.deepEqual([err.argument, err.kind], ["signal", "type"]);
    assert.equal(err.message, 'signal for following queue "q" must be an AbortSignal, got 5');
    await assert.rejects(log.stream("q", { signal: {} as never }).getReader().read(), {
      name: "InvalidArgumentError",
      argument: "signal",
    });
  });
});
