/** Back-pressure: memory and disk limits, and exact resource usage. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog, ResourceExhaustedError } from "../../mod.ts";
import { tempDir } from "../helpers/temp.ts";
import { walFiles } from "../helpers/log.ts";

test("limits: an append that would go over maxMemoryBytes is refused before anything is written", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { limits: { maxMemoryBytes: 1000 } });
    await log.createQueue("q"); // 1 byte of name
    await log.appendRecord("q", new Uint8Array(500)); // 1 + 500 + 20 = 521 used
    const wal = log.resourceUsage();
    const err = await log.appendRecord("q", new Uint8Array(500)).catch((e) => e);
    assert.ok(err instanceof ResourceExhaustedError, String(err));
    assert.deepEqual(
      {
        code: err.code,
        resource: err.resource,
        usage: err.usage,
        requested: err.requested,
        limit: err.limit,
      },
      { code: "RESOURCE_EXHAUSTED", resource: "memory", usage: 521, requested: 520, limit: 1000 },
    );
    assert.deepEqual(log.resourceUsage(), wal);
    assert.equal(log.lastPosition("q"), 0);
    // Exactly up to the limit is allowed.
    assert.equal((await log.appendRecord("q", new Uint8Array(1000 - 521 - 20))).lastPosition, 1);
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path);
    assert.equal(reopened.lastPosition("q"), 1, "the refused append never reached the wal");
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});

test("limits: truncating frees memory room again", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { limits: { maxMemoryBytes: 2000 } });
    await log.createQueue("q");
    for (let i = 0; i < 3; i++) await log.appendRecord("q", new Uint8Array(500));
    await assert.rejects(log.appendRecord("q", new Uint8Array(500)), ResourceExhaustedError);
    await log.truncate("q", 1);
    assert.equal((await log.appendRecord("q", new Uint8Array(500))).lastPosition, 3);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("limits: appends not yet committed count against the memory limit", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { limits: { maxMemoryBytes: 1000 } });
    await log.createQueue("q");
    const results = await Promise.allSettled([
      log.appendRecord("q", new Uint8Array(400)),
      log.appendRecord("q", new Uint8Array(400)),
      log.appendRecord("q", new Uint8Array(400)),
    ]);
    assert.deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled", "rejected"]);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("limits: an append that would need a wal file beyond maxDiskBytes is refused; truncation frees room", async () => {
  const dir = await tempDir();
  try {
    const fileSize = 32768 * 2;
    const log = await MultiRecordLog.open(dir.path, {
      fileSize,
      limits: { maxDiskBytes: 2 * fileSize },
    });
    await log.createQueue("q");
    await log.appendRecord("q", new Uint8Array(40_000)); // file 0
    await log.appendRecord("q", new Uint8Array(40_000)); // rolls into file 1
    assert.equal(log.resourceUsage().diskUsedBytes, 2 * fileSize);
    const err = await log.appendRecord("q", new Uint8Array(60_000)).catch((e) => e);
    assert.ok(err instanceof ResourceExhaustedError && err.resource === "disk", String(err));
    assert.deepEqual({ queue: err.queue, usage: err.usage, requested: err.requested }, {
      queue: "q",
      usage: 2 * fileSize,
      requested: fileSize,
    });
    assert.match(err.message, /or open with a higher limits\.maxDiskBytes$/);
    assert.deepEqual(await walFiles(dir.path), [
      "wal-00000000000000000000",
      "wal-00000000000000000001",
    ]);
    // Small appends that fit the current file are still taken.
    assert.equal((await log.appendRecord("q", new Uint8Array(100))).lastPosition, 2);
    await log.truncate("q", 2); // file 0 is deleted
    assert.equal((await log.appendRecord("q", new Uint8Array(60_000))).lastPosition, 3);
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("limits: malformed limits are refused with an InvalidArgumentError naming the limit", async () => {
  for (const limits of [{ maxMemoryBytes: 0 }, { maxDiskBytes: -1 }, { maxMemoryBytes: 1.5 }]) {
    await assert.rejects(MultiRecordLog.open("/nonexistent/never", { limits }), {
      name: "InvalidArgumentError",
      argument: `limits.${Object.keys(limits)[0]}`,
      kind: "range",
    });
  }
});

test("usage: resourceUsage() is exact for known payloads, across appends, truncation, deletion and reopening", async () => {
  const dir = await tempDir();
  try {
    const expected = (payloads: number[], names: string[]) =>
      payloads.reduce((sum, size) => sum + size + 20, 0) +
      names.reduce((sum, name) => sum + new TextEncoder().encode(name).length, 0);
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("é"); // 2 UTF-8 bytes
    await log.createQueue("plain");
    await log.appendRecords("é", [new Uint8Array(10), new Uint8Array(0), new Uint8Array(33)]);
    await log.appendRecord("plain", new Uint8Array(1000));
    assert.equal(log.resourceUsage().memoryUsedBytes, expected([10, 0, 33, 1000], ["é", "plain"]));
    await log.truncate("é", 0);
    assert.equal(log.resourceUsage().memoryUsedBytes, expected([0, 33, 1000], ["é", "plain"]));
    await log.deleteQueue("plain");
    assert.equal(log.resourceUsage().memoryUsedBytes, expected([0, 33], ["é"]));
    await log.close();
    const reopened = await MultiRecordLog.open(dir.path);
    assert.equal(reopened.resourceUsage().memoryUsedBytes, expected([0, 33], ["é"]));
    await reopened.close();
  } finally {
    await dir.cleanup();
  }
});
