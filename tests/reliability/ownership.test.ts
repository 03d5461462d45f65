/** One open log owns a directory; read-only opens change nothing and need no ownership. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";
import {
  IoError,
  LockUnavailableError,
  LogLockedError,
  LogReadOnlyError,
  MultiRecordLog,
} from "../../mod.ts";
import { nodeFileSystem } from "../../node.ts";
import { withChildren } from "../helpers/race.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { bytes, tempDir } from "../helpers/temp.ts";
import { contents } from "../helpers/log.ts";
import { scriptCommand, sibling } from "../helpers/run_script.ts";

const holder = sibling(import.meta.url, "hold_child.ts");
const command = scriptCommand(holder);

/** Every file of a directory with its bytes. */
async function files(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = Buffer.from(await readFile(join(dir, name))).toString("base64");
  }
  return out;
}

test("ownership: a second open of a directory in the same process fails with LogLockedError until the first closes", async () => {
  const dir = await tempDir();
  try {
    const first = await MultiRecordLog.open(dir.path);
    const err = await MultiRecordLog.open(dir.path).catch((e) => e);
    assert.ok(err instanceof LogLockedError, String(err));
    assert.equal(err.code, "LOG_LOCKED");
    assert.equal(err.pid, process.pid);
    await first.close();
    const second = await MultiRecordLog.open(dir.path);
    await second.close();
  } finally {
    await dir.cleanup();
  }
});

test("ownership: a directory owned by another process is refused; after that process is killed it opens", async () => {
  const dir = await tempDir();
  try {
    const child = spawn(command[0], [...command.slice(1), dir.path], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pid = await new Promise<number>((resolvePromise, reject) => {
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const m = /ready (\d+)/.exec(out);
        if (m) resolvePromise(Number(m[1]));
      });
      child.on("close", (code) => reject(new Error(`holder exited early (${code})`)));
    });
    const err = await MultiRecordLog.open(dir.path).catch((e) => e);
    assert.ok(err instanceof LogLockedError, String(err));
    assert.equal(err.pid, pid);
    const closed = new Promise((r) => child.on("close", r));
    child.kill("SIGKILL");
    await closed;
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("after-kill");
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("read-only: opens while the owner has the log open, reads everything, and refuses writes", async () => {
  const dir = await tempDir();
  try {
    const owner = await MultiRecordLog.open(dir.path);
    await owner.createQueue("q");
    await owner.appendRecords("q", [bytes("a"), bytes("b")]);
    const readOnly = true as boolean; // not the literal: the type then has the writes, to call them
    const reader = await MultiRecordLog.open(dir.path, { readOnly });
    assert.deepEqual(contents(reader, "q"), [[0, "a"], [1, "b"]]);
    const isReadOnly = (err: unknown) =>
      err instanceof LogReadOnlyError && err.code === "LOG_READ_ONLY";
    await assert.rejects(reader.appendRecord("q", bytes("c")), isReadOnly);
    await assert.rejects(reader.createQueue("x"), isReadOnly);
    await assert.rejects(reader.deleteQueue("q"), isReadOnly);
    await assert.rejects(reader.truncate("q", 0), isReadOnly);
    await assert.rejects(reader.persist("fsync"), isReadOnly);
    await reader.close();
    await owner.appendRecord("q", bytes("c"));
    await owner.close();
  } finally {
    await dir.cleanup();
  }
});

test("read-only: changes not a single byte or file, where a writable open would cut stale bytes", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 32768 * 4 });
    await log.createQueue("q");
    for (let i = 0; i < 3; i++) await log.appendRecord("q", new Uint8Array(20_000).fill(i + 1));
    await log.close();
    // Stale bytes past the end of the log (after zeros): unreachable, and cut by a writable open.
    const wal = join(dir.path, "wal-00000000000000000000");
    const data = new Uint8Array(await readFile(wal));
    let end = data.length;
    while (data[end - 1] === 0) end--;
    const clean = data.slice();
    data.fill(0x33, end + 100, end + 150);
    await writeFile(wal, data);
    const before = await files(dir.path);
    const reader = await MultiRecordLog.open(dir.path, { readOnly: true, fileSize: 32768 * 4 });
    assert.equal([...reader.range("q")].length, 3);
    await reader.close();
    assert.deepEqual(await files(dir.path), before);
    // The same open, writable, does cut it (so the check above can fail): the 50 bytes move to a
    // salvage file named by their offset, and the wal file is as it was before they were written.
    await (await MultiRecordLog.open(dir.path, { fileSize: 32768 * 4 })).close();
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
    assert.deepEqual(await files(dir.path), {
      ...before,
      [`salvage-wal-00000000000000000000-offset-${end + 100}`]: b64(
        new Uint8Array(50).fill(0x33),
      ),
      "wal-00000000000000000000": b64(clean),
    });
  } finally {
    await dir.cleanup();
  }
});

test("read-only: a missing directory is an IoError (ENOENT) and is not created", async () => {
  const dir = await tempDir();
  try {
    const missing = join(dir.path, "missing");
    const err = await MultiRecordLog.open(missing, { readOnly: true }).catch((e) => e);
    assert.ok(err instanceof IoError && err.osCode === "ENOENT", String(err));
    await assert.rejects(stat(missing));
  } finally {
    await dir.cleanup();
  }
});

test("read-only: an empty directory opens as an empty log and stays empty", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { readOnly: true });
    assert.deepEqual(log.listQueues(), []);
    await log.close();
    assert.deepEqual(await readdir(dir.path), []);
  } finally {
    await dir.cleanup();
  }
});

test("ownership: a writable open reports the lock it holds as lockKind (sqlite); read-only opens hold none", async () => {
  const dir = await tempDir();
  try {
    const owner = await MultiRecordLog.open(dir.path);
    assert.equal(owner.lockKind, "sqlite");
    const reader = await MultiRecordLog.open(dir.path, { readOnly: true });
    assert.equal(reader.lockKind, "none");
    await reader.close();
    await owner.close();
  } finally {
    await dir.cleanup();
  }
});

test("ownership: a port without lock() over this machine's file system gets the SQLite lock like the adapters", async () => {
  const dir = await tempDir();
  try {
    const wrapped = { ...nodeFileSystem, readDir: (p: string) => nodeFileSystem.readDir(p) };
    const log = await MultiRecordLog.open(dir.path, { fs: wrapped });
    assert.equal(log.lockKind, "sqlite");
    const err = await MultiRecordLog.open(dir.path).catch((e) => e);
    assert.ok(err instanceof LogLockedError, String(err));
    await log.close();
  } finally {
    await dir.cleanup();
  }
});

test("ownership: a port over other storage without lock() is refused with LockUnavailableError, and opens with { lock: false } holding none", async () => {
  const fs = new MemoryFileSystem();
  const { lock: _lock, ...unlocked } = fs;
  const port = {
    ...unlocked,
    openFile: fs.openFile.bind(fs),
    readDir: fs.readDir.bind(fs),
    stat: fs.stat.bind(fs),
    mkdir: fs.mkdir.bind(fs),
    remove: fs.remove.bind(fs),
    syncDir: fs.syncDir.bind(fs),
    rename: fs.rename.bind(fs),
  };
  const err = await MultiRecordLog.open("/mrl-nowhere/wal", { fs: port }).catch((e) => e);
  assert.ok(err instanceof LockUnavailableError, String(err));
  assert.equal(err.code, "LOCK_UNAVAILABLE");
  assert.equal(err.dir, "/mrl-nowhere/wal");
  assert.match(err.hint, /\{ lock: false \}/);
  const log = await MultiRecordLog.open("/mrl-nowhere/wal", { fs: port, lock: false });
  assert.equal(log.lockKind, "none");
  await log.close();
  await assert.rejects(
    MultiRecordLog.open("/mrl-nowhere/wal", { fs, lock: "no" as unknown as boolean }),
    { name: "InvalidArgumentError", argument: "lock", kind: "type" },
  );
});

/** Runs as many collections as this runtime lets a test ask for (Bun.gc, or garbage enough for V8's). */
function collectGarbage(): void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun !== undefined) return bun.gc(true);
  let keep = 0;
  for (let i = 0; i < 200; i++) keep += new Uint8Array(1 << 20).length + [{ i }].length;
  assert.equal(keep, 200 * ((1 << 20) + 1));
}

test("ownership: the lock survives garbage collection and the open and close of a read-only log in the owner's process", async () => {
  const dir = await tempDir();
  try {
    const owner = await MultiRecordLog.open(dir.path);
    collectGarbage();
    // A read-only open in the owner's own process lists and reads the directory: nothing it does
    // may drop the owner's record lock (POSIX locks go when the process closes any descriptor of
    // the locked file).
    await (await MultiRecordLog.open(dir.path, { readOnly: true })).close();
    await withChildren(["deno-noffi", "node26"], async (children) => {
      for (const [i, child] of children.entries()) {
        assert.equal(await child.ask(`open ${dir.path} c${i}`), `locked c${i}`);
      }
    });
    await owner.close();
  } finally {
    await dir.cleanup();
  }
});
