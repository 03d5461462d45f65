/** Directory ownership at the port layer: one kernel lock (SQLite's), the holder record. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { acquireDirLock, HOLDER_FILE, LOCK_FILE } from "../../src/ownership/dir_lock.ts";
import { LockUnavailableError, LogLockedError } from "../../src/errors.ts";
import { SqliteLockUnavailable, trySqliteLock } from "../../src/ownership/sqlite_lock.ts";
import { formatHolder, parseHolder, thisProcess } from "../../src/ownership/lock_holder.ts";
import { inTempDir } from "../helpers/temp.ts";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

async function rejection<T>(promise: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof type, `expected ${type.name}, got ${err}`);
  return err as T;
}

test("sqlite lock: a second lock of the same file, even from this process, is busy until the first is released", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "lockfile");
    const first = await trySqliteLock(path);
    assert.notEqual(first, "busy");
    assert.equal(await trySqliteLock(path), "busy");
    (first as { release(): void }).release();
    const again = await trySqliteLock(path);
    assert.notEqual(again, "busy");
    (again as { release(): void }).release();
  });
});

test("sqlite lock: the lock file stays an empty file and no journal is created beside it", async () => {
  await inTempDir(async (dir) => {
    const lock = await acquireDirLock(dir);
    await lock.recorded;
    const names = (await import("node:fs")).readdirSync(dir).sort();
    assert.deepEqual(names, [HOLDER_FILE, LOCK_FILE]);
    assert.equal(statSync(join(dir, LOCK_FILE)).size, 0);
    await lock.release();
    assert.equal(statSync(join(dir, LOCK_FILE)).size, 0);
  });
});

test("dir lock: the holder record names this process while held and nobody (one newline) after release", async () => {
  await inTempDir(async (dir) => {
    const lock = await acquireDirLock(dir);
    assert.equal(lock.kind, "sqlite");
    await lock.recorded;
    const holder = parseHolder(readFileSync(join(dir, HOLDER_FILE), "utf8"));
    const me = thisProcess();
    assert.equal(holder?.pid, process.pid);
    assert.equal(holder?.runtime, runtime);
    assert.equal(holder?.lock, "sqlite");
    assert.equal(holder?.pidNamespace, me.pidNamespace);
    assert.equal(holder?.bootId, me.bootId);
    await lock.release();
    assert.equal(readFileSync(join(dir, HOLDER_FILE), "utf8"), "\n");
  });
});

test("dir lock: a second acquire in this process is refused, naming this process, until released", async () => {
  await inTempDir(async (dir) => {
    const lock = await acquireDirLock(dir);
    const err = await rejection(acquireDirLock(dir), LogLockedError);
    assert.equal(err.code, "LOG_LOCKED");
    assert.equal(err.dir, dir);
    assert.equal(err.pid, process.pid);
    assert.equal(err.inThisProcess, true);
    assert.equal(err.hint, "use that instance, or close it first");
    await lock.release();
    await (await acquireDirLock(dir)).release();
  });
});

test("dir lock: a second acquire through another path to the same directory (a symlink) is refused", async () => {
  await inTempDir(async (dir) => {
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "link"));
    const lock = await acquireDirLock(join(dir, "real"));
    const err = await rejection(acquireDirLock(join(dir, "link")), LogLockedError);
    assert.equal(err.inThisProcess, true);
    await lock.release();
  });
});

test("dir lock: a busy kernel lock alone refuses, whatever the holder record says (here: nothing)", async () => {
  await inTempDir(async (dir) => {
    const err = await rejection(
      acquireDirLock(dir, { tryLock: () => Promise.resolve("busy") }),
      LogLockedError,
    );
    assert.equal(err.holder, undefined);
    assert.equal(err.inThisProcess, false);
    assert.match(err.hint, /readOnly: true/);
  });
});

test("dir lock: a refusal names the holder its record names, and says when that is this process", async () => {
  await inTempDir(async (dir) => {
    const other = { pid: 4242, runtime: "node", host: "elsewhere", lock: "sqlite" };
    writeFileSync(join(dir, HOLDER_FILE), formatHolder(other));
    const busy = { tryLock: () => Promise.resolve("busy" as const) };
    const err = await rejection(acquireDirLock(dir, busy), LogLockedError);
    assert.deepEqual(err.holder, other);
    assert.equal(err.inThisProcess, false);
    writeFileSync(join(dir, HOLDER_FILE), formatHolder(thisProcess()));
    const mine = await rejection(acquireDirLock(dir, busy), LogLockedError);
    assert.equal(mine.inThisProcess, true);
  });
});

test("dir lock: no lock to be had is a refusal (LockUnavailableError with a hint naming lock: false), never an unlocked open", async () => {
  await inTempDir(async (dir) => {
    const noSqlite = () => Promise.reject(new SqliteLockUnavailable("no-sqlite", "no node:sqlite"));
    const err = await rejection(acquireDirLock(dir, { tryLock: noSqlite }), LockUnavailableError);
    assert.equal(err.code, "LOCK_UNAVAILABLE");
    assert.equal(err.dir, dir);
    assert.match(err.hint, /\{ lock: false \}/);
    const noLocks = () => Promise.reject(new SqliteLockUnavailable("io", "disk I/O error"));
    const io = await rejection(acquireDirLock(dir, { tryLock: noLocks }), LockUnavailableError);
    assert.match(
      io.hint,
      /is writable and its file system has room for \.mrl\.lock; .* keep it on a local one/,
    );
  });
});

test("dir lock: a lock file holding an older version's text is emptied and locked", async () => {
  await inTempDir(async (dir) => {
    writeFileSync(join(dir, LOCK_FILE), '{"pid":1,"lock":"kernel","kinds":["flock","ofd"]}\n');
    const lock = await acquireDirLock(dir);
    assert.equal(statSync(join(dir, LOCK_FILE)).size, 0);
    assert.equal(await trySqliteLock(join(dir, LOCK_FILE)), "busy");
    await lock.release();
  });
});

test("dir lock: a lock file hard-linked to a wal file is refused, and the wal file left whole", async () => {
  await inTempDir(async (dir) => {
    const wal = join(dir, "wal-00000000000000000000");
    writeFileSync(wal, "records that must survive");
    linkSync(wal, join(dir, LOCK_FILE));
    const err = await rejection(acquireDirLock(dir), LockUnavailableError);
    assert.match(err.message, /other hard links/);
    assert.equal(readFileSync(wal, "utf8"), "records that must survive");
  });
});

test("dir lock: a lock file too large to be an older version's text is refused, not emptied", async () => {
  await inTempDir(async (dir) => {
    const big = "x".repeat(5000);
    writeFileSync(join(dir, LOCK_FILE), big);
    const err = await rejection(acquireDirLock(dir), LockUnavailableError);
    assert.match(err.message, /not a SQLite database \(5000 bytes\)/);
    assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), big);
  });
});

test("dir lock: a lock file that is a symlink is refused and its target left untouched", async () => {
  await inTempDir(async (dir) => {
    writeFileSync(join(dir, "precious"), "data that must survive");
    symlinkSync(join(dir, "precious"), join(dir, LOCK_FILE));
    const err = await rejection(acquireDirLock(dir), LockUnavailableError);
    assert.match(err.message, /not a regular file/);
    assert.equal(readFileSync(join(dir, "precious"), "utf8"), "data that must survive");
  });
});

test("dir lock: a holder record that is a symlink is never written through", async () => {
  await inTempDir(async (dir) => {
    writeFileSync(join(dir, "precious"), "data that must survive");
    symlinkSync(join(dir, "precious"), join(dir, HOLDER_FILE));
    const lock = await acquireDirLock(dir);
    assert.equal(readFileSync(join(dir, "precious"), "utf8"), "data that must survive");
    assert.ok(lstatSync(join(dir, HOLDER_FILE)).isSymbolicLink());
    await lock.release();
    assert.equal(readFileSync(join(dir, "precious"), "utf8"), "data that must survive");
  });
});

test("dir lock: a holder record that is a link to nothing is never created through", async () => {
  await inTempDir(async (dir) => {
    symlinkSync(join(dir, "elsewhere"), join(dir, HOLDER_FILE));
    const lock = await acquireDirLock(dir);
    await lock.recorded;
    await lock.release();
    assert.equal(existsSync(join(dir, "elsewhere")), false);
    assert.ok(lstatSync(join(dir, HOLDER_FILE)).isSymbolicLink());
  });
});

test("dir lock: a holder record that is a named pipe neither blocks an owner nor a refused open", {
  skip: process.platform !== "linux" ? "mkfifo is tested on Linux" : undefined,
}, async () => {
  await inTempDir(async (dir) => {
    const made = spawnSync("mkfifo", [join(dir, HOLDER_FILE)]);
    assert.equal(made.status, 0, String(made.stderr));
    const lock = await acquireDirLock(dir);
    await lock.release();
    const err = await rejection(
      acquireDirLock(dir, { tryLock: () => Promise.resolve("busy") }),
      LogLockedError,
    );
    assert.equal(err.holder, undefined);
    assert.ok(lstatSync(join(dir, HOLDER_FILE)).isFIFO());
  });
});
