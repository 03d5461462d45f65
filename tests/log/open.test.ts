/** Opening and closing a log: directories, options, closed-log errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  LogClosedError,
  LogReadOnlyError,
  MultiRecordLog,
  NotADirectoryError,
  type ReadOnlyLog,
} from "../../mod.ts";
import { inTempDir, tempDir } from "../helpers/temp.ts";
import { walFiles, withLog } from "../helpers/log.ts";
import { countingFileSystem } from "../helpers/counting_fs.ts";

test("open: a missing directory is created, with its parents, and gets wal file 0", async () => {
  const dir = await tempDir();
  try {
    const path = join(dir.path, "a", "b");
    const log = await MultiRecordLog.open(path);
    await log.close();
    assert.equal((await stat(path)).isDirectory(), true);
    assert.deepEqual(await walFiles(path), ["wal-00000000000000000000"]);
  } finally {
    await dir.cleanup();
  }
});

test("open: the first wal file is preallocated to the file size", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 32768 * 3 });
    await log.close();
    assert.equal((await stat(join(dir.path, "wal-00000000000000000000"))).size, 32768 * 3);
  } finally {
    await dir.cleanup();
  }
});

test("open: a path that is a file is refused with NotADirectoryError naming it", async () => {
  const dir = await tempDir();
  try {
    const path = join(dir.path, "file");
    await writeFile(path, "x");
    const err = await MultiRecordLog.open(path).catch((e) => e);
    assert.ok(err instanceof NotADirectoryError);
    assert.equal(err.code, "NOT_A_DIRECTORY");
    assert.equal(err.path, path);
    assert.match(err.message, /file/);
  } finally {
    await dir.cleanup();
  }
});

test("open: other files in the directory are ignored and left alone", async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir.path, "README"), "hello");
    await writeFile(join(dir.path, "wal-1"), "not a wal file name");
    const log = await MultiRecordLog.open(dir.path);
    assert.deepEqual(log.listQueues(), []);
    await log.close();
    assert.equal((await stat(join(dir.path, "README"))).size, 5);
  } finally {
    await dir.cleanup();
  }
});

test("open: fileSize that is not a positive multiple of 32768 is an InvalidArgumentError naming it", async () => {
  for (const fileSize of [0, 1000, 32768 + 1, -32768, 1.5 * 32768, NaN]) {
    await assert.rejects(
      MultiRecordLog.open("/nonexistent/never-created", { fileSize }),
      {
        name: "InvalidArgumentError",
        code: "INVALID_ARGUMENT",
        argument: "fileSize",
        kind: "range",
      },
    );
  }
});

test("open: a malformed persist policy is refused with an InvalidArgumentError naming the field", async () => {
  const bad: [unknown, string, string][] = [
    [{ kind: "sometimes" }, "persistPolicy.kind", "range"],
    [{ kind: "always", action: "sync" }, "persistPolicy.action", "range"],
    [{ kind: "interval", action: "flush", intervalMs: -1 }, "persistPolicy.intervalMs", "range"],
    [{ kind: "interval", action: "flush" }, "persistPolicy.intervalMs", "type"],
    ["always", "persistPolicy", "type"],
  ];
  for (const [persistPolicy, argument, kind] of bad) {
    await assert.rejects(
      MultiRecordLog.open("/nonexistent/never-created", { persistPolicy: persistPolicy as never }),
      { name: "InvalidArgumentError", argument, kind },
    );
  }
});

test("open: dir must be a non-empty string", async () => {
  await assert.rejects(MultiRecordLog.open(42 as never), {
    name: "InvalidArgumentError",
    argument: "dir",
    kind: "type",
  });
  await assert.rejects(MultiRecordLog.open(""), {
    name: "InvalidArgumentError",
    argument: "dir",
    kind: "range",
  });
});

test("close: every later call fails with LogClosedError naming the directory", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("q");
    await log.close();
    const sync = [
      () => log.queueExists("q"),
      () => log.listQueues(),
      () => log.range("q"),
      () => log.lastPosition("q"),
      () => log.lastRecord("q"),
      () => log.summary(),
      () => log.resourceUsage(),
    ];
    for (const call of sync) {
      assert.throws(call, (err) => err instanceof LogClosedError && err.dir === dir.path);
    }
    const async = [
      () => log.createQueue("x"),
      () => log.deleteQueue("q"),
      () => log.appendRecord("q", new Uint8Array(1)),
      () => log.appendRecords("q", [new Uint8Array(1)]),
      () => log.truncate("q", 0),
      () => log.persist("fsync"),
    ];
    for (const call of async) {
      await assert.rejects(
        call(),
        (err) => err instanceof LogClosedError && err.code === "LOG_CLOSED",
      );
    }
  } finally {
    await dir.cleanup();
  }
});

test("close: closing twice is harmless: the second close does nothing, at once or later", async () => {
  const { fs, counts } = countingFileSystem();
  await withLog({ fs, queues: ["q"] }, async (log, dir) => {
    await log.appendRecord("q", new Uint8Array([7]));
    const [first, second] = await Promise.all([log.close(), log.close()]);
    assert.equal(first, undefined);
    assert.equal(second, undefined);
    assert.equal(counts.close, counts.openFile, "every file closed exactly once");
    const after = { ...counts };
    assert.equal(await log.close(), undefined);
    assert.deepEqual(counts, after, "no file-system call");
    assert.throws(() => log.listQueues(), LogClosedError);
    const reopened = await MultiRecordLog.open(dir); // the directory was given up
    assert.deepEqual([...reopened.range("q")], [{ position: 0, payload: new Uint8Array([7]) }]);
    await reopened.close();
  });
});

test("close: writes called before close() finish before the log closes", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { persistPolicy: { kind: "never" } });
    await log.createQueue("q");
    const appends = [];
    for (let i = 0; i < 20; i++) appends.push(log.appendRecord("q", new Uint8Array([i])));
    const closed = log.close();
    await assert.rejects(log.appendRecord("q", new Uint8Array(1)), LogClosedError);
    await Promise.all(appends);
    await closed;
    const reopened = await MultiRecordLog.open(dir.path);
    assert.equal(reopened.lastPosition("q"), 19);
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("close: `await using` closes the log at the end of the block", async () => {
  const dir = await tempDir();
  try {
    let escaped: MultiRecordLog;
    {
      await using log = await MultiRecordLog.open(dir.path);
      await log.createQueue("q");
      escaped = log;
    }
    assert.throws(() => escaped.listQueues(), LogClosedError);
  } finally {
    await dir.cleanup();
  }
});

test("open: a compaction's temporary file left by a crash is removed by a writable open, kept by a read-only one", async () => {
  const dir = await tempDir();
  try {
    await (await MultiRecordLog.open(dir.path)).close();
    const temp = join(dir.path, "wal-compaction.tmp");
    await writeFile(temp, new Uint8Array(100));
    await (await MultiRecordLog.open(dir.path, { readOnly: true })).close();
    assert.equal((await stat(temp)).size, 100);
    await (await MultiRecordLog.open(dir.path)).close();
    assert.equal(await stat(temp).catch((e) => e.code), "ENOENT");
    assert.deepEqual(await walFiles(dir.path), ["wal-00000000000000000000"]);
  } finally {
    await dir.cleanup();
  }
});

test("close: payload views taken before close keep their bytes while later logs fill memory", async () => {
  const first = await tempDir();
  const second = await tempDir();
  try {
    const log = await MultiRecordLog.open(first.path);
    await log.createQueue("q");
    await log.appendRecords("q", [new Uint8Array(3000).fill(7), new Uint8Array(70_000).fill(8)]);
    const views = [...log.range("q")].map((r) => r.payload);
    await log.close(); // gives the queue's memory back
    const other = await MultiRecordLog.open(second.path);
    await other.createQueue("q");
    for (let i = 0; i < 64; i++) await other.appendRecord("q", new Uint8Array(32_768).fill(1));
    await other.close();
    assert.deepEqual(views.map((v) => [v.length, [...new Set(v)]]), [[3000, [7]], [70_000, [8]]]);
  } finally {
    await first.cleanup();
    await second.cleanup();
  }
});

test("close: a range iterator still going when the log closes ends there", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("q");
    await log.appendRecords("q", [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])]);
    const records = log.range("q");
    assert.deepEqual([...records.next().value!.payload], [1]);
    await log.close();
    assert.deepEqual(records.next(), { done: true, value: undefined });
  } finally {
    await dir.cleanup();
  }
});

test("read-only: a log opened with { readOnly: true } is typed ReadOnlyLog: its reads and close(), no writes", async () => {
  await inTempDir(async (dir) => {
    const writer = await MultiRecordLog.open(dir);
    await writer.createQueue("q");
    await writer.appendRecord("q", new Uint8Array([7]));
    await writer.close();
    const log: ReadOnlyLog = await MultiRecordLog.open(dir, { readOnly: true });
    assert.deepEqual([...log.range("q")].map((r) => [r.position, r.payload[0]]), [[0, 7]]);
    assert.equal(log.lockKind, "none");
    // @ts-expect-error: the type of a read-only log has no writes (the call itself is refused too)
    await assert.rejects(log.appendRecord("q", new Uint8Array(1)), LogReadOnlyError);
    await log.close();
  });
});
