/**
 * Opening on its own (`openLog`), over the in-memory file system: the order
 * of the directory calls (a writable open lists the directory only once it
 * holds the lock), what a read-only open holds, and the release of the lock
 * when an open fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { FileSystem } from "../../mod.ts";
import { LockUnavailableError, LogLockedError } from "../../mod.ts";
import { openLog } from "../../src/engine/open.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";

const DIR = "/log";

/** The in-memory file system, with the directory-level calls made through it logged. */
function logged(mem: MemoryFileSystem): { fs: FileSystem; calls: string[] } {
  const calls: string[] = [];
  const fs: FileSystem = {
    openFile: (path, mode) => mem.openFile(path, mode),
    readDir: (path) => (calls.push("readDir"), mem.readDir(path)),
    stat: (path) => (calls.push(`stat ${path.slice(DIR.length) || "."}`), mem.stat(path)),
    mkdir: (path) => (calls.push("mkdir"), mem.mkdir(path)),
    remove: (path) => mem.remove(path),
    syncDir: (path) => mem.syncDir(path),
    rename: (from, to) => mem.rename(from, to),
    lock: (path) => (calls.push("lock"), mem.lock(path)),
  };
  return { fs, calls };
}

test("openLog: a writable open creates the directory, takes the lock, and only then lists it", async () => {
  const { fs, calls } = logged(new MemoryFileSystem());
  const parts = await openLog(DIR, { fs, fileSize: 32768 });
  assert.deepEqual(calls.slice(0, 4), ["stat .", "mkdir", "lock", "readDir"]);
  assert.ok(parts.writes !== undefined);
  assert.deepEqual(parts.directory.fileNumbers(), [0]);
  await parts.writes.close();
});

test("openLog: a read-only open takes no lock and has no write path", async () => {
  const mem = new MemoryFileSystem();
  await (await openLog(DIR, { fs: mem, fileSize: 32768 })).writes!.close();
  const { fs, calls } = logged(mem);
  const parts = await openLog(DIR, { fs, readOnly: true });
  assert.equal(parts.writes, undefined);
  assert.equal(calls.includes("lock"), false);
  assert.deepEqual(parts.directory.fileNumbers(), [0]);
});

test("openLog: a directory locked by another open is refused before it is listed", async () => {
  const mem = new MemoryFileSystem();
  const first = await openLog(DIR, { fs: mem, fileSize: 32768 });
  const { fs, calls } = logged(mem);
  await assert.rejects(openLog(DIR, { fs }), LogLockedError);
  assert.equal(calls.includes("readDir"), false);
  await first.writes!.close();
});

test("openLog: a port's own lock() rejecting with code ELOCKED or ELOCKUNAVAILABLE becomes LogLockedError or LockUnavailableError naming the directory", async () => {
  const mem = new MemoryFileSystem();
  const refusing = (err: Error): FileSystem => ({
    ...logged(mem).fs,
    lock: () => Promise.reject(err),
  });
  const held = Object.assign(new Error("held"), {
    code: "ELOCKED",
    holder: { pid: 7, host: "h" },
    hint: "stop process 7",
  });
  const locked = await openLog(DIR, { fs: refusing(held) }).catch((e) => e);
  assert.ok(locked instanceof LogLockedError, String(locked));
  assert.deepEqual([locked.dir, locked.pid, locked.hint, locked.cause], [
    DIR,
    7,
    "stop process 7",
    held,
  ]);
  assert.equal(
    locked.message,
    'the log at "/log" is open by process 7 on host "h": stop process 7',
  );
  const none = Object.assign(new Error("no locks here: use a local disk"), {
    code: "ELOCKUNAVAILABLE",
    hint: "use a local disk",
  });
  const unavailable = await openLog(DIR, { fs: refusing(none) }).catch((e) => e);
  assert.ok(unavailable instanceof LockUnavailableError, String(unavailable));
  assert.deepEqual([unavailable.dir, unavailable.hint, unavailable.cause], [
    DIR,
    "use a local disk",
    none,
  ]);
  assert.equal(
    unavailable.message,
    'the log at "/log" cannot be locked (no locks here): use a local disk',
  );
});

test("openLog: an open that fails after taking the lock releases it", async () => {
  const mem = new MemoryFileSystem();
  mem.inject({ op: "open", nth: 1, code: "EIO" }); // creating wal file 0
  await assert.rejects(openLog(DIR, { fs: mem, fileSize: 32768 }));
  const parts = await openLog(DIR, { fs: mem, fileSize: 32768 });
  assert.ok(parts.writes !== undefined);
  await parts.writes.close();
});
