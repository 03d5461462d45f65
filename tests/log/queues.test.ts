/** Creating, deleting and naming queues. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import {
  InvalidQueueNameError,
  MrlError,
  MultiRecordLog,
  QueueAlreadyExistsError,
  QueueNotFoundError,
} from "../../mod.ts";
import { bytes, tempDir } from "../helpers/temp.ts";
import { contents, withLog } from "../helpers/log.ts";

test("queues: a created queue exists, is listed, and is empty with no last position", async () => {
  await withLog({}, async (log) => {
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
  await withLog({}, async (log) => {
    await log.createQueue("a");
    const err = await log.createQueue("a").catch((e) => e);
    assert.ok(err instanceof QueueAlreadyExistsError);
    assert.equal(err.code, "QUEUE_ALREADY_EXISTS");
    assert.equal(err.queue, "a");
    assert.match(err.message, /"a"/);
  });
});

test("queues: every call on a missing queue fails with QueueNotFoundError naming it", async () => {
  await withLog({}, async (log) => {
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

test("queues: a name of exactly 65535 UTF-8 bytes works; one byte more is an InvalidQueueNameError", async () => {
  await withLog({}, async (log) => {
    const longest = "é".repeat(32767) + "x"; // 2 * 32767 + 1 = 65535 bytes
    await log.createQueue(longest);
    await log.appendRecord(longest, bytes("ok"));
    assert.deepEqual(contents(log, longest), [[0, "ok"]]);
    const tooLong = "é".repeat(32768); // 65536 bytes
    await assert.rejects(log.createQueue(tooLong), InvalidQueueNameError);
    await assert.rejects(log.appendRecord(tooLong, bytes("x")), InvalidQueueNameError);
  });
});

test("queues: a queue name that is not a string is an InvalidArgumentError naming the queue argument", async () => {
  await withLog({}, async (log) => {
    const bad = 42 as never;
    const refused = {
      name: "InvalidArgumentError",
      code: "INVALID_ARGUMENT",
      argument: "queue",
      kind: "type",
      message: "queue name must be a string, got 42",
    };
    await assert.rejects(log.createQueue(bad), refused);
    await assert.rejects(log.appendRecord(bad, bytes("x")), refused);
    await assert.rejects(log.truncate(bad, 0), refused);
    await assert.rejects(log.deleteQueue(bad), refused);
  });
});

/** Names that are not well-formed UTF-16: a lone high surrogate, a lone low one, a reversed pair. */
const illFormed = ["\uD800", "a\uDFFFb", "\uDE00\uD83D"];

/** Every file of a directory with its bytes (base64). */
async function dirBytes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = Buffer.from(await readFile(join(dir, name))).toString("base64");
  }
  return out;
}

/** Checks that `err` is the refusal of `name` as not well-formed. */
function isIllFormed(name: string): (err: unknown) => boolean {
  return (err) =>
    err instanceof MrlError && err instanceof InvalidQueueNameError &&
    err.code === "INVALID_QUEUE_NAME" && err.reason === "not-well-formed" && err.queue === name;
}

test("queues: a name that is not well-formed UTF-16 is an InvalidQueueNameError on every call that takes a queue name", async () => {
  await withLog({}, async (log) => {
    await log.createQueue("\uFFFD"); // what such a name used to turn into on disk
    await log.appendRecord("\uFFFD", bytes("x"));
    for (const name of illFormed) {
      const refused = isIllFormed(name);
      await assert.rejects(log.createQueue(name), refused);
      await assert.rejects(log.deleteQueue(name), refused);
      await assert.rejects(log.appendRecord(name, bytes("x")), refused);
      await assert.rejects(log.appendRecords(name, [bytes("x")], { position: 3 }), refused);
      await assert.rejects(log.truncate(name, 0), refused);
      assert.throws(() => log.queueExists(name), refused);
      assert.throws(() => log.range(name), refused);
      assert.throws(() => log.lastPosition(name), refused);
      assert.throws(() => log.lastRecord(name), refused);
      await assert.rejects(log.follow(name).next(), refused);
    }
    assert.deepEqual(log.listQueues(), ["\uFFFD"]);
    assert.deepEqual(contents(log, "\uFFFD"), [[0, "x"]]);
  });
});

test("queues: refused ill-formed names write nothing: the directory keeps every byte and reopens as it was", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 32768 * 4 });
    await log.createQueue("q");
    await log.appendRecord("q", bytes("kept"));
    const before = await dirBytes(dir.path);
    for (const name of illFormed) {
      await log.createQueue(name).catch(() => {});
      await log.appendRecord(name, bytes("lost?")).catch(() => {});
      await log.truncate(name, 5).catch(() => {});
      await log.deleteQueue(name).catch(() => {});
    }
    assert.deepEqual(await dirBytes(dir.path), before);
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: 32768 * 4 });
    assert.deepEqual(reopened.listQueues(), ["q"]);
    assert.deepEqual(contents(reopened, "q"), [[0, "kept"]]);
    assert.deepEqual(reopened.recovery.issues, []);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("queues: the refusal of an ill-formed name shows it escaped and says what to do", async () => {
  await withLog({}, async (log) => {
    const err = await log.createQueue("ab\uD800").catch((e) => e);
    assert.equal(err.name, "InvalidQueueNameError");
    assert.equal(
      err.message,
      'queue name "ab\\ud800" is not well-formed UTF-16: the lone surrogate at index 2 ' +
        "has no UTF-8 encoding, so the name would not survive a reopen; " +
        "use a name whose every high surrogate (\\uD800-\\uDBFF) is followed by a low one (\\uDC00-\\uDFFF)",
    );
  });
});

test("queues: well-formed astral names (surrogate pairs) round-trip through reopening", async () => {
  const names = ["\u{1F600}", "\uD83D\uDE00-\u{10FFFF}", "\u{20000}x"];
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    for (const name of names) {
      await log.createQueue(name);
      await log.appendRecords(name, [bytes(`${name}-0`), bytes(`${name}-1`)]);
    }
    await log.truncate(names[0], 0);
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path);
    assert.deepEqual(reopened.listQueues().sort(), [...names].sort());
    assert.deepEqual(contents(reopened, names[0]), [[1, `${names[0]}-1`]]);
    assert.deepEqual(contents(reopened, names[1]), [[0, `${names[1]}-0`], [1, `${names[1]}-1`]]);
    assert.deepEqual(contents(reopened, names[2]), [[0, `${names[2]}-0`], [1, `${names[2]}-1`]]);
    assert.deepEqual(reopened.recovery.issues, []);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("queues: a name over 65535 UTF-8 bytes is the same InvalidQueueNameError, with reason too-long", async () => {
  await withLog({}, async (log) => {
    const tooLong = "\u{1F600}".repeat(16384); // 4 bytes each: 65536
    const err = await log.createQueue(tooLong).catch((e) => e);
    assert.ok(err instanceof MrlError && err instanceof InvalidQueueNameError, String(err));
    assert.equal(err.code, "INVALID_QUEUE_NAME");
    assert.equal(err.reason, "too-long");
    assert.equal(err.queue, tooLong);
    assert.match(err.message, / is 65536 UTF-8 bytes; the limit is 65535: use a shorter name$/);
    assert.throws(() => log.range(tooLong), InvalidQueueNameError);
  });
});

/** Names that are also properties of every plain object (`Object.prototype`). */
const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];

test("queues: names of Object.prototype properties (__proto__, constructor, ...) are queues like any other, in summary() too", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 65536 });
    for (const [i, name] of PROTOTYPE_NAMES.entries()) {
      await log.createQueue(name);
      await log.appendRecords(name, [bytes(`${name} 0`), bytes(`${name} 1`)]);
      if (i % 2 === 0) await log.truncate(name, 0); // some truncated, some not
    }
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: 65536, readOnly: true });
    try {
      assert.deepEqual(reopened.listQueues().sort(), [...PROTOTYPE_NAMES].sort());
      const summary = reopened.summary();
      assert.deepEqual(Object.keys(summary.queues).sort(), [...PROTOTYPE_NAMES].sort());
      assert.deepEqual(
        Object.keys(summary.files["wal-00000000000000000000"].queues).sort(),
        [
          ...PROTOTYPE_NAMES,
        ].sort(),
      );
      for (const [i, name] of PROTOTYPE_NAMES.entries()) {
        const start = i % 2 === 0 ? 1 : 0;
        assert.deepEqual(Object.getOwnPropertyDescriptor(summary.queues, name)?.value, {
          start,
          end: 1,
          fileNumber: 0,
        }, name);
        assert.deepEqual(contents(reopened, name).map(([p]) => p), start === 1 ? [1] : [0, 1]);
      }
      // Reading the summary's dictionaries by a name never finds an inherited property.
      assert.equal(summary.queues["nope"], undefined);
      assert.equal(Object.getPrototypeOf(summary.queues), null);
    } finally {
      await reopened.close();
    }
  } finally {
    await dir.cleanup();
  }
});
