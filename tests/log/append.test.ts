/** Appending: positions, batches, bad input, concurrency. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError, MultiRecordLog, PositionInPastError } from "../../mod.ts";
import { bytes, pseudoRandomBytes, tempDir } from "../helpers/temp.ts";
import { contents, usedLength, walBytes, withLog } from "../helpers/log.ts";

test("append: records get consecutive positions from 0 and lastPosition reports the last", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    assert.deepEqual((await log.appendRecord("q", bytes("a"))).lastPosition, 0);
    assert.deepEqual((await log.appendRecords("q", [bytes("b"), bytes("c")])).lastPosition, 2);
    assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"], [2, "c"]]);
    assert.equal(log.lastPosition("q"), 2);
    assert.deepEqual(log.lastRecord("q"), { position: 2, payload: bytes("c") });
  });
});

test("append: walBytesWritten counts frame header, record header, queue name and items", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    // 7 (frame) + 11 (record header) + 1 ("q") + 2 * 12 (item headers) + 3 + 4 (payloads)
    assert.deepEqual(await log.appendRecords("q", [bytes("abc"), bytes("defg")]), {
      lastPosition: 1,
      walBytesWritten: 7 + 11 + 1 + 24 + 7,
    });
  });
});

test("append: an explicit position above the next one makes the queue jump forward", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecord("q", bytes("zero"));
    assert.equal(
      (await log.appendRecords("q", [bytes("ten"), bytes("eleven")], { position: 10 }))
        .lastPosition,
      11,
    );
    assert.equal((await log.appendRecord("q", bytes("twelve"))).lastPosition, 12);
    assert.deepEqual(contents(log, "q"), [[0, "zero"], [10, "ten"], [11, "eleven"], [
      12,
      "twelve",
    ]]);
    assert.deepEqual(contents(log, "q").length, 4);
  });
});

test("append: an explicit position equal to the last position is an idempotent no-op", async () => {
  await withLog({ queues: ["q"] }, async (log, dir) => {
    await log.appendRecords("q", [bytes("a"), bytes("b")]);
    const before = usedLength(await walBytes(dir));
    assert.deepEqual(await log.appendRecord("q", bytes("b-again"), { position: 1 }), {
      lastPosition: undefined,
      walBytesWritten: 0,
    });
    assert.equal(usedLength(await walBytes(dir)), before);
    assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"]]);
  });
});

test("append: an explicit position below the next one rejects with PositionInPastError", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecords("q", [bytes("a"), bytes("b"), bytes("c")]);
    const err = await log.appendRecord("q", bytes("x"), { position: 0 }).catch((e) => e);
    assert.ok(err instanceof PositionInPastError);
    assert.deepEqual(
      { code: err.code, queue: err.queue, position: err.position, nextPosition: err.nextPosition },
      { code: "POSITION_IN_PAST", queue: "q", position: 0, nextPosition: 3 },
    );
    assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"], [2, "c"]]);
  });
});

test("append: an empty batch writes nothing and appends nothing", async () => {
  await withLog({ queues: ["q"] }, async (log, dir) => {
    await log.appendRecord("q", bytes("a"));
    const before = usedLength(await walBytes(dir));
    assert.deepEqual(await log.appendRecords("q", []), {
      lastPosition: undefined,
      walBytesWritten: 0,
    });
    assert.deepEqual(await log.appendRecords("q", new Set<Uint8Array>()), {
      lastPosition: undefined,
      walBytesWritten: 0,
    });
    assert.equal(usedLength(await walBytes(dir)), before);
    assert.equal(log.lastPosition("q"), 0);
  });
});

test("append: empty payloads are records too", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    await log.appendRecords("q", [new Uint8Array(0), bytes("x"), new Uint8Array(0)]);
    assert.deepEqual(contents(log, "q"), [[0, ""], [1, "x"], [2, ""]]);
  });
});

test("append: any iterable of Uint8Array is accepted (generators, Node Buffers)", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    function* gen() {
      yield bytes("g0");
      yield bytes("g1");
    }
    await log.appendRecords("q", gen());
    const { Buffer } = await import("node:buffer");
    await log.appendRecord("q", Buffer.from("buf"));
    assert.deepEqual(contents(log, "q"), [[0, "g0"], [1, "g1"], [2, "buf"]]);
  });
});

test("append: a payload that is not a Uint8Array is an InvalidArgumentError naming the queue and the payload, and nothing is appended", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    const bad = ["text", [1, 2], new ArrayBuffer(4), new Uint16Array(2), null, undefined, 7];
    for (const payload of bad) {
      await assert.rejects(
        log.appendRecord("q", payload as never),
        (err) =>
          err instanceof InvalidArgumentError && err.argument === "payloads[0]" &&
          err.kind === "type" && /"q"/.test(err.message),
      );
    }
    await assert.rejects(log.appendRecords("q", [bytes("ok"), "bad" as never]), {
      name: "InvalidArgumentError",
      argument: "payloads[1]",
      kind: "type",
      message: 'payload 1 for queue "q" must be a Uint8Array, got "bad"',
    });
    await assert.rejects(log.appendRecords("q", 5 as never), {
      name: "InvalidArgumentError",
      argument: "payloads",
      kind: "type",
    });
    assert.equal(log.lastPosition("q"), undefined);
  });
});

test("append: a position that is not a safe non-negative integer is an InvalidArgumentError naming it", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    for (const position of [-1, 1.5, NaN, Infinity, 2 ** 53, "3"]) {
      await assert.rejects(
        log.appendRecord("q", bytes("x"), { position: position as never }),
        {
          name: "InvalidArgumentError",
          argument: "position",
          kind: typeof position === "number" ? "range" : "type",
        },
      );
    }
    assert.equal(log.lastPosition("q"), undefined);
  });
});

test("append: positions up to Number.MAX_SAFE_INTEGER work and survive reopening; past it is an InvalidArgumentError", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("q");
    const top = Number.MAX_SAFE_INTEGER;
    await log.appendRecord("q", bytes("top"), { position: top });
    await assert.rejects(log.appendRecord("q", bytes("over")), {
      name: "InvalidArgumentError",
      argument: "payloads",
      kind: "range",
      message: 'queue "q" would go past position Number.MAX_SAFE_INTEGER (positions ' +
        `${top + 1} to ${top + 1}): append at a lower position, or fewer records`,
    });
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path);
    assert.deepEqual(contents(reopened, "q"), [[top, "top"]]);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("append: the payload buffer may be reused as soon as the call returns", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    const buffer = bytes("first");
    const pending = log.appendRecord("q", buffer);
    buffer.set(bytes("XXXXX"));
    await pending;
    assert.deepEqual(contents(log, "q"), [[0, "first"]]);
  });
});

test("append: records of 80 KB and 300 KB span blocks and come back intact after reopening", async () => {
  const dir = await tempDir();
  try {
    const big = [
      pseudoRandomBytes(80_000, 1),
      pseudoRandomBytes(300_000, 2),
      pseudoRandomBytes(32_768, 3),
    ];
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("big");
    await log.appendRecord("big", bytes("small"));
    for (const payload of big) await log.appendRecord("big", payload);
    await log.appendRecords("big", [pseudoRandomBytes(40_000, 4), pseudoRandomBytes(40_000, 5)]);
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path);
    const records = [...reopened.range("big")];
    assert.deepEqual(records.map((r) => r.position), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(records[1].payload, big[0]);
    assert.deepEqual(records[2].payload, big[1]);
    assert.deepEqual(records[3].payload, big[2]);
    assert.deepEqual(records[4].payload, pseudoRandomBytes(40_000, 4));
    assert.deepEqual(records[5].payload, pseudoRandomBytes(40_000, 5));
    assert.deepEqual(reopened.recovery.issues, []);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("append: calls made without awaiting are applied in call order, per queue and across queues", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await Promise.all([log.createQueue("a"), log.createQueue("b")]);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      const queue = i % 3 === 0 ? "b" : "a";
      calls.push(log.appendRecord(queue, bytes(`${queue}${i}`)));
    }
    const outcomes = (await Promise.all(calls)) as { lastPosition: number | undefined }[];
    const expectA: string[] = [];
    const expectB: string[] = [];
    for (let i = 0; i < 200; i++) {
      (i % 3 === 0 ? expectB : expectA).push(`${i % 3 === 0 ? "b" : "a"}${i}`);
    }
    assert.deepEqual(contents(log, "a").map(([, t]) => t), expectA);
    assert.deepEqual(contents(log, "b").map(([, t]) => t), expectB);
    assert.deepEqual(contents(log, "a").map(([p]) => p), expectA.map((_, i) => i));
    assert.deepEqual(
      outcomes.filter((_, i) => i % 3 === 0).map((o) => o.lastPosition),
      expectB.map((_, i) => i),
    );
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path);
    assert.deepEqual(contents(reopened, "a").map(([, t]) => t), expectA);
    assert.deepEqual(contents(reopened, "b").map(([, t]) => t), expectB);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("append: a failed call does not stop later calls", async () => {
  await withLog({ queues: ["q"] }, async (log) => {
    const results = await Promise.allSettled([
      log.appendRecords("q", [bytes("a"), bytes("b")]),
      log.appendRecord("missing", bytes("b")),
      log.appendRecord("q", bytes("c"), { position: 0 }),
      log.appendRecord("q", bytes("d")),
    ]);
    assert.deepEqual(results.map((r) => r.status), [
      "fulfilled",
      "rejected",
      "rejected",
      "fulfilled",
    ]);
    assert.deepEqual(contents(log, "q"), [[0, "a"], [1, "b"], [2, "d"]]);
  });
});
