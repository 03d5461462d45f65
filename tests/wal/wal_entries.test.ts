/**
 * What sits at a wal file's name, on the real file system of each runtime:
 * a symbolic link to a regular file is read as that file (and written
 * through); a link to anything else, or to nothing, refuses the open with
 * CorruptLogError naming it; nothing is ever created over an existing entry
 * or emptied; and a roll that cannot create the next file leaves the log
 * failed but closable without closing any descriptor it does not own.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  closeSync,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { CorruptLogError, IoError, LogFailedError, MultiRecordLog } from "../../mod.ts";
import { bytes, tempDir, text } from "../helpers/temp.ts";
import { contents } from "../helpers/log.ts";

const WAL0 = "wal-00000000000000000000";
const WAL1 = "wal-00000000000000000001";
const FILE_SIZE = 32768;

/** The wal file names in `dir`, sorted. */
function walNames(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith("wal-")).sort();
}

/** A log in `dir` holding records "a".."e" of queue "q", in one wal file. */
async function fiveRecords(dir: string): Promise<void> {
  const log = await MultiRecordLog.open(dir, { fileSize: FILE_SIZE });
  await log.createQueue("q");
  await log.appendRecords("q", ["a", "b", "c", "d", "e"].map(bytes));
  await log.close();
}

test("wal entries: a wal file moved elsewhere and linked back is read like the file, and writing continues in it through the link", async () => {
  const dir = await tempDir();
  try {
    const log = join(dir.path, "log");
    const other = join(dir.path, "other-disk");
    mkdirSync(log);
    mkdirSync(other);
    await fiveRecords(log);
    renameSync(join(log, WAL0), join(other, WAL0));
    symlinkSync(join(other, WAL0), join(log, WAL0));
    const reopened = await MultiRecordLog.open(log, { fileSize: FILE_SIZE });
    assert.deepEqual(reopened.recovery.issues, []);
    assert.deepEqual(contents(reopened, "q"), [[0, "a"], [1, "b"], [2, "c"], [3, "d"], [4, "e"]]);
    await reopened.appendRecord("q", bytes("f"));
    await reopened.close();
    assert.deepEqual(walNames(log), [WAL0], "the link is still there, no file beside it");
    assert.ok(lstatSync(join(log, WAL0)).isSymbolicLink());
    assert.equal(statSync(join(other, WAL0)).size, FILE_SIZE);
    const readOnly = await MultiRecordLog.open(log, { readOnly: true });
    assert.deepEqual(contents(readOnly, "q").map(([, t]) => t).join(""), "abcdef");
    await readOnly.close();
  } finally {
    await dir.cleanup();
  }
});

for (
  const [what, makeTarget] of [
    ["nothing (a dangling link)", (_path: string) => {}],
    ["a directory", (path: string) => mkdirSync(path)],
  ] as const
) {
  test(`wal entries: a link named like a wal file pointing to ${what} refuses the open with CorruptLogError naming it; nothing is created`, async () => {
    const dir = await tempDir();
    try {
      const log = join(dir.path, "log");
      mkdirSync(log);
      await fiveRecords(log);
      const target = join(dir.path, "target");
      makeTarget(target);
      symlinkSync(target, join(log, WAL1));
      for (const readOnly of [false, true]) {
        await assert.rejects(
          MultiRecordLog.open(log, { fileSize: FILE_SIZE, readOnly }),
          (err: unknown) =>
            err instanceof CorruptLogError && err.code === "CORRUPT_LOG" && err.file === WAL1 &&
            err.message.includes("symbolic link"),
        );
      }
      assert.deepEqual(walNames(log), [WAL0, WAL1]);
      assert.equal(existsSync(target), what === "a directory", "nothing created through the link");
    } finally {
      await dir.cleanup();
    }
  });
}

for (
  const [what, make] of [
    ["a directory", (path: string) => mkdirSync(path)],
    ["a named pipe", (path: string) => assert.equal(spawnSync("mkfifo", [path]).status, 0)],
  ] as const
) {
  test(`wal entries: ${what} named like a wal file refuses the open (writable or read-only) with CorruptLogError naming it, without being opened`, async () => {
    const dir = await tempDir();
    try {
      await fiveRecords(dir.path);
      make(join(dir.path, WAL1));
      for (const readOnly of [false, true]) {
        await assert.rejects(
          MultiRecordLog.open(dir.path, { fileSize: FILE_SIZE, readOnly }),
          (err: unknown) =>
            err instanceof CorruptLogError && err.file === WAL1 &&
            err.message.includes("not a regular file"),
        );
      }
      assert.deepEqual(walNames(dir.path), [WAL0, WAL1]);
    } finally {
      await dir.cleanup();
    }
  });
}

test("wal entries: when the next wal file cannot be created, the roll fails the log; close() closes only the log's own descriptors", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: FILE_SIZE });
    await log.createQueue("q");
    await log.appendRecord("q", bytes("acknowledged"));
    mkdirSync(join(dir.path, WAL1)); // the roll's exclusive creation of wal file 1 fails (EEXIST)
    await assert.rejects(
      log.appendRecord("q", new Uint8Array(40_000)),
      (err: unknown) => err instanceof IoError && err.message.includes(WAL1),
    );
    // Descriptors opened now may get the number the log's wal file 0 had, had the roll closed it.
    const mine = Array.from({ length: 4 }, (_, i) => {
      const fd = openSync(join(dir.path, `mine-${i}`), "w+");
      writeSync(fd, `mine ${i}`);
      return fd;
    });
    try {
      await assert.rejects(log.appendRecord("q", bytes("later")), LogFailedError);
      await log.close();
      for (const [i, fd] of mine.entries()) {
        assert.equal(fstatSync(fd).size, 6, `descriptor ${i} still open`);
        const buffer = new Uint8Array(6);
        assert.equal(readSync(fd, buffer, 0, 6, 0), 6);
        assert.equal(text(buffer), `mine ${i}`);
      }
    } finally {
      for (const fd of mine) closeSync(fd);
    }
    assert.ok(
      statSync(join(dir.path, WAL1)).isDirectory(),
      "what was at the name is left as it was",
    );
    // A directory at a wal file's name refuses the open, naming it; once it is gone, all is there.
    await assert.rejects(
      MultiRecordLog.open(dir.path, { fileSize: FILE_SIZE }),
      (err: unknown) => err instanceof CorruptLogError && err.file === WAL1,
    );
    rmdirSync(join(dir.path, WAL1));
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: FILE_SIZE });
    assert.deepEqual(contents(reopened, "q"), [[0, "acknowledged"]]);
    await reopened.close();
    assert.equal(readFileSync(join(dir.path, "mine-0"), "utf8"), "mine 0");
  } finally {
    await dir.cleanup();
  }
});

test("wal entries: a later wal file that holds nothing is removed by a writable open that resumes in an earlier file, so appending rolls into that number again", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 4 * FILE_SIZE });
    await log.createQueue("q");
    for (let i = 0; i < 5; i++) await log.appendRecord("q", new Uint8Array(30_000).fill(i + 1));
    await log.close();
    // Damage: wal file 0 ends early (a zeroed block), and wal file 1 holds nothing.
    const wal0 = openSync(join(dir.path, WAL0), "r+");
    writeSync(wal0, new Uint8Array(FILE_SIZE), 0, FILE_SIZE, FILE_SIZE);
    closeSync(wal0);
    writeFileSync(join(dir.path, WAL1), new Uint8Array(4 * FILE_SIZE));
    const reopened = await MultiRecordLog.open(dir.path, { fileSize: 4 * FILE_SIZE });
    const kept = [...reopened.range("q")].map((r) => r.position);
    for (let i = 0; i < 6; i++) await reopened.appendRecord("q", new Uint8Array(30_000).fill(9));
    await reopened.close();
    const again = await MultiRecordLog.open(dir.path, { fileSize: 4 * FILE_SIZE });
    assert.equal([...again.range("q")].length, kept.length + 6);
    assert.ok(walNames(dir.path).length >= 2, "rolled into wal file 1 again");
    await again.close();
  } finally {
    await dir.cleanup();
  }
});
