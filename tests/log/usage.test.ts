/** resourceUsage() and summary(). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog } from "../../mod.ts";
import { tempDir } from "../helpers/temp.ts";

const METADATA_PER_RECORD = 20;

test("usage: memoryUsedBytes is payload bytes plus 20 bytes a record plus queue names", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 32768 * 4 });
    await log.createQueue("ab");
    await log.createQueue("c");
    assert.deepEqual(log.resourceUsage().memoryUsedBytes, 3);
    await log.appendRecords("ab", [new Uint8Array(100), new Uint8Array(50)]);
    await log.appendRecord("c", new Uint8Array(7));
    const usage = log.resourceUsage();
    assert.equal(usage.memoryUsedBytes, 157 + 3 * METADATA_PER_RECORD + 3);
    assert.ok(usage.memoryAllocatedBytes >= usage.memoryUsedBytes);
    assert.equal(usage.diskUsedBytes, 32768 * 4);
    await log.truncate("ab", 0);
    assert.equal(log.resourceUsage().memoryUsedBytes, 57 + 2 * METADATA_PER_RECORD + 3);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("usage: memory is given back when a queue is truncated", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { persistPolicy: { kind: "never" } });
    await log.createQueue("q");
    const payload = new Uint8Array(1000);
    for (let i = 0; i < 5000; i++) await log.appendRecord("q", payload);
    const full = log.resourceUsage().memoryAllocatedBytes;
    assert.ok(full >= 5_000_000);
    await log.truncate("q", 4899);
    const after = log.resourceUsage();
    assert.equal(after.memoryUsedBytes, 100 * (1000 + METADATA_PER_RECORD) + 1);
    assert.ok(
      after.memoryAllocatedBytes < full / 2,
      `${after.memoryAllocatedBytes} of ${full} still held`,
    );
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("summary: each queue's first and last retained positions and oldest file", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("empty");
    await log.createQueue("q");
    await log.appendRecords("q", [new Uint8Array(1), new Uint8Array(1), new Uint8Array(1)]);
    await log.truncate("q", 0);
    const { queues, files } = log.summary();
    // Dictionaries keyed by queue name have no prototype (any name is a key like any other).
    assert.equal(Object.getPrototypeOf(queues), null);
    assert.deepEqual({ ...queues }, {
      empty: { start: 0, end: undefined, fileNumber: undefined },
      q: { start: 1, end: 2, fileNumber: 0 },
    });
    assert.deepEqual(Object.keys(files), ["wal-00000000000000000000"]);
    const file = files["wal-00000000000000000000"];
    assert.equal(file.size, 128 * 1024 * 1024);
    assert.deepEqual({ ...file.queues }, { q: 2 });
    await log.close();
  } finally {
    await dir.cleanup();
  }
});
