/**
 * Read-only opens of a log whose writer deletes wal files meanwhile (garbage
 * collection, compaction): a file listed and gone before it is opened was
 * collected, so the open lists again and replays from scratch.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IoError, MultiRecordLog } from "../../mod.ts";
import type { FileSystem } from "../../mod.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { pseudoRandomBytes, tempDir } from "../helpers/temp.ts";
import {
  checkLiveLog,
  LIVE_FILE_SIZE,
  LiveWriter,
  LiveWriterProcess,
} from "../helpers/live_log.ts";
import { contents } from "../helpers/log.ts";

const DIR = "/wal";
const FILE_SIZE = 32768 * 2;
const WAL_0 = `${DIR}/wal-00000000000000000000`;
const WAL_1 = `${DIR}/wal-00000000000000000001`;

/** `inner` with some calls replaced (the others forwarded; no lock, so a reader and a writer coexist). */
function withOverrides(inner: FileSystem, overrides: Partial<FileSystem>): FileSystem {
  return {
    openFile: (path, mode) => inner.openFile(path, mode),
    readDir: (path) => inner.readDir(path),
    stat: (path) => inner.stat(path),
    mkdir: (path) => inner.mkdir(path),
    remove: (path) => inner.remove(path),
    syncDir: (path) => inner.syncDir(path),
    rename: (from, to) => inner.rename!(from, to),
    lock: (path) => inner.lock!(path),
    ...overrides,
  };
}

/** An error shaped like the runtimes' for a missing file. */
function notFound(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), {
    code: "ENOENT",
  });
}

/**
 * A writer (left open) on `mem` whose file 0 holds only truncated records of
 * "q" but is still there (its removal failed), and "q" keeping positions 3, 4.
 */
async function logWithCollectableFile(mem: MemoryFileSystem): Promise<MultiRecordLog> {
  const eio = (path: string) => Object.assign(new Error(`EIO: remove ${path}`), { code: "EIO" });
  const failingRemove = withOverrides(mem, { remove: (path) => Promise.reject(eio(path)) });
  const writer = await MultiRecordLog.open(DIR, { fs: failingRemove, fileSize: FILE_SIZE });
  await writer.createQueue("q");
  for (let i = 0; i < 5; i++) await writer.appendRecord("q", pseudoRandomBytes(30_000, i + 1));
  await writer.truncate("q", 2);
  assert.deepEqual(Object.keys(writer.summary().files), [
    "wal-00000000000000000000",
    "wal-00000000000000000001",
    "wal-00000000000000000002",
  ]);
  assert.deepEqual(Object.keys(writer.summary().files["wal-00000000000000000000"].queues), []);
  return writer;
}

test("read-only: a wal file collected between listing and opening makes the open list again and replay", async () => {
  const mem = new MemoryFileSystem();
  const writer = await logWithCollectableFile(mem);
  let opensOfFile0 = 0;
  const collecting = withOverrides(mem, {
    openFile: async (path, mode) => {
      if (path === WAL_0 && opensOfFile0++ === 0) await mem.remove(path); // the writer's GC, just now
      return await mem.openFile(path, mode);
    },
  });
  const reader = await MultiRecordLog.open(DIR, {
    fs: collecting,
    fileSize: FILE_SIZE,
    readOnly: true,
  });
  assert.equal(opensOfFile0, 1);
  assert.deepEqual([...reader.range("q")].map((r) => [r.position, r.payload]), [
    [3, pseudoRandomBytes(30_000, 4)],
    [4, pseudoRandomBytes(30_000, 5)],
  ]);
  assert.equal(reader.recovery.filesRead, 2);
  assert.deepEqual(reader.recovery.issues, []);
  await reader.close();
  await writer.close();
});

test("read-only: a wal file collected while it is read (reads by path, as on Bun) makes the open start over", async () => {
  const mem = new MemoryFileSystem();
  const writer = await logWithCollectableFile(mem);
  let collected = false;
  const readsByPath = withOverrides(mem, {
    openFile: async (path, mode) => {
      const handle = await mem.openFile(path, mode);
      if (path !== WAL_0 || collected) return handle;
      return {
        ...handle,
        read: async () => {
          collected = true;
          await mem.remove(path);
          throw notFound(path);
        },
      };
    },
  });
  const reader = await MultiRecordLog.open(DIR, {
    fs: readsByPath,
    fileSize: FILE_SIZE,
    readOnly: true,
  });
  assert.equal(collected, true);
  assert.deepEqual([...reader.range("q")].map((r) => r.position), [3, 4]);
  assert.equal(reader.recovery.filesRead, 2);
  await reader.close();
  await writer.close();
});

/**
 * A writer (left open, compaction by hand) on `mem`: "quiet" has one record
 * in file 0, "busy" filled files 0 to 4 and keeps only its last record, so
 * that only "quiet" pins the old files and compact() would free them.
 */
async function logToCompact(mem: MemoryFileSystem): Promise<MultiRecordLog> {
  const writer = await MultiRecordLog.open(DIR, {
    fs: withOverrides(mem, {}),
    fileSize: FILE_SIZE,
    compaction: false,
  });
  await writer.createQueue("quiet");
  await writer.createQueue("busy");
  await writer.appendRecord("quiet", pseudoRandomBytes(100, 7));
  for (let i = 0; i < 15; i++) {
    await writer.appendRecord("busy", pseudoRandomBytes(20_000, 100 + i));
  }
  await writer.truncate("busy", 13);
  assert.equal(writer.summary().queues.quiet.fileNumber, 0);
  return writer;
}

test("read-only: a compaction between listing and opening: the new listing's compacted file holds the relocated records", async () => {
  const mem = new MemoryFileSystem();
  const writer = await logToCompact(mem);
  let compacted = false;
  const compacting = withOverrides(mem, {
    openFile: async (path, mode) => {
      if (path === WAL_1 && !compacted) {
        compacted = true;
        // File 0 was read; compaction moves "quiet" to a file this listing does not have, and deletes 0 and 1.
        const outcome = await writer.compact();
        assert.equal(outcome.recordsRelocated, 1);
      }
      return await mem.openFile(path, mode);
    },
  });
  const reader = await MultiRecordLog.open(DIR, {
    fs: compacting,
    fileSize: FILE_SIZE,
    readOnly: true,
  });
  assert.equal(compacted, true);
  assert.deepEqual(mem.files(DIR).includes("wal-00000000000000000001"), false);
  assert.deepEqual([...reader.range("quiet")].map((r) => [r.position, r.payload]), [
    [0, pseudoRandomBytes(100, 7)],
  ]);
  assert.deepEqual([...reader.range("busy")].map((r) => [r.position, r.payload]), [
    [14, pseudoRandomBytes(20_000, 114)],
  ]);
  await reader.close();
  await writer.close();
});

test("read-only: a listing torn by a compaction (missing the deleted files and the new one) is never replayed alone", async () => {
  for (const tornCall of [1, 2]) {
    const mem = new MemoryFileSystem();
    const writer = await logToCompact(mem);
    let calls = 0;
    const tearing = withOverrides(mem, {
      readDir: async (path) => {
        if (++calls !== tornCall) return await mem.readDir(path);
        // The scan passed the new file's slot before the rename and reached the old files after their removal.
        const before = await mem.readDir(path);
        await writer.compact();
        const after = new Set((await mem.readDir(path)).map((e) => e.name));
        return before.filter((e) => after.has(e.name));
      },
    });
    const reader = await MultiRecordLog.open(DIR, {
      fs: tearing,
      fileSize: FILE_SIZE,
      readOnly: true,
    });
    assert.deepEqual(
      [...reader.range("quiet")].map((r) => [r.position, r.payload]),
      [[0, pseudoRandomBytes(100, 7)]],
      `torn listing call ${tornCall}`,
    );
    assert.deepEqual(contents(reader, "busy").map(([p]) => p), [14]);
    await reader.close();
    await writer.close();
  }
});

test("read-only: a listed file that is gone at every attempt ends the open after 20 attempts with IoError ENOENT", async () => {
  const mem = new MemoryFileSystem();
  const writer = await logWithCollectableFile(mem);
  let opensOfFile0 = 0;
  const alwaysGone = withOverrides(mem, {
    openFile: (path, mode) => {
      if (path !== WAL_0) return mem.openFile(path, mode);
      opensOfFile0++;
      return Promise.reject(notFound(path)); // listed, never there
    },
  });
  const err = await MultiRecordLog.open(DIR, {
    fs: alwaysGone,
    fileSize: FILE_SIZE,
    readOnly: true,
  }).catch((e) => e);
  assert.ok(err instanceof IoError, String(err));
  assert.equal(err.osCode, "ENOENT");
  assert.equal(err.path, WAL_0);
  assert.equal(opensOfFile0, 20);
  assert.match(
    err.message,
    /^open failed on \/wal\/wal-00000000000000000000: wal files kept vanishing between listing and opening .*20 attempts/,
  );
  await writer.close();
});

test("read-only: a file a writable open cannot find is still an error at once (no retry)", async () => {
  const mem = new MemoryFileSystem();
  await (await logWithCollectableFile(mem)).close();
  let opensOfFile0 = 0;
  const gone = withOverrides(mem, {
    openFile: (path, mode) => {
      if (path !== WAL_0) return mem.openFile(path, mode);
      opensOfFile0++;
      return Promise.reject(notFound(path));
    },
  });
  const err = await MultiRecordLog.open(DIR, { fs: gone, fileSize: FILE_SIZE }).catch((e) => e);
  assert.ok(err instanceof IoError && err.osCode === "ENOENT", String(err));
  assert.equal(opensOfFile0, 1);
});

test("read-only: opens repeated while a writer in this process appends, truncates, collects and compacts see every acknowledged record", async () => {
  const dir = await tempDir();
  try {
    const writer = await LiveWriter.start(dir.path);
    const rounds = 60;
    let opensAfterCollection = 0;
    try {
      for (let round = 0; round < rounds; round++) {
        const before = { ...writer.acked };
        const reader = await MultiRecordLog.open(dir.path, {
          fileSize: LIVE_FILE_SIZE,
          readOnly: true,
        });
        checkLiveLog(reader, before, writer.truncating, `round ${round}`);
        if (reader.summary().queues.busy.fileNumber! > 0) opensAfterCollection++;
        await reader.close();
        await new Promise((resolve) => setTimeout(resolve, 1)); // let the writer run
      }
    } finally {
      await writer.stop();
    }
    assert.ok(opensAfterCollection > rounds / 2, `${opensAfterCollection} opens after collection`);
  } finally {
    await dir.cleanup();
  }
});

test(
  "read-only: opens repeated while a writer process appends, truncates, collects and compacts see every acknowledged record",
  {
    timeout: 60_000,
  },
  async () => {
    const dir = await tempDir();
    const writer = new LiveWriterProcess(dir.path);
    try {
      const start = await writer.started();
      const rounds = 40;
      for (let round = 0; round < rounds; round++) {
        const before = (await writer.progress())!;
        const reader = await MultiRecordLog.open(dir.path, {
          fileSize: LIVE_FILE_SIZE,
          readOnly: true,
        });
        const after = (await writer.progress())!;
        checkLiveLog(reader, before.acked, after.truncating, `round ${round}`);
        await reader.close();
      }
      const end = (await writer.progress())!;
      writer.assertRunning();
      assert.ok(end.acked.busy > start.acked.busy, "the writer wrote while the opens ran");
    } finally {
      await writer.kill();
      await dir.cleanup();
    }
  },
);
