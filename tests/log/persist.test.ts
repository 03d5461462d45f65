/** Persist policies and group commit: what reaches the file, and how many syncs it takes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog, type PersistPolicy } from "../../mod.ts";
import { bytes, tempDir } from "../helpers/temp.ts";
import { usedLength, walBytes } from "../helpers/log.ts";
import { countingFileSystem } from "../helpers/counting_fs.ts";

async function withPolicy(
  persistPolicy: PersistPolicy,
  fn: (
    log: MultiRecordLog,
    dir: string,
    counts: ReturnType<typeof countingFileSystem>["counts"],
  ) => Promise<void>,
): Promise<void> {
  const dir = await tempDir();
  const { fs, counts } = countingFileSystem();
  const log = await MultiRecordLog.open(dir.path, { persistPolicy, fs });
  try {
    await log.createQueue("q");
    await fn(log, dir.path, counts);
  } finally {
    await log.close();
    await dir.cleanup();
  }
}

const CREATE_BYTES = 19;
const RECORD_5_BYTES = 7 + 11 + 1 + 12 + 5;

test("persist: always/flush (the default) hands each append to the OS before it resolves", async () => {
  await withPolicy({ kind: "always", action: "flush" }, async (log, dir, counts) => {
    const syncs = counts.datasync;
    await log.appendRecord("q", bytes("hello"));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORD_5_BYTES);
    assert.equal(counts.datasync, syncs, "flush does not fsync");
  });
});

test("persist: always/fsync fsyncs before each append resolves", async () => {
  await withPolicy({ kind: "always", action: "fsync" }, async (log, dir, counts) => {
    const syncs = counts.datasync;
    await log.appendRecord("q", bytes("hello"));
    assert.equal(counts.datasync, syncs + 1);
    await log.appendRecord("q", bytes("world"));
    assert.equal(counts.datasync, syncs + 2);
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + 2 * RECORD_5_BYTES);
  });
});

test("persist: appends called together share one write and one fsync (group commit)", async () => {
  await withPolicy({ kind: "always", action: "fsync" }, async (log, dir, counts) => {
    const [writes, syncs] = [counts.write, counts.datasync];
    const outcomes = await Promise.all(
      Array.from(
        { length: 64 },
        (_, i) => log.appendRecord("q", bytes(`r${String(i).padStart(3, "0")}`)),
      ),
    );
    assert.deepEqual(outcomes.map((o) => o.lastPosition), [...Array(64).keys()]);
    assert.equal(counts.write, writes + 1);
    assert.equal(counts.datasync, syncs + 1);
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + 64 * (7 + 11 + 1 + 12 + 4));
  });
});

test("persist: never keeps appends in the process until persist() is called", async () => {
  await withPolicy({ kind: "never" }, async (log, dir) => {
    await log.appendRecord("q", bytes("hello"));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES);
    assert.deepEqual(
      log.lastRecord("q"),
      { position: 0, payload: bytes("hello") },
      "readable at once",
    );
    await log.persist("flush");
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORD_5_BYTES);
  });
});

test("persist: never still hands bytes to the OS once more than 1 MiB is buffered", async () => {
  await withPolicy({ kind: "never" }, async (log, dir) => {
    await log.appendRecord("q", new Uint8Array(600 * 1024).fill(1));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES);
    await log.appendRecord("q", new Uint8Array(600 * 1024).fill(2));
    assert.ok(usedLength(await walBytes(dir)) > 1200 * 1024);
  });
});

test("persist: persist('fsync') flushes and fsyncs what was buffered", async () => {
  await withPolicy({ kind: "never" }, async (log, dir, counts) => {
    await log.appendRecord("q", bytes("hello"));
    const syncs = counts.datasync;
    await log.persist("fsync");
    assert.equal(counts.datasync, syncs + 1);
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORD_5_BYTES);
  });
});

test("persist: an interval not yet elapsed does not persist; the write after it does", async () => {
  await withPolicy(
    { kind: "interval", intervalMs: 3_600_000, action: "flush" },
    async (log, dir) => {
      await log.appendRecord("q", bytes("hello"));
      assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES);
    },
  );
  await withPolicy({ kind: "interval", intervalMs: 0, action: "flush" }, async (log, dir) => {
    await log.appendRecord("q", bytes("hello"));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORD_5_BYTES);
  });
});

test("persist: creating and deleting queues are fsynced whatever the policy", async () => {
  await withPolicy({ kind: "never" }, async (log, _dir, counts) => {
    const syncs = counts.datasync;
    await log.createQueue("other");
    assert.equal(counts.datasync, syncs + 1);
    await log.deleteQueue("other");
    assert.equal(counts.datasync, syncs + 2);
  });
});

test("persist: close() flushes and fsyncs what was buffered", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { persistPolicy: { kind: "never" } });
    await log.createQueue("q");
    await log.appendRecord("q", bytes("hello"));
    await log.close();
    assert.equal(usedLength(await walBytes(dir.path)), CREATE_BYTES + RECORD_5_BYTES);
  } finally {
    await dir.cleanup();
  }
});

test("persist: an unknown action is a TypeError", async () => {
  await withPolicy({ kind: "never" }, async (log) => {
    await assert.rejects(log.persist("sync" as never), TypeError);
  });
});
