/**
 * The error classes: each has its own stable `code`, `MrlErrorCode` is
 * exactly the set of them (a `switch` over it is exhaustive), every error
 * class mod exports is an `MrlError` (argument errors too), the README
 * lists every one, and the lock error tells a holder in this very process
 * from one elsewhere.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import * as mod from "../../mod.ts";
import {
  type AnyMrlError,
  CorruptLogError,
  FileSizeMismatchError,
  InvalidArgumentError,
  InvalidQueueNameError,
  IoError,
  LockUnavailableError,
  LogClosedError,
  LogFailedError,
  LogLockedError,
  LogReadOnlyError,
  MrlError,
  type MrlErrorCode,
  MultiRecordLog,
  NotADirectoryError,
  PayloadDecodeError,
  PositionInPastError,
  PositionOutOfRangeError,
  QueueAlreadyExistsError,
  QueueNotFoundError,
  ResourceExhaustedError,
} from "../../mod.ts";
import { repoRoot } from "../helpers/repo.ts";
import { tempDir } from "../helpers/temp.ts";

/** One instance of each class, under its code: `satisfies` fails to compile if a code is missing or extra. */
const BY_CODE = {
  QUEUE_NOT_FOUND: new QueueNotFoundError("q"),
  QUEUE_ALREADY_EXISTS: new QueueAlreadyExistsError("q"),
  PAYLOAD_DECODE: new PayloadDecodeError("q", 3, new Error("x")),
  POSITION_IN_PAST: new PositionInPastError("q", 1, 2),
  LOG_CLOSED: new LogClosedError("/d"),
  LOG_FAILED: new LogFailedError("/d", new Error("x")),
  LOG_LOCKED: new LogLockedError("/d", { pid: 1 }),
  LOCK_UNAVAILABLE: new LockUnavailableError("/d", "no SQLite", "upgrade"),
  LOG_READ_ONLY: new LogReadOnlyError("/d"),
  NOT_A_DIRECTORY: new NotADirectoryError("/f"),
  CORRUPT_LOG: new CorruptLogError("bad", "wal-00000000000000000000"),
  IO_ERROR: new IoError("write", "/f", new Error("x"), "EIO"),
  FILE_SIZE_MISMATCH: new FileSizeMismatchError(
    "/d",
    32768,
    "wal-00000000000000000000",
    65536,
    65536,
  ),
  POSITION_OUT_OF_RANGE: new PositionOutOfRangeError("q", 2n ** 60n, "wal-00000000000000000000"),
  RESOURCE_EXHAUSTED: new ResourceExhaustedError("q", "memory", 10, 20, 15),
  INVALID_ARGUMENT: new InvalidArgumentError("fileSize", "range", "fileSize must be ..."),
  INVALID_QUEUE_NAME: new InvalidQueueNameError("\uD800", "not-well-formed", 0),
} satisfies { [C in MrlErrorCode]: MrlError<C> };

/** Compiles only while every code is handled: the exhaustiveness `MrlErrorCode` promises. */
function fieldOf(err: AnyMrlError): string {
  switch (err.code) {
    case "QUEUE_NOT_FOUND":
    case "QUEUE_ALREADY_EXISTS":
    case "PAYLOAD_DECODE":
    case "POSITION_IN_PAST":
    case "POSITION_OUT_OF_RANGE":
    case "RESOURCE_EXHAUSTED":
      return err.queue;
    case "LOG_CLOSED":
    case "LOG_FAILED":
    case "LOG_LOCKED":
    case "LOCK_UNAVAILABLE":
    case "LOG_READ_ONLY":
    case "FILE_SIZE_MISMATCH":
      return err.dir;
    case "NOT_A_DIRECTORY":
    case "IO_ERROR":
      return err.path;
    case "CORRUPT_LOG":
      return err.file;
    case "INVALID_ARGUMENT":
      return `${err.argument} (${err.kind})`;
    case "INVALID_QUEUE_NAME":
      return err.reason;
    default: {
      const unhandled: never = err;
      return unhandled;
    }
  }
}

test("errors: each class carries its own code, and the codes are exactly MrlErrorCode", () => {
  for (const [code, err] of Object.entries(BY_CODE)) {
    assert.equal(err.code, code);
    assert.ok(err instanceof MrlError, code);
    assert.equal(err.name, err.constructor.name);
  }
  assert.equal(Object.keys(BY_CODE).length, 17);
});

test("errors: a switch on code narrows to the class (fields of each)", () => {
  const fields = Object.values(BY_CODE).map((err) => fieldOf(err));
  assert.deepEqual(fields, [
    "q",
    "q",
    "q",
    "q",
    "/d",
    "/d",
    "/d",
    "/d",
    "/d",
    "/f",
    "wal-00000000000000000000",
    "/f",
    "/d",
    "q",
    "q",
    "fileSize (range)",
    "not-well-formed",
  ]);
});

test("errors: every error class mod exports is one of them", () => {
  const exported = Object.entries(mod)
    .filter(([name, value]) => typeof value === "function" && /Error$/.test(name))
    .map(([name]) => name)
    .sort();
  const known = [
    ...Object.values(BY_CODE).map((err) => err.constructor.name),
    "MrlError",
  ].sort();
  assert.deepEqual(exported, known);
});

test("errors: the README's error list names every code", async () => {
  const readme = await readFile(join(repoRoot(), "README.md"), "utf8");
  const missing = Object.keys(BY_CODE).filter((code) => !readme.includes(`\`${code}\``));
  assert.deepEqual(missing, []);
});

test("errors: a second open in this process says the log is already open in this process", async () => {
  const dir = await tempDir();
  try {
    const first = await MultiRecordLog.open(dir.path);
    const err = await MultiRecordLog.open(dir.path).catch((e) => e);
    await first.close();
    assert.ok(err instanceof LogLockedError, String(err));
    assert.equal(err.inThisProcess, true);
    assert.equal(err.pid, process.pid);
    assert.equal(
      err.message,
      `the log at ${JSON.stringify(dir.path)} is already open in this process ` +
        `(pid ${process.pid}): use that instance, or close it first`,
    );
  } finally {
    await dir.cleanup();
  }
});

test("errors: a holder elsewhere is named as a process, not as this one", () => {
  const err = new LogLockedError("/d", { pid: 42, runtime: "node", host: "h" });
  assert.equal(err.inThisProcess, false);
  assert.equal(
    err.message,
    'the log at "/d" is open by process 42 (node) on host "h": close the log there first',
  );
});

test("errors: a bad argument is an InvalidArgumentError naming it, whether of the wrong type or out of range", async () => {
  const dir = await tempDir();
  try {
    const range = await MultiRecordLog.open(dir.path, { fileSize: 1000 }).catch((e) => e);
    assert.ok(range instanceof InvalidArgumentError && range instanceof MrlError, String(range));
    assert.deepEqual([range.code, range.argument, range.kind], [
      "INVALID_ARGUMENT",
      "fileSize",
      "range",
    ]);
    assert.equal(range.name, "InvalidArgumentError");
    const type = await MultiRecordLog.open(dir.path, { lock: "yes" as never }).catch((e) => e);
    assert.ok(type instanceof InvalidArgumentError, String(type));
    assert.deepEqual([type.code, type.argument, type.kind], ["INVALID_ARGUMENT", "lock", "type"]);
    assert.equal(type.message, "lock must be a boolean, got yes");
  } finally {
    await dir.cleanup();
  }
});

test("errors: a queue name the log cannot store is an MrlError with code INVALID_QUEUE_NAME", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    const err = await log.createQueue("\uD800").catch((e) => e);
    await log.close();
    assert.ok(err instanceof InvalidQueueNameError && err instanceof MrlError, String(err));
    assert.equal(err.code, "INVALID_QUEUE_NAME");
  } finally {
    await dir.cleanup();
  }
});
