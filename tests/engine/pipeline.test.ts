/**
 * CommitPipeline on its own, over a fake durable sink: group commit (one
 * flush or fsync per batch), commit order, exclusive work holding new
 * writes back, and failure.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CommitPipeline,
  type Durability,
  DURABILITY_FLUSH,
  DURABILITY_FSYNC,
  DURABILITY_NONE,
  type PersistTarget,
} from "../../src/engine/pipeline.ts";

/** A durable sink that records the calls made to it. */
class FakeSink implements PersistTarget {
  stagedBytes = 0;
  readonly calls: string[] = [];
  /** flushSync() reports it could not flush synchronously. */
  noSyncFlush = false;
  /** The next sync() or flush() rejects with this. */
  fail: Error | undefined;

  flushSync(): boolean {
    this.calls.push("flushSync");
    if (this.noSyncFlush) return false;
    const fail = this.fail;
    this.fail = undefined;
    if (fail !== undefined) throw fail;
    this.stagedBytes = 0;
    return true;
  }

  flush(): Promise<void> {
    this.calls.push("flush");
    return this.#settle();
  }

  sync(): Promise<void> {
    this.calls.push("sync");
    return this.#settle();
  }

  #settle(): Promise<void> {
    const fail = this.fail;
    this.fail = undefined;
    if (fail !== undefined) return Promise.reject(fail);
    this.stagedBytes = 0;
    return Promise.resolve();
  }
}

/** A pipeline over a fresh fake sink, with the failures it reported. */
function setup(): { sink: FakeSink; pipeline: CommitPipeline; failures: unknown[] } {
  const sink = new FakeSink();
  const failures: unknown[] = [];
  const pipeline = new CommitPipeline(sink, {
    onFailure: (error) => failures.push(error),
    failedError: (cause) => new Error("failed log", { cause }),
  });
  return { sink, pipeline, failures };
}

test("pipeline: writes submitted together commit in order in one batch, with one fsync", async () => {
  const { sink, pipeline } = setup();
  const order: number[] = [];
  const durabilities: Durability[] = [DURABILITY_NONE, DURABILITY_FSYNC, DURABILITY_FLUSH];
  const results = await Promise.all(
    durabilities.map((d, i) =>
      pipeline.submit(d, () => {
        order.push(i);
        return i * 10;
      })
    ),
  );
  assert.deepEqual(results, [0, 10, 20]);
  assert.deepEqual(order, [0, 1, 2]);
  assert.deepEqual(sink.calls, ["sync"]);
});

test("pipeline: a flush is done synchronously when the sink can, else asynchronously", async () => {
  const { sink, pipeline } = setup();
  await pipeline.submit(DURABILITY_FLUSH, () => {});
  assert.deepEqual(sink.calls, ["flushSync"]);
  sink.noSyncFlush = true;
  await pipeline.submit(DURABILITY_FLUSH, () => {});
  assert.deepEqual(sink.calls, ["flushSync", "flushSync", "flush"]);
});

test("pipeline: a write that needs no persist commits without touching the sink, until 1 MiB is staged", async () => {
  const { sink, pipeline } = setup();
  await pipeline.submit(DURABILITY_NONE, () => {});
  assert.deepEqual(sink.calls, []);
  sink.stagedBytes = 1024 * 1024 + 1;
  await pipeline.submit(DURABILITY_NONE, () => {});
  assert.deepEqual(sink.calls, ["flushSync"]);
  assert.equal(sink.stagedBytes, 0);
});

test("pipeline: a failed fsync rejects its batch with the I/O error and every later write with the failed-log error", async () => {
  const { sink, pipeline, failures } = setup();
  const disk = new Error("EIO");
  sink.fail = disk;
  let committed = false;
  const first = pipeline.submit(DURABILITY_FSYNC, () => (committed = true));
  await assert.rejects(first, (err) => err === disk);
  assert.equal(committed, false);
  assert.deepEqual(failures, [disk]);
  assert.equal(pipeline.failure, disk);
  await assert.rejects(
    pipeline.submit(DURABILITY_NONE, () => {}),
    (err: Error) => err.message === "failed log" && err.cause === disk,
  );
  assert.deepEqual(failures, [disk]);
});

test("pipeline: a commit that throws rejects only its own write", async () => {
  const { pipeline } = setup();
  const bad = new Error("bad commit");
  const [a, b] = await Promise.allSettled([
    pipeline.submit(DURABILITY_NONE, () => {
      throw bad;
    }),
    pipeline.submit(DURABILITY_NONE, () => "ok"),
  ]);
  assert.deepEqual(a, { status: "rejected", reason: bad });
  assert.deepEqual(b, { status: "fulfilled", value: "ok" });
  assert.equal(pipeline.failure, undefined);
});

test("pipeline: exclusive work starts once earlier writes commit; writes deferred meanwhile are staged after it, in order", async () => {
  const { pipeline } = setup();
  const events: string[] = [];
  const before = pipeline.submit(DURABILITY_FSYNC, () => events.push("commit before"));
  const exclusive = pipeline.exclusive(async () => {
    events.push("exclusive");
    await Promise.resolve();
  });
  assert.equal(pipeline.blocked, true);
  pipeline.defer(() => events.push("stage 1"));
  pipeline.defer(() => events.push("stage 2"));
  assert.equal(events.length, 0);
  await Promise.all([before, exclusive]);
  assert.deepEqual(events, ["commit before", "exclusive", "stage 1", "stage 2"]);
  assert.equal(pipeline.blocked, false);
  pipeline.defer(() => events.push("at once"));
  assert.equal(events.at(-1), "at once");
});

test("pipeline: exclusive work that throws rejects its promise and leaves the pipeline working", async () => {
  const { pipeline } = setup();
  const oops = new Error("oops");
  await assert.rejects(
    pipeline.exclusive(() => Promise.reject(oops)),
    (err) => err === oops,
  );
  assert.equal(pipeline.failure, undefined);
  assert.equal(await pipeline.submit(DURABILITY_FLUSH, () => 1), 1);
});

test("pipeline: failWith fails the pipeline as a failed write would, once", async () => {
  const { pipeline, failures } = setup();
  const first = new Error("first");
  pipeline.failWith(first);
  pipeline.failWith(new Error("second"));
  assert.deepEqual(failures, [first]);
  assert.equal(pipeline.failure, first);
  await assert.rejects(
    pipeline.submit(DURABILITY_NONE, () => {}),
    (err: Error) => err.cause === first,
  );
});

test("pipeline: persistNow flushes at once when idle and says the write may commit", () => {
  const { sink, pipeline } = setup();
  sink.stagedBytes = 100;
  assert.equal(pipeline.persistNow(DURABILITY_FLUSH), true);
  assert.deepEqual(sink.calls, ["flushSync"]);
  assert.equal(sink.stagedBytes, 0);
});

test("pipeline: persistNow declines an fsync, a busy pipeline, and a sink that cannot flush synchronously", async () => {
  const { sink, pipeline } = setup();
  assert.equal(pipeline.persistNow(DURABILITY_FSYNC), false);
  const pending = pipeline.submit(DURABILITY_FLUSH, () => "earlier");
  assert.equal(pipeline.persistNow(DURABILITY_FLUSH), false); // an earlier write has not committed
  assert.equal(await pending, "earlier");
  await Promise.resolve(); // a new turn
  sink.noSyncFlush = true;
  assert.equal(pipeline.persistNow(DURABILITY_FLUSH), false);
  assert.deepEqual(sink.calls, ["flushSync", "flushSync"]);
});

test("pipeline: after persistNow flushed a write, writes of the same turn are batched into one flush", async () => {
  const { sink, pipeline } = setup();
  assert.equal(pipeline.persistNow(DURABILITY_FLUSH), true);
  assert.equal(pipeline.persistNow(DURABILITY_FLUSH), false);
  const later = [1, 2, 3].map((i) => pipeline.submit(DURABILITY_FLUSH, () => i));
  assert.deepEqual(await Promise.all(later), [1, 2, 3]);
  assert.deepEqual(sink.calls, ["flushSync", "flushSync"]);
  assert.equal(pipeline.persistNow(DURABILITY_FLUSH), true); // the turn is over
});

test("pipeline: persistNow needs no flush for a write that needs no persist, until 1 MiB is staged", () => {
  const { sink, pipeline } = setup();
  sink.stagedBytes = 1024 * 1024;
  assert.equal(pipeline.persistNow(DURABILITY_NONE), true);
  assert.deepEqual(sink.calls, []);
  sink.stagedBytes = 1024 * 1024 + 1;
  assert.equal(pipeline.persistNow(DURABILITY_NONE), true);
  assert.deepEqual(sink.calls, ["flushSync"]);
});

test("pipeline: a flush persistNow fails fails the pipeline and throws the I/O error", async () => {
  const { sink, pipeline, failures } = setup();
  const error = new Error("EIO");
  sink.fail = error;
  assert.throws(() => pipeline.persistNow(DURABILITY_FLUSH), error);
  assert.deepEqual(failures, [error]);
  assert.equal(pipeline.failure, error);
  assert.equal(pipeline.persistNow(DURABILITY_FLUSH), false);
  await assert.rejects(pipeline.submit(DURABILITY_FLUSH, () => 1), /failed log/);
});
