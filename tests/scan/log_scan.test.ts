/** scanLog: the streaming, read-only scan of a log directory. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CorruptLogError, MultiRecordLog, type ScanEntry, scanLog } from "../../mod.ts";
import { fixtureNames, FIXTURES_DIR, readExpected } from "../helpers/fixtures.ts";
import type { FileSystem } from "../../src/ports/file_system.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { bytes, tempDir, text } from "../helpers/temp.ts";
import { writeAcrossThreeFiles } from "../helpers/log.ts";

const describe = (e: ScanEntry) =>
  e.kind === "record"
    ? `${e.queue}@${e.position}=${text(e.payload)}`
    : `${e.kind} ${e.queue} ${e.position}`;

test("scanLog: yields records and queue events in log order, with their file and offset", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("a");
    await log.appendRecords("a", [bytes("x"), bytes("y")]);
    await log.createQueue("b");
    await log.truncate("a", 0);
    await log.appendRecord("b", bytes("z"));
    await log.deleteQueue("b");
    await log.close();
    const entries: ScanEntry[] = [];
    for await (const e of scanLog(dir.path)) entries.push(e);
    assert.deepEqual(entries.map(describe), [
      "created a 0",
      "a@0=x",
      "a@1=y",
      "created b 0",
      "truncated a 0",
      "b@0=z",
      "deleted b 1", // the DeleteQueue record carries the next position
    ]);
    assert.deepEqual(entries.slice(0, 2).map((e) => [e.file, e.offset]), [
      ["wal-00000000000000000000", 0],
      ["wal-00000000000000000000", 19],
    ]);
  } finally {
    await dir.cleanup();
  }
});

test("scanLog: live yields only the records still in the log, as an open loads them", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 65536 });
    await log.createQueue("a");
    await log.createQueue("b");
    for (let i = 0; i < 200; i++) {
      await log.appendRecord(i % 3 === 0 ? "b" : "a", new Uint8Array(900).fill(i));
    }
    await log.truncate("a", 100);
    await log.deleteQueue("b");
    await log.createQueue("b");
    await log.appendRecord("b", bytes("again"));
    const expected = [...log.range("a")].map((r) => [r.position, r.payload[0]]);
    await log.close();
    const got: [string, number, number][] = [];
    for await (const e of scanLog(dir.path, { live: true })) {
      if (e.kind === "record") got.push([e.queue, e.position, e.payload[0]]);
    }
    assert.deepEqual(got.filter((g) => g[0] === "a").map((g) => [g[1], g[2]]), expected);
    assert.deepEqual(got.filter((g) => g[0] === "b"), [["b", 0, "a".charCodeAt(0)]]);
  } finally {
    await dir.cleanup();
  }
});

for (const name of await fixtureNames()) {
  test(`scanLog: live on the Rust fixture ${name} yields exactly its expected records, damage as recovery reports it`, async () => {
    const wal = join(FIXTURES_DIR, name, "wal");
    const scan = scanLog(wal, { live: true });
    const got: Record<string, number[]> = {};
    for await (const e of scan) if (e.kind === "record") (got[e.queue] ??= []).push(e.position);
    const expected = await readExpected(name);
    for (const [queue, { records }] of Object.entries(expected.queues)) {
      assert.deepEqual(got[queue] ?? [], records.map(([p]) => p), queue);
    }
    const log = await MultiRecordLog.open(wal, { readOnly: true });
    try {
      assert.deepEqual(scan.report.issues, log.recovery.issues);
    } finally {
      await log.close();
    }
  });
}

test("scanLog: a directory without wal files is not a log (CorruptLogError), unless emptyIsLog", async () => {
  const dir = await tempDir();
  try {
    const empty = scanLog(dir.path, { emptyIsLog: true });
    assert.equal((await empty.next()).done, true);
    await writeFile(join(dir.path, "notes.txt"), "hello");
    const err = await scanLog(dir.path).next().catch((e) => e);
    assert.ok(err instanceof CorruptLogError, String(err));
    assert.match(err.message, /not a log: none of its 1 entries is a wal file/);
  } finally {
    await dir.cleanup();
  }
});

test("scanLog: a wal file missing or empty in the middle is reported as the open reports it, and no record is joined across it", async () => {
  for (const damage of ["deleted", "emptied"]) {
    const dir = await tempDir();
    try {
      await writeAcrossThreeFiles(dir.path);
      const wal1 = join(dir.path, "wal-00000000000000000001");
      if (damage === "deleted") await rm(wal1);
      else await truncate(wal1, 0);
      const scan = scanLog(dir.path);
      const entries: string[] = [];
      for await (const e of scan) {
        entries.push(e.kind === "record" ? `${e.position}:${e.payload.length}` : e.kind);
      }
      assert.deepEqual(entries, ["created", "2:5"], damage);
      const log = await MultiRecordLog.open(dir.path, { readOnly: true });
      assert.deepEqual(scan.report.issues, log.recovery.issues, damage);
      assert.equal(scan.report.issueCount, 1, damage);
      assert.equal(scan.report.issues[0].reason, "missing-file", damage);
      await log.close();
    } finally {
      await dir.cleanup();
    }
  }
});

/**
 * A log of "q" with records "r0".."r4" on `mem`, and a port on it whose
 * first read of the wal file sees the last record's frame half written (its
 * last 2 payload bytes still zeros) when `torn` says so for that read.
 */
async function logWithTornRead(
  torn: (readIndex: number) => boolean,
): Promise<{ fs: FileSystem; reads: () => number }> {
  const mem = new MemoryFileSystem();
  const log = await MultiRecordLog.open("/wal", { fs: mem, fileSize: 65536 });
  await log.createQueue("q");
  for (let i = 0; i < 5; i++) await log.appendRecord("q", bytes(`r${i}`));
  await log.close();
  let reads = 0;
  const fs: FileSystem = {
    readDir: (p) => mem.readDir(p),
    stat: (p) => mem.stat(p),
    mkdir: (p) => mem.mkdir(p),
    remove: (p) => mem.remove(p),
    syncDir: (p) => mem.syncDir(p),
    openFile: async (p, mode) => {
      const handle = await mem.openFile(p, mode);
      return {
        ...handle,
        read: async (buffer, offset) => {
          const n = await handle.read(buffer, offset);
          if (offset === 0 && torn(reads++)) {
            let last = n - 1;
            while (last >= 0 && buffer[last] === 0) last--;
            buffer.fill(0, last - 1, last + 1); // "r4" not copied yet
          }
          return n;
        },
        size: () => handle.size(),
        close: () => handle.close(),
      };
    },
  };
  return { fs, reads: () => reads };
}

test("scanLog: a frame half written at the end of the log when the scan read it (a writer appending) is read again, and is no damage once whole", async () => {
  const { fs, reads } = await logWithTornRead((i) => i === 0);
  const scan = scanLog("/wal", { fs });
  const entries: string[] = [];
  for await (const e of scan) entries.push(describe(e));
  assert.ok(reads() >= 2, "read again");
  assert.deepEqual(scan.report.issues, []);
  assert.equal(scan.report.issueCount, 0);
  // The snapshot ends before the record being written.
  assert.deepEqual(entries, ["created q 0", "q@0=r0", "q@1=r1", "q@2=r2", "q@3=r3"]);
});

test("scanLog: a frame at the end of the log that stays bad when read again is damage (bad-checksum)", async () => {
  const { fs } = await logWithTornRead(() => true);
  const scan = scanLog("/wal", { fs });
  for await (const _ of scan);
  assert.deepEqual(scan.report.issues.map((i) => [i.file, i.reason]), [
    ["wal-00000000000000000000", "bad-checksum"],
  ]);
});

test("scanLog: a wal file collected between the listing and its opening makes the scan list again and start over (no error, no damage)", async () => {
  const mem = new MemoryFileSystem();
  const eio = (path: string) => Object.assign(new Error(`EIO: remove ${path}`), { code: "EIO" });
  // The writer's removals fail: file 0 stays although it holds only truncated records.
  const writer = await MultiRecordLog.open("/wal", {
    fs: { ...portOf(mem), remove: (path) => Promise.reject(eio(path)) },
    fileSize: 65536,
  });
  await writer.createQueue("q");
  for (let i = 0; i < 5; i++) await writer.appendRecord("q", bytes(`r${i}`.repeat(15_000)));
  await writer.truncate("q", 2);
  assert.deepEqual(Object.keys(writer.summary().files).length, 3);
  const wal0 = "/wal/wal-00000000000000000000";
  let opensOfFile0 = 0;
  const collecting: FileSystem = {
    ...portOf(mem),
    openFile: async (path, mode) => {
      if (path === wal0 && opensOfFile0++ === 0) await mem.remove(path); // the collection, just now
      return await mem.openFile(path, mode);
    },
  };
  for (const live of [true, false]) {
    opensOfFile0 = 0;
    const scan = scanLog("/wal", { fs: collecting, live });
    const records: number[] = [];
    for await (const e of scan) if (e.kind === "record") records.push(e.position);
    assert.deepEqual(records, [3, 4], `live: ${live}`);
    assert.deepEqual(scan.report.issues, []);
    assert.equal(scan.report.files, 2);
  }
  await writer.close();
});

/** Every call of `fs`, forwarded (so that some can be replaced). */
function portOf(fs: MemoryFileSystem): FileSystem {
  return {
    openFile: (p, mode) => fs.openFile(p, mode),
    readDir: (p) => fs.readDir(p),
    stat: (p) => fs.stat(p),
    mkdir: (p) => fs.mkdir(p),
    remove: (p) => fs.remove(p),
    syncDir: (p) => fs.syncDir(p),
    rename: (from, to) => fs.rename(from, to),
    lock: (p) => fs.lock(p),
  };
}

test("scanLog: a fileSize, queues or onProgress that is not what it takes is an InvalidArgumentError at once, before the directory is read", async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir.path, "wal-00000000000000000000"), new Uint8Array(32768));
    const refusals: [Record<string, unknown>, string, string][] = [
      [{ fileSize: 1000 }, "fileSize", "range"],
      [{ fileSize: "32768" }, "fileSize", "type"],
      [{ queues: "q" }, "queues", "type"],
      [{ onProgress: 5 }, "onProgress", "type"],
    ];
    for (const [options, argument, kind] of refusals) {
      assert.throws(() => scanLog(dir.path, options as never), {
        name: "InvalidArgumentError",
        code: "INVALID_ARGUMENT",
        argument,
        kind,
      }, argument);
    }
    assert.throws(() => scanLog("" as never), { name: "InvalidArgumentError", argument: "dir" });
  } finally {
    await dir.cleanup();
  }
});
