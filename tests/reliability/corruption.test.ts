/**
 * Corruption fuzzing: random byte flips, zeroed ranges, truncated files,
 * garbage files named like wal files and missing middle files. open() never
 * hangs, never throws anything but the library's documented errors, and
 * every recovered record is one that was written, with its exact payload.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import fc from "fast-check";
import { MrlError, MultiRecordLog } from "../../mod.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";

const DIR = "/wal";
const FILE_SIZE = 32768 * 2;
const RUNS = Number(process.env.MRL_FUZZ_RUNS ?? 150);
const QUEUES = ["alpha", "beta", "gamma"];

/** The payload written at `position` of `queue`: recognisable, of varying size. */
function expectedPayload(queue: string, position: number): Uint8Array {
  const size = (position * 37 + queue.length * 11) % 700;
  const out = new Uint8Array(8 + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, position);
  view.setUint32(4, queue.charCodeAt(0));
  for (let i = 8; i < out.length; i++) out[i] = (position + i * queue.length) & 0xff;
  return out;
}

/** A log of several files: three queues, batches, truncations. Built once, copied per run. */
async function buildLog(): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  const log = await MultiRecordLog.open(DIR, { fs, fileSize: FILE_SIZE });
  for (const q of QUEUES) await log.createQueue(q);
  const next = new Map(QUEUES.map((q) => [q, 0]));
  for (let round = 0; round < 150; round++) {
    const q = QUEUES[round % 3];
    const start = next.get(q)!;
    const count = 1 + (round % 4);
    await log.appendRecords(
      q,
      Array.from({ length: count }, (_, i) => expectedPayload(q, start + i)),
    );
    next.set(q, start + count);
    if (round % 25 === 24) await log.truncate(q, start - 5);
  }
  await log.close();
  return fs;
}

type Damage =
  | { kind: "flip"; file: number; offset: number; value: number }
  | { kind: "zero"; file: number; offset: number; length: number }
  | { kind: "cut"; file: number; length: number }
  | { kind: "garbage"; number: number; seed: number; length: number }
  | { kind: "drop"; file: number };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({
    kind: fc.constant("flip" as const),
    file: fc.nat(5),
    offset: fc.nat(FILE_SIZE - 1),
    value: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant("zero" as const),
    file: fc.nat(5),
    offset: fc.nat(FILE_SIZE - 1),
    length: fc.integer({ min: 1, max: 5000 }),
  }),
  fc.record({ kind: fc.constant("cut" as const), file: fc.nat(5), length: fc.nat(FILE_SIZE) }),
  fc.record({
    kind: fc.constant("garbage" as const),
    number: fc.nat(12),
    seed: fc.nat(),
    length: fc.nat(3 * 32768),
  }),
  fc.record({ kind: fc.constant("drop" as const), file: fc.nat(5) }),
);

async function applyDamage(fs: MemoryFileSystem, d: Damage): Promise<void> {
  const files = fs.files(DIR);
  const name = (i: number) => files[i % files.length];
  const path = (file: string) => `${DIR}/${file}`;
  switch (d.kind) {
    case "flip": {
      const target = path(name(d.file));
      const current = fs.bytes(target);
      if (d.offset < current.length) {
        fs.corrupt(target, d.offset, new Uint8Array([current[d.offset] ^ d.value]));
      }
      return;
    }
    case "zero":
      fs.corrupt(
        path(name(d.file)),
        d.offset,
        new Uint8Array(Math.min(d.length, FILE_SIZE - d.offset)),
      );
      return;
    case "cut": {
      const handle = await fs.openFile(path(name(d.file)), "readwrite");
      await handle.truncate(d.length);
      await handle.datasync();
      return;
    }
    case "garbage": {
      const bytes = new Uint8Array(d.length);
      let x = d.seed | 1;
      for (let i = 0; i < bytes.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        bytes[i] = x & 0xff;
      }
      const target = path(`wal-${String(d.number).padStart(20, "0")}`);
      await fs.remove(target).catch(() => {}); // "create" never replaces a file
      const handle = await fs.openFile(target, "create");
      await handle.write(bytes, 0);
      await handle.datasync();
      return;
    }
    case "drop":
      if (files.length > 2) await fs.remove(path(name(1 + (d.file % (files.length - 2)))));
      return;
  }
}

const base = await buildLog();

test(`corruption: open never hangs or throws undocumented errors, and recovers only written records (${RUNS} runs)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(damage, { minLength: 1, maxLength: 5 }), async (damages) => {
      const fs = base.powerLoss(() => 0);
      for (const d of damages) await applyDamage(fs, d);
      let log: MultiRecordLog;
      try {
        log = await withTimeout(MultiRecordLog.open(DIR, { fs, fileSize: FILE_SIZE }), 10_000);
      } catch (err) {
        assert.ok(err instanceof MrlError, `undocumented error: ${err}`);
        return;
      }
      try {
        for (const q of log.listQueues()) {
          assert.ok(QUEUES.includes(q), `a queue that was never written: ${JSON.stringify(q)}`);
          let previous = -1;
          for (const r of log.range(q)) {
            assert.ok(r.position > previous, "positions increase");
            previous = r.position;
            assert.deepEqual(r.payload, expectedPayload(q, r.position), `${q} @ ${r.position}`);
          }
        }
        // The damaged log still takes writes, and keeps them.
        await log.createQueue("after-damage").catch(() => {});
        await log.appendRecord("after-damage", new Uint8Array([42]));
      } finally {
        await log.close();
      }
      const reopened = await MultiRecordLog.open(DIR, { fs, fileSize: FILE_SIZE });
      assert.deepEqual([...reopened.range("after-damage")].map((r) => [...r.payload]).at(-1), [42]);
      await reopened.close();
    }),
    { seed: 7, numRuns: RUNS },
  );
});

test("corruption: an undamaged copy of the fuzzed log recovers every record", async () => {
  const log = await MultiRecordLog.open(DIR, { fs: base.powerLoss(() => 0), fileSize: FILE_SIZE });
  // What buildLog() leaves: per queue, from one past its last truncation to its last append.
  const retained = new Map(QUEUES.map((q) => [q, { first: 0, next: 0 }]));
  for (let round = 0; round < 150; round++) {
    const q = retained.get(QUEUES[round % 3])!;
    const start = q.next;
    q.next += 1 + (round % 4);
    if (round % 25 === 24) q.first = Math.max(q.first, start - 4);
  }
  assert.deepEqual(log.listQueues().sort(), [...QUEUES].sort());
  for (const q of QUEUES) {
    const { first, next } = retained.get(q)!;
    const records = [...log.range(q)];
    assert.deepEqual(
      records.map((r) => r.position),
      Array.from({ length: next - first }, (_, i) => first + i),
      q,
    );
    for (const r of records) assert.deepEqual(r.payload, expectedPayload(q, r.position));
  }
  assert.deepEqual(log.recovery.issues, []);
  await log.close();
});

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`open() did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
