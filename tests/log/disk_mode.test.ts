/**
 * Disk mode (`payloads: "disk"`): payloads stay in the wal files and only an
 * index is kept in memory; every read API returns the same records as in
 * memory mode, from the same files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { open as openFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CorruptLogError,
  InvalidArgumentError,
  jsonCodec,
  MultiRecordLog,
  type OpenOptions,
  type QueueRecord,
  ship,
} from "../../mod.ts";
import { nodeFileSystem } from "../../node.ts";
import { inTempDir as inDir, pseudoRandomBytes } from "../helpers/temp.ts";
import { walFiles } from "../helpers/log.ts";

const FILE_SIZE = 2 * 32768;
const DISK: OpenOptions = { payloads: "disk", fileSize: FILE_SIZE };

/** Positions and payload bytes, as plain arrays for comparison. */
function plain(records: Iterable<QueueRecord>): [number, number[]][] {
  return [...records].map((r) => [r.position, [...r.payload]]);
}

/** Appends to "a" and "b": small payloads, one of 100,000 bytes (across blocks and files), an empty one. */
async function fill(log: MultiRecordLog): Promise<void> {
  await log.createQueue("a");
  await log.createQueue("b");
  await log.appendRecords("a", [pseudoRandomBytes(10, 1), pseudoRandomBytes(100_000, 2)]);
  await log.appendRecords("b", [pseudoRandomBytes(1, 3), new Uint8Array(0)]);
  for (let i = 0; i < 20; i++) await log.appendRecord("a", pseudoRandomBytes(3000, 10 + i));
}

test("disk mode: reads return the records memory mode returns, from the same files", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, DISK);
    await fill(log);
    const disk = {
      a: plain(log.range("a")),
      b: plain(log.range("b")),
      last: plain([log.lastRecord("a")!]),
      middle: plain(log.range("a", { start: 1, end: 3 })),
    };
    await log.close();
    const memory = await MultiRecordLog.open(dir);
    assert.deepEqual(disk, {
      a: plain(memory.range("a")),
      b: plain(memory.range("b")),
      last: plain([memory.lastRecord("a")!]),
      middle: plain(memory.range("a", { start: 1, end: 3 })),
    });
    assert.equal(disk.a.length, 22);
    assert.equal(disk.a[1][1].length, 100_000);
    await memory.close();
  });
});

test("disk mode: a log written in memory mode opens in disk mode with the same records", async () => {
  await inDir(async (dir) => {
    const memory = await MultiRecordLog.open(dir, { fileSize: FILE_SIZE });
    await fill(memory);
    await memory.truncate("a", 4);
    const expected = { a: plain(memory.range("a")), b: plain(memory.range("b")) };
    await memory.close();
    const disk = await MultiRecordLog.open(dir, { payloads: "disk" });
    assert.deepEqual({ a: plain(disk.range("a")), b: plain(disk.range("b")) }, expected);
    await disk.close();
  });
});

test("disk mode: memory holds 20 bytes a record and the names, not the payloads", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, DISK);
    await fill(log);
    assert.equal(log.resourceUsage().memoryUsedBytes, 24 * 20 + 2);
    await log.close();
    const reopened = await MultiRecordLog.open(dir, DISK);
    assert.equal(reopened.resourceUsage().memoryUsedBytes, 24 * 20 + 2);
    await reopened.close();
  });
});

test("disk mode: a payload read back is a copy, unchanged after the truncation that deletes its file", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, DISK);
    await log.createQueue("q");
    const first = pseudoRandomBytes(3000, 7);
    await log.appendRecord("q", first);
    for (let i = 0; i < 60; i++) await log.appendRecord("q", pseudoRandomBytes(3000, 100 + i));
    const held = log.lastRecord("q")!;
    const [oldest] = log.range("q", { end: 1 });
    assert.ok((await walFiles(dir)).length > 2);
    await log.truncate("q", 59);
    assert.deepEqual((await walFiles(dir)).length, 1, "the files before the last one are deleted");
    assert.deepEqual(oldest.payload, first);
    assert.deepEqual(held.payload, pseudoRandomBytes(3000, 159));
    assert.deepEqual(plain(log.range("q")), [[60, [...pseudoRandomBytes(3000, 159)]]]);
    await log.close();
  });
});

test("disk mode: compaction moves the payloads of a quiet queue, and reads follow them", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, { ...DISK, compaction: false });
    await log.createQueue("quiet");
    await log.createQueue("stream");
    const quiet = pseudoRandomBytes(40_000, 1); // across a block boundary
    await log.appendRecords("quiet", [quiet, pseudoRandomBytes(5, 2)]);
    for (let i = 0; i < 60; i++) await log.appendRecord("stream", pseudoRandomBytes(3000, 10 + i));
    await log.truncate("stream", 59);
    const outcome = await log.compact();
    assert.equal(outcome.queuesRewritten, 1);
    assert.equal(outcome.recordsRelocated, 2);
    assert.ok(outcome.filesDeleted > 0);
    assert.deepEqual(plain(log.range("quiet")), [[0, [...quiet]], [1, [
      ...pseudoRandomBytes(5, 2),
    ]]]);
    await log.appendRecord("quiet", pseudoRandomBytes(7, 3));
    await log.close();
    const reopened = await MultiRecordLog.open(dir, DISK);
    assert.deepEqual(plain(reopened.range("quiet")).map(([p]) => p), [0, 1, 2]);
    assert.deepEqual(plain(reopened.range("quiet", { end: 1 })), [[0, [...quiet]]]);
    await reopened.close();
  });
});

test("disk mode: with the persist policy never, an appended record is readable at once", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, { ...DISK, persistPolicy: { kind: "never" } });
    await log.createQueue("q");
    await log.appendRecord("q", pseudoRandomBytes(50, 1));
    await log.appendRecords("q", [pseudoRandomBytes(70_000, 2), pseudoRandomBytes(3, 3)]);
    assert.deepEqual(plain(log.range("q")), [
      [0, [...pseudoRandomBytes(50, 1)]],
      [1, [...pseudoRandomBytes(70_000, 2)]],
      [2, [...pseudoRandomBytes(3, 3)]],
    ]);
    await log.close();
  });
});

test("disk mode: follow() hands out payloads read back from the files", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, DISK);
    await log.createQueue("q");
    await log.appendRecord("q", pseudoRandomBytes(40_000, 1));
    const got: [number, number[]][] = [];
    const following = (async () => {
      for await (const record of log.follow("q")) {
        got.push([record.position, [...record.payload]]);
        if (record.position === 1) break;
      }
    })();
    await log.appendRecord("q", pseudoRandomBytes(9, 2));
    await following;
    assert.deepEqual(got, [[0, [...pseudoRandomBytes(40_000, 1)]], [1, [
      ...pseudoRandomBytes(9, 2),
    ]]]);
    await log.close();
  });
});

test("disk mode: stream() hands out payloads read back from the files", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, DISK);
    await log.createQueue("q");
    await log.appendRecords("q", [pseudoRandomBytes(40_000, 1), pseudoRandomBytes(3, 2)]);
    const reader = log.stream("q").getReader();
    const first = await reader.read();
    const second = await reader.read();
    await reader.cancel();
    assert.deepEqual(
      [first.value, second.value].map((r) => [r!.position, [...r!.payload]]),
      [[0, [...pseudoRandomBytes(40_000, 1)]], [1, [...pseudoRandomBytes(3, 2)]]],
    );
    await log.close();
  });
});

test("disk mode: a read-only open reads payloads from the files", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, { fileSize: FILE_SIZE });
    await fill(log);
    const expected = plain(log.range("a"));
    const reader = await MultiRecordLog.open(dir, { readOnly: true, payloads: "disk" });
    assert.deepEqual(plain(reader.range("a")), expected);
    await reader.close();
    await log.close();
  });
});

test("disk mode: a payload changed on disk after the open is a CorruptLogError naming its file and offset; the log goes on", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, DISK);
    await log.createQueue("q");
    await log.createQueue("other");
    const payload = pseudoRandomBytes(200, 1);
    await log.appendRecord("q", payload);
    await log.appendRecord("other", pseudoRandomBytes(10, 2));
    const file = await openFile(join(dir, "wal-00000000000000000000"), "r+");
    const bytes = new Uint8Array(32768);
    await file.read(bytes, 0, bytes.length, 0);
    const at = bytes.findIndex((_, i) => payload.every((b, j) => bytes[i + j] === b));
    await file.write(new Uint8Array([payload[5] ^ 0xff]), 0, 1, at + 5);
    await file.close();
    const err = (() => {
      try {
        [...log.range("q")];
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof CorruptLogError, String(err));
    assert.equal(err.file, "wal-00000000000000000000");
    assert.match(err.message, new RegExp(`payload of 200 bytes at offset ${at} `));
    assert.deepEqual(plain(log.range("other")), [[0, [...pseudoRandomBytes(10, 2)]]]);
    assert.equal((await log.appendRecord("other", pseudoRandomBytes(4, 3))).lastPosition, 1);
    await log.close();
  });
});

test("disk mode: the options are checked, and a port that cannot read synchronously is refused", async () => {
  await inDir(async (dir) => {
    const bad = await MultiRecordLog.open(dir, { payloads: "dsk" as "disk" }).catch((e) => e);
    assert.ok(bad instanceof InvalidArgumentError);
    assert.equal(bad.argument, "payloads");
    assert.equal(bad.message, 'payloads must be "memory" or "disk", got "dsk"');
    const cache = await MultiRecordLog.open(dir, { payloads: "disk", readCacheBytes: -1 })
      .catch((e) => e);
    assert.ok(cache instanceof InvalidArgumentError);
    assert.equal(cache.argument, "readCacheBytes");
    const { openFileSync: _, ...asyncOnly } = nodeFileSystem;
    const port = await MultiRecordLog.open(dir, { payloads: "disk", fs: asyncOnly })
      .catch((e) => e);
    assert.ok(port instanceof InvalidArgumentError);
    assert.equal(port.argument, "payloads");
    assert.match(port.message, /openFileSync\(\) and readSync\(\)/);
  });
});

test("disk mode: a reader many files behind the writer gets every record while collection and compaction run", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, { ...DISK, compaction: { maxPinnedFiles: 1 } });
    await log.createQueue("quiet");
    await log.createQueue("stream");
    await log.appendRecord("quiet", pseudoRandomBytes(20_000, 1));
    const total = 300;
    for (let i = 0; i < total / 2; i++) {
      await log.appendRecord("stream", pseudoRandomBytes(2500, 100 + i));
    }
    assert.ok((await walFiles(dir)).length >= 6, "the reader starts six files behind");
    const seen: number[] = [];
    let mismatches = 0;
    const reading = (async () => {
      for await (const record of log.follow("stream")) {
        const expected = pseudoRandomBytes(2500, 100 + record.position);
        if (!record.payload.every((b, k) => b === expected[k])) mismatches++;
        seen.push(record.position);
        if (record.position % 40 === 39) await log.truncate("stream", record.position);
        if (record.position % 20 === 19) await new Promise((r) => setTimeout(r, 1));
        if (record.position === total - 1) break;
      }
    })();
    for (let i = total / 2; i < total; i++) {
      await log.appendRecord("stream", pseudoRandomBytes(2500, 100 + i));
    }
    await reading;
    assert.deepEqual(seen, Array.from({ length: total }, (_, i) => i));
    assert.equal(mismatches, 0);
    assert.deepEqual(plain(log.range("quiet")), [[0, [...pseudoRandomBytes(20_000, 1)]]]);
    assert.ok(log.summary().queues.quiet!.fileNumber! > 0, "compaction moved the quiet queue on");
    await log.close();
  });
});

test("disk mode: typed queues and ship() read their records from the files", async () => {
  await inDir(async (dir) => {
    const log = await MultiRecordLog.open(dir, DISK);
    await log.createQueue("events");
    const events = log.queue("events", jsonCodec<{ n: number; text: string }>());
    await events.appendAll([{ n: 1, text: "x".repeat(50_000) }, { n: 2, text: "y" }]);
    assert.deepEqual([...events.range()].map((r) => [r.position, r.value.n, r.value.text.length]), [
      [0, 1, 50_000],
      [1, 2, 1],
    ]);
    const shipped: number[][] = [];
    const controller = new AbortController();
    const outcome = await ship(log, "events", async (records) => {
      shipped.push(records.map((r) => r.payload.length));
      controller.abort();
    }, { signal: controller.signal });
    assert.equal(outcome.records, 2);
    assert.deepEqual(shipped, [[50_017, 18]]); // the JSON texts' lengths
    assert.equal(log.lastPosition("events"), 1);
    assert.deepEqual([...log.range("events")], []);
    await log.close();
  });
});

test("disk mode: a log with a wal file over 4 GiB is refused, saying to open it in memory mode", async () => {
  await inDir(async (dir) => {
    const file = await openFile(join(dir, "wal-00000000000000000000"), "w");
    await file.truncate(4 * 1024 ** 3 + 32768); // sparse: nothing is written
    await file.close();
    const err = await MultiRecordLog.open(dir, { payloads: "disk" }).catch((e) => e);
    assert.ok(err instanceof InvalidArgumentError, String(err));
    assert.equal(err.argument, "payloads");
    assert.match(err.message, /wal-00000000000000000000 holds 4295000064 bytes/);
    assert.match(err.message, /payloads: "memory"/);
  });
});
