/** Typed views of a queue: values in and out through a codec, over the binary API. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { jsonCodec, PayloadDecodeError, QueueNotFoundError, textCodec } from "../../mod.ts";
import { bytes, text } from "../helpers/temp.ts";
import { withLog } from "../helpers/log.ts";

test("typed queue: text values are appended as UTF-8 payloads and read back as strings", async () => {
  await withLog({ queues: ["lines"] }, async (log) => {
    const lines = log.queue("lines", textCodec);
    assert.equal((await lines.append("héllo")).lastPosition, 0);
    assert.equal((await lines.appendAll(["a", "b"])).lastPosition, 2);
    assert.deepEqual([...lines.range()], [
      { position: 0, value: "héllo" },
      { position: 1, value: "a" },
      { position: 2, value: "b" },
    ]);
    assert.deepEqual([...log.range("lines")].map((r) => text(r.payload)), ["héllo", "a", "b"]);
    assert.deepEqual(lines.lastRecord(), { position: 2, value: "b" });
  });
});

test("typed queue: JSON values round-trip, with range bounds and explicit positions", async () => {
  await withLog({ queues: ["orders"] }, async (log) => {
    const orders = log.queue("orders", jsonCodec<{ id: number; tags: string[] }>());
    await orders.appendAll([{ id: 1, tags: [] }, { id: 2, tags: ["x"] }], { position: 5 });
    assert.deepEqual([...orders.range({ start: 6 })], [{
      position: 6,
      value: { id: 2, tags: ["x"] },
    }]);
    assert.equal(text([...log.range("orders")][0].payload), '{"id":1,"tags":[]}');
  });
});

test("typed queue: follow yields decoded values, then new ones; breaking out releases it", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    const q = log.queue("q", jsonCodec<number>());
    await q.append(1);
    const seen: number[] = [];
    const done = (async () => {
      for await (const { value } of q.follow()) {
        seen.push(value);
        if (seen.length === 2) break;
      }
    })();
    await new Promise((r) => setTimeout(r, 5));
    await q.append(2);
    await done;
    assert.deepEqual(seen, [1, 2]);
    assert.equal((await q.append(3)).lastPosition, 2);
  });
});

test("typed queue: a payload the codec cannot decode is a PayloadDecodeError naming queue and position", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecords("q", [bytes('"ok"'), bytes("{not json")]);
    const q = log.queue("q", jsonCodec<string>());
    const read: string[] = [];
    const err = (() => {
      try {
        for (const r of q.range()) read.push(r.value);
      } catch (e) {
        return e;
      }
    })();
    assert.deepEqual(read, ["ok"]);
    assert.ok(err instanceof PayloadDecodeError);
    assert.equal(err.code, "PAYLOAD_DECODE");
    assert.equal(err.queue, "q");
    assert.equal(err.position, 1);
    assert.ok(err.cause instanceof SyntaxError);
    assert.throws(() => q.lastRecord(), PayloadDecodeError);
  });
});

test("typed queue: bytes that are not UTF-8 are a PayloadDecodeError for the text codec", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecord("q", new Uint8Array([0xff, 0xfe]));
    const err = (() => {
      try {
        log.queue("q", textCodec).lastRecord();
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof PayloadDecodeError);
    assert.ok(err.cause instanceof TypeError);
  });
});

test("typed queue: a value the codec refuses rejects the whole batch before anything is written", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    const json = log.queue("q", jsonCodec<unknown>());
    await assert.rejects(json.appendAll([1, undefined]), {
      name: "InvalidArgumentError",
      argument: "value",
      kind: "type",
      message: "jsonCodec cannot encode undefined as JSON: pass a value JSON.stringify can write",
    });
    await assert.rejects(log.queue("q", textCodec).append(42 as never), {
      name: "InvalidArgumentError",
      argument: "value",
      kind: "type",
      message: "textCodec encodes strings, got number: use jsonCodec() for other values",
    });
    assert.equal(log.lastPosition("q"), undefined);
  });
});

test("typed queue: a missing queue fails as the binary calls do", async () => {
  await withLog({}, async (log) => {
    const q = log.queue("nope", textCodec);
    await assert.rejects(q.append("x"), QueueNotFoundError);
    assert.throws(() => [...q.range()], QueueNotFoundError);
    await assert.rejects(q.follow().next(), QueueNotFoundError);
  });
});

test("typed queue: a codec without encode and decode is an InvalidArgumentError naming the queue", async () => {
  await withLog({ queues: ["q"] }, (log) => {
    assert.throws(() => log.queue("q", {} as never), {
      name: "InvalidArgumentError",
      argument: "codec",
      kind: "type",
      message: 'codec for queue "q" must have encode and decode functions',
    });
    return Promise.resolve();
  });
});

test("typed queue: appendAll of something that is not iterable is an InvalidArgumentError, and nothing is written", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await assert.rejects(log.queue("q", textCodec).appendAll(5 as never), {
      name: "InvalidArgumentError",
      argument: "values",
      kind: "type",
      message: 'values for queue "q" must be an iterable, got number',
    });
    assert.equal(log.lastPosition("q"), undefined);
  });
});
