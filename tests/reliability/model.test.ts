/**
 * Model-based test: random sequences of create / append (automatic and
 * explicit positions) / truncate / delete / reopen / persist / compact over a few
 * queues, with small files so that they roll and get deleted, checked after
 * every step against a plain in-memory model. Fixed seed; set
 * MRL_MODEL_RUNS (and MRL_MODEL_SEED) for a larger run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import fc from "fast-check";
import { MultiRecordLog } from "../../mod.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";
import { LogModel, type Op, snapshot } from "../helpers/model.ts";
import { tempDir } from "../helpers/temp.ts";

const RUNS = Number(process.env.MRL_MODEL_RUNS ?? 100);
const SEED = Number(process.env.MRL_MODEL_SEED ?? 20261125);
const FILE_SIZE = 32768 * 2;
/** Automatic compaction as eager as it gets, so that it runs in the middle of the sequences too. */
const COMPACTION = { maxPinnedFiles: 1 };
const queue = fc.constantFrom("a", "b", "日本");
const payloads = fc.array(
  fc.oneof(
    { weight: 9, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 10_000, maxLength: 50_000 }) },
  ),
  { maxLength: 4 },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: queue.map((q): Op => ({ op: "create", queue: q })) },
  { weight: 1, arbitrary: queue.map((q): Op => ({ op: "delete", queue: q })) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant("append" as const), queue, payloads }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("append" as const),
      queue,
      payloads,
      position: fc.nat(60),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("truncate" as const), queue, position: fc.nat(60) }),
  },
  { weight: 1, arbitrary: fc.constant<Op>({ op: "persist" }) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: "compact" }) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: "reopen" }) },
);

/** Two of the three queues exist from the start, so that most operations do something. */
const START: Op[] = [{ op: "create", queue: "a" }, { op: "create", queue: "b" }];

async function check(generated: Op[], open: () => Promise<MultiRecordLog>): Promise<void> {
  const ops = [...START, ...generated];
  const model = new LogModel();
  let log = await open();
  try {
    for (const [i, step] of ops.entries()) {
      if (step.op === "reopen") {
        await log.close();
        log = await open();
      } else {
        const expected = model.apply(step);
        let outcome = "ok";
        try {
          if (step.op === "create") await log.createQueue(step.queue);
          else if (step.op === "delete") await log.deleteQueue(step.queue);
          else if (step.op === "append") {
            await log.appendRecords(
              step.queue,
              step.payloads,
              step.position === undefined ? {} : { position: step.position },
            );
          } else if (step.op === "truncate") await log.truncate(step.queue, step.position);
          else if (step.op === "compact") await log.compact();
          else await log.persist("flush");
        } catch (err) {
          outcome = (err as Error).constructor.name;
        }
        assert.equal(outcome, expected, `step ${i} (${step.op})`);
      }
      assert.deepEqual(snapshot(log), model.snapshot(), `after step ${i} (${step.op})`);
    }
    await log.close();
    log = await open();
    assert.deepEqual(snapshot(log), model.snapshot(), "after a final reopen");
  } finally {
    await log.close();
  }
}

for (const payloads of ["memory", "disk"] as const) {
  test(`model (${payloads} mode): random operation sequences match the model after every step (${RUNS} runs, in-memory files)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), async (ops) => {
        const fs = new MemoryFileSystem();
        await check(
          ops,
          () =>
            MultiRecordLog.open("/wal", {
              fs,
              fileSize: FILE_SIZE,
              compaction: COMPACTION,
              payloads,
            }),
        );
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test(`model (${payloads} mode): random operation sequences match the model on the real file system (10 runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const dir = await tempDir();
        try {
          await check(
            ops,
            () =>
              MultiRecordLog.open(dir.path, {
                fileSize: FILE_SIZE,
                compaction: COMPACTION,
                payloads,
              }),
          );
        } finally {
          await dir.cleanup();
        }
      }),
      { seed: SEED + 1, numRuns: 10 },
    );
  });
}
