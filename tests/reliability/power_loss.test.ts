/**
 * Power loss at random moments (in-memory file system): reopening recovers
 * exactly a prefix of the writes made, at least every acknowledged one, with
 * exact payloads, even when files roll and are deleted. Seeded: a failure
 * names the seed that reproduces it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog, type PersistPolicy } from "../../mod.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { LogModel, type Op, prng, snapshot } from "../helpers/model.ts";

/**
 * What a power loss keeps of the unsynced writes (torn at any byte) or
 * directory changes since the last sync: a random prefix.
 */
function somePrefix(random: () => number): (unsynced: number) => number {
  return (unsynced) => Math.floor(random() * (unsynced + 1));
}

const DIR = "/wal";
const QUEUES = ["a", "b", "c"];

function payload(random: () => number): Uint8Array {
  const size = random() < 0.1 ? 5000 + Math.floor(random() * 40000) : Math.floor(random() * 300);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(random() * 256);
  return out;
}

function randomOp(random: () => number, model: LogModel): Op {
  const queue = QUEUES[Math.floor(random() * QUEUES.length)];
  const r = random();
  if (!model.queues.has(queue)) return { op: "create", queue };
  if (r < 0.03) return { op: "delete", queue };
  if (r < 0.15) {
    const q = model.queues.get(queue)!;
    return { op: "truncate", queue, position: q.next - 1 - Math.floor(random() * 4) };
  }
  const count = 1 + Math.floor(random() * 3);
  return { op: "append", queue, payloads: Array.from({ length: count }, () => payload(random)) };
}

function call(log: MultiRecordLog, op: Op): Promise<unknown> {
  switch (op.op) {
    case "create":
      return log.createQueue(op.queue);
    case "delete":
      return log.deleteQueue(op.queue);
    case "append":
      return log.appendRecords(
        op.queue,
        op.payloads,
        op.position === undefined ? {} : { position: op.position },
      );
    case "truncate":
      return log.truncate(op.queue, Math.max(0, op.position));
    default:
      return log.persist("fsync");
  }
}

/**
 * Runs random writes, then a few more without waiting for them, then cuts the
 * power (each file keeping a random prefix of its unsynced writes). The
 * recovered state must be the state after some prefix of the writes, no
 * shorter than the last write that was acknowledged as fsynced.
 */
async function scenario(
  seed: number,
  policy: PersistPolicy,
  afterwards?: (fs: MemoryFileSystem) => Promise<void>,
): Promise<void> {
  const random = prng(seed);
  const fs = new MemoryFileSystem();
  const log = await MultiRecordLog.open(DIR, { fs, fileSize: 32768 * 2, persistPolicy: policy });
  const model = new LogModel();
  const states: string[] = [JSON.stringify(model.snapshot())];
  let durable = 0;
  const fsyncs = (op: Op) =>
    op.op === "create" || op.op === "delete" || op.op === "persist" ||
    (policy.kind === "always" && policy.action === "fsync");
  const steps = 20 + Math.floor(random() * 60);
  for (let i = 0; i < steps; i++) {
    const op: Op = random() < 0.05 ? { op: "persist" } : randomOp(random, model);
    if (op.op === "truncate") op.position = Math.max(0, op.position);
    model.apply(op);
    await call(log, op);
    states.push(JSON.stringify(model.snapshot()));
    if (fsyncs(op)) durable = states.length - 1;
  }
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < 1 + Math.floor(random() * 4); i++) {
    const op = randomOp(random, model);
    if (op.op === "truncate") op.position = Math.max(0, op.position);
    model.apply(op);
    pending.push(call(log, op).catch(() => {}));
    states.push(JSON.stringify(model.snapshot()));
  }
  const crashed = fs.powerLoss(somePrefix(random), somePrefix(random));
  await Promise.all(pending);
  await log.close();
  const reopened = await MultiRecordLog.open(DIR, {
    fs: crashed,
    fileSize: 32768 * 2,
    persistPolicy: policy,
  });
  const recovered = JSON.stringify(snapshot(reopened));
  await reopened.close();
  await afterwards?.(crashed);
  const match = states.lastIndexOf(recovered);
  assert.ok(
    match >= durable,
    `seed ${seed}: recovered state is ${
      match === -1 ? "no prefix of the writes" : `the prefix of ${match} writes`
    }` +
      `, but ${durable} were durable\nrecovered: ${recovered.slice(0, 300)}\ndurable: ${
        states[durable].slice(0, 300)
      }`,
  );
}

test("power loss: under always/fsync, reopening recovers a prefix of the writes holding every acknowledged one (60 seeds)", async () => {
  for (let seed = 1; seed <= 60; seed++) await scenario(seed, { kind: "always", action: "fsync" });
});

test("power loss: once a writable open has recovered, writing on and reopening reports no damage: what the crash left unfinished was cut (60 seeds)", async () => {
  let cut = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const policy: PersistPolicy = seed % 2 === 0
      ? { kind: "always", action: "fsync" }
      : { kind: "always", action: "flush" };
    await scenario(seed, policy, async (fs) => {
      // The open in scenario() cut the unfinished end (and reported its salvage); write on.
      let log = await MultiRecordLog.open(DIR, { fs, fileSize: 32768 * 2 });
      await log.createQueue("after").catch(() => {});
      await log.appendRecord("after", new Uint8Array(40_000).fill(seed));
      const before = JSON.stringify(snapshot(log));
      await log.close();
      log = await MultiRecordLog.open(DIR, { fs, fileSize: 32768 * 2 });
      try {
        assert.deepEqual(
          [log.recovery.issues, log.recovery.droppedTail],
          [[], undefined],
          `seed ${seed}`,
        );
        assert.equal(JSON.stringify(snapshot(log)), before, `seed ${seed}`);
      } finally {
        await log.close();
      }
      if (fs.files(DIR).some((n) => n.startsWith("salvage-"))) cut++;
    });
  }
  assert.ok(cut > 0, "some rounds ended in an unfinished record or a torn frame");
});

test("power loss: under always/flush, reopening recovers a prefix of the writes holding every fsynced one (60 seeds)", async () => {
  for (let seed = 100; seed < 160; seed++) {
    await scenario(seed, { kind: "always", action: "flush" });
  }
});

test("power loss: under never, after persist('fsync') everything before it is recovered (30 seeds)", async () => {
  for (let seed = 1000; seed < 1030; seed++) {
    const random = prng(seed);
    const fs = new MemoryFileSystem();
    const log = await MultiRecordLog.open(DIR, {
      fs,
      fileSize: 32768 * 2,
      persistPolicy: { kind: "never" },
    });
    const model = new LogModel();
    for (let i = 0; i < 30; i++) {
      const op = randomOp(random, model);
      if (op.op === "truncate") op.position = Math.max(0, op.position);
      model.apply(op);
      await call(log, op);
    }
    await log.persist("fsync");
    const crashed = fs.powerLoss(() => 0);
    await log.close();
    const reopened = await MultiRecordLog.open(DIR, { fs: crashed, fileSize: 32768 * 2 });
    assert.deepEqual(snapshot(reopened), model.snapshot(), `seed ${seed}`);
    await reopened.close();
  }
});

test("power loss after an injected fault: reopening recovers a prefix of the writes holding every fsynced one (60 seeds)", async () => {
  for (let seed = 5000; seed < 5060; seed++) {
    const random = prng(seed);
    const fs = new MemoryFileSystem();
    const policy: PersistPolicy = random() < 0.5
      ? { kind: "always", action: "fsync" }
      : { kind: "always", action: "flush" };
    const log = await MultiRecordLog.open(DIR, { fs, fileSize: 32768 * 2, persistPolicy: policy });
    const model = new LogModel();
    const states: string[] = [JSON.stringify(model.snapshot())];
    let durable = 0;
    const faultAt = 5 + Math.floor(random() * 40);
    let failed = false;
    for (let i = 0; i < 60 && !failed; i++) {
      if (i === faultAt) {
        const op = (["write", "datasync", "syncDir"] as const)[Math.floor(random() * 3)];
        const torn = op === "write" && random() < 0.5 ? Math.floor(random() * 40) : undefined;
        fs.inject({ op, nth: 1, code: random() < 0.5 ? "EIO" : "ENOSPC", tornBytes: torn });
      }
      const op: Op = randomOp(random, model);
      if (op.op === "truncate") op.position = Math.max(0, op.position);
      const next = model.clone();
      next.apply(op);
      try {
        await call(log, op);
      } catch {
        failed = true;
        // The failed write may or may not have reached the disk: both states are allowed.
        states.push(JSON.stringify(next.snapshot()));
        continue;
      }
      model.apply(op);
      states.push(JSON.stringify(model.snapshot()));
      if (op.op === "create" || op.op === "delete" || policy.action === "fsync") {
        durable = states.length - 1;
      }
    }
    const crashed = fs.powerLoss(somePrefix(random), somePrefix(random));
    await log.close();
    const reopened = await MultiRecordLog.open(DIR, { fs: crashed, fileSize: 32768 * 2 });
    const recovered = JSON.stringify(snapshot(reopened));
    await reopened.close();
    const match = states.lastIndexOf(recovered);
    assert.ok(
      match >= durable,
      `seed ${seed}: recovered ${
        match === -1 ? "no prefix" : `the prefix of ${match}`
      }, ${durable} durable`,
    );
  }
});
