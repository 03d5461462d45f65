/**
 * The order of the durability steps (tests/helpers/durability.ts has the
 * rules): each operation that changes the files — creating a queue in a new
 * log, rolling to a new file, garbage collection, compaction, salvage at
 * open — is run on the in-memory file system, and its call log is checked
 * step by step.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog } from "../../mod.ts";
import { durabilityViolations } from "../helpers/durability.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { pseudoRandomBytes } from "../helpers/temp.ts";

const DIR = "/wal";
const FILE_SIZE = 2 * 32768;
const WAL = (n: number) => `wal-${String(n).padStart(20, "0")}`;
const TEMP = "wal-compaction.tmp";

function open(fs: MemoryFileSystem): Promise<MultiRecordLog> {
  return MultiRecordLog.open(DIR, {
    fs,
    fileSize: FILE_SIZE,
    compaction: false,
    persistPolicy: { kind: "always", action: "fsync" },
  });
}

/** Runs `call`, then marks its acknowledgement in the call log. */
async function acked(fs: MemoryFileSystem, call: Promise<unknown>): Promise<void> {
  await call;
  fs.mark("ack");
}

/** Index of the first line of `ops` at or after `from` equal to `line` (fails when there is none). */
function at(ops: readonly string[], line: string, from = 0): number {
  const i = ops.indexOf(line, from);
  assert.ok(i >= 0, `no \`${line}\` after line ${from} in:\n${ops.slice(from).join("\n")}`);
  return i;
}

test("durability order: the checker flags each rule broken (so that the tests below can fail)", () => {
  const cases: [string[], RegExp][] = [
    [[`create ${TEMP}`, `write ${TEMP}`, `rename ${TEMP} ${WAL(3)}`], /renames .* before its data/],
    [[`write ${WAL(0)}`, `create ${WAL(1)}`], /creates a wal file while .* unsynced/],
    [[`create ${WAL(1)}`, `remove ${WAL(0)}`], /removes a wal file before wal-0+1 is durable/],
    [[`create salvage-x`, `write salvage-x`, `syncDir /wal`, `truncate ${WAL(0)}`], /cuts/],
    [[`create ${WAL(0)}`, "ack"], /entry of wal-0+ not synced/],
    [[`write ${WAL(0)}`, "ack"], /unsynced writes/],
  ];
  for (const [ops, rule] of cases) {
    const found = durabilityViolations(ops);
    assert.equal(found.length, 1, ops.join("; "));
    assert.match(found[0], rule);
  }
  assert.deepEqual(
    durabilityViolations([
      `create ${TEMP}`,
      `write ${TEMP}`,
      `datasync ${TEMP}`,
      `rename ${TEMP} ${WAL(3)}`,
      "syncDir /wal",
      "ack",
    ]),
    [],
  );
});

test("durability order: queue creation, appends that roll, garbage collection and compaction follow every rule at every acknowledgement", async () => {
  const fs = new MemoryFileSystem();
  const log = await open(fs);
  await acked(fs, log.createQueue("quiet"));
  await acked(fs, log.createQueue("stream"));
  await acked(fs, log.appendRecord("quiet", pseudoRandomBytes(500, 1)));
  for (let i = 0; i < 40; i++) {
    await acked(fs, log.appendRecord("stream", pseudoRandomBytes(3000 + i * 50, 10 + i)));
    if (i % 10 === 9) await acked(fs, log.truncate("stream", i - 1));
  }
  const outcome = await log.compact();
  fs.mark("ack");
  await acked(fs, log.appendRecord("stream", pseudoRandomBytes(100, 99)));
  await log.close();
  assert.ok(outcome.filesDeleted >= 1, JSON.stringify(outcome));
  const ops = fs.ops;
  assert.ok(ops.some((l) => l.startsWith(`rename ${TEMP} `)), "a compaction ran");
  assert.ok(ops.includes(`create ${WAL(2)}`), "files rolled");
  assert.deepEqual(durabilityViolations(ops), []);
});

test("durability order: a roll syncs the full file, then creates the next one, preallocates it and syncs the directory, before writing to it", async () => {
  const fs = new MemoryFileSystem();
  const log = await open(fs);
  await acked(fs, log.createQueue("q"));
  await acked(fs, log.appendRecord("q", pseudoRandomBytes(FILE_SIZE - 1000, 1)));
  const start = fs.ops.length;
  await acked(fs, log.appendRecord("q", pseudoRandomBytes(5000, 2))); // rolls to file 1
  await log.close();
  const ops = fs.ops;
  const synced = at(ops, `datasync ${WAL(0)}`, start);
  const created = at(ops, `create ${WAL(1)}`, start);
  const preallocated = at(ops, `truncate ${WAL(1)}`, start);
  const entry = at(ops, "syncDir /wal", start);
  const written = at(ops, `write ${WAL(1)}`, start);
  const ack = at(ops, "ack", start);
  assert.ok(
    at(ops, `write ${WAL(0)}`, start) < synced,
    "the full file's last bytes, then its sync",
  );
  assert.deepEqual(
    [synced, created, preallocated, entry, written].map((i) => ops[i]),
    [synced, created, preallocated, entry, written].sort((a, b) => a - b).map((i) => ops[i]),
  );
  assert.ok(at(ops, `datasync ${WAL(1)}`, written) < ack);
  assert.ok(
    at(ops, `close ${WAL(0)}`, start) > entry,
    "the full file is closed once the next is in place",
  );
});

test("durability order: compaction syncs its temporary file before renaming it, then syncs the directory before writing on or deleting old files", async () => {
  const fs = new MemoryFileSystem();
  const log = await open(fs);
  await acked(fs, log.createQueue("quiet"));
  await acked(fs, log.createQueue("stream"));
  await acked(fs, log.appendRecord("quiet", pseudoRandomBytes(500, 1)));
  for (let i = 0; i < 30; i++) {
    await acked(fs, log.appendRecord("stream", pseudoRandomBytes(4000, 10 + i)));
  }
  await acked(fs, log.truncate("stream", 28));
  const start = fs.ops.length;
  const outcome = await log.compact();
  fs.mark("ack");
  await acked(fs, log.appendRecord("stream", pseudoRandomBytes(100, 99)));
  await log.close();
  assert.ok(outcome.queuesRewritten >= 1 && outcome.filesDeleted >= 1, JSON.stringify(outcome));
  const ops = fs.ops;
  const created = at(ops, `create ${TEMP}`, start);
  const written = at(ops, `write ${TEMP}`, created);
  const synced = at(ops, `datasync ${TEMP}`, written);
  const rename = ops.findIndex((l, i) => i > start && l.startsWith(`rename ${TEMP} `));
  const target = ops[rename].split(" ")[2];
  const entry = at(ops, "syncDir /wal", rename);
  const removed = at(ops, `remove ${WAL(0)}`, rename);
  assert.ok(synced < rename, `datasync at ${synced}, rename at ${rename}`);
  assert.ok(entry < removed, "the renamed file's entry is durable before old files go");
  assert.ok(entry < at(ops, `write ${target}`, rename), "and before writing continues in it");
  assert.deepEqual(durabilityViolations(ops), []);
});

test("durability order: salvage at open syncs each salvage file and the directory before anything is cut", async () => {
  const fs = new MemoryFileSystem();
  const log = await open(fs);
  await acked(fs, log.createQueue("q"));
  for (let i = 0; i < 70; i++) await acked(fs, log.appendRecord("q", pseudoRandomBytes(1000, i)));
  await log.close();
  fs.corrupt(`${DIR}/${WAL(0)}`, 32768, new Uint8Array(4096)); // replay ends in block 0
  const start = fs.ops.length;
  const reopened = await open(fs);
  await acked(fs, reopened.appendRecord("q", pseudoRandomBytes(10, 1)));
  await reopened.close();
  const ops = fs.ops;
  const salvaged = fs.files(DIR).filter((n) => n.startsWith("salvage-"));
  assert.deepEqual(salvaged, [
    "salvage-wal-00000000000000000000-offset-31980", // the unfinished record replay ended in
    "salvage-wal-00000000000000000000-offset-36864",
    "salvage-wal-00000000000000000001-offset-0",
  ]);
  const removed = at(ops, `remove ${WAL(1)}`, start);
  // The cut: zeros written over the rest of the resume block, then a truncation.
  const cut = Math.min(at(ops, `write ${WAL(0)}`, start), at(ops, `truncate ${WAL(0)}`, start));
  for (const name of salvaged) {
    const created = at(ops, `create ${name}`, start);
    const synced = at(ops, `datasync ${name}`, at(ops, `write ${name}`, created));
    const entry = at(ops, "syncDir /wal", synced);
    assert.ok(
      entry < removed && entry < cut,
      `${name} durable at ${entry}; cuts at ${removed}, ${cut}`,
    );
  }
  assert.deepEqual(durabilityViolations(ops.slice(start)), []);
});
