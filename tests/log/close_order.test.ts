/**
 * close() resolves only after every call made before it has settled, and
 * nothing touches the directory after it resolves: work a truncation or a
 * compaction queues (garbage collection, the compaction itself) runs before
 * the close, never after it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { FileSystem } from "../../mod.ts";
import { LogClosedError, MultiRecordLog } from "../../mod.ts";
import { nodeFileSystem } from "../../node.ts";
import { inTempDir } from "../helpers/temp.ts";

const FILE_SIZE = 32768 * 2;

/**
 * The Node adapter, with the first wal file removal held until `release()`,
 * and every call after `closed` is set recorded in `late`.
 */
function gatedFileSystem() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => open = resolve);
  let arrived!: () => void;
  const reached = new Promise<void>((resolve) => arrived = resolve);
  const state = { closed: false, late: [] as string[], held: false };
  const note = (what: string) => {
    if (state.closed) state.late.push(what);
  };
  const fs: FileSystem = {
    ...nodeFileSystem,
    openFile: (path, mode) => (note(`open ${path}`), nodeFileSystem.openFile(path, mode)),
    readDir: (path) => (note(`readDir ${path}`), nodeFileSystem.readDir(path)),
    rename: (from, to) => (note(`rename ${from}`), nodeFileSystem.rename!(from, to)),
    syncDir: (path) => (note(`syncDir ${path}`), nodeFileSystem.syncDir(path)),
    remove: async (path) => {
      note(`remove ${path}`);
      if (!state.held) {
        state.held = true;
        arrived();
        await gate;
      }
      return nodeFileSystem.remove(path);
    },
  };
  return { fs, state, reached, release: () => open() };
}

/** A log with queue "q" spread over several wal files, and a quiet queue pinning the first. */
async function spreadLog(fs: FileSystem, dir: string): Promise<MultiRecordLog> {
  const log = await MultiRecordLog.open(dir, { fs, fileSize: FILE_SIZE, compaction: false });
  await log.createQueue("quiet");
  await log.appendRecord("quiet", new Uint8Array(10));
  await log.createQueue("q");
  for (let i = 0; i < 8; i++) await log.appendRecord("q", new Uint8Array(20_000).fill(i));
  return log;
}

test("close: a truncation and a compaction held back behind file deletion settle before close() resolves, and nothing touches the directory after it", async () => {
  await inTempDir(async (dir) => {
    const { fs, state, reached, release } = gatedFileSystem();
    const log = await spreadLog(fs, dir);
    await log.deleteQueue("quiet");
    const first = log.truncate("q", 3); // frees the first files: their deletion waits at the gate
    await reached; // garbage collection is running as exclusive work: the calls below wait for it
    const truncation = log.truncate("q", 5).then((o) => o.evictedRecords, (e) => e);
    const compaction = log.compact().then((o) => o.queuesRewritten, (e) => e);
    const closing = log.close();
    release();
    await closing;
    state.closed = true;
    const settled = await Promise.race([
      Promise.all([first.then(() => "ok", (e) => e), truncation, compaction]),
      new Promise((r) => setTimeout(() => r("still pending"), 0)),
    ]);
    // Both ran before the close (or were refused as closed); none of them was left running.
    assert.ok(Array.isArray(settled), `calls made before close() settled: ${String(settled)}`);
    const [firstOutcome, evicted, rewritten] = settled as unknown[];
    assert.equal(firstOutcome, "ok");
    assert.ok(evicted === 2 || evicted instanceof LogClosedError, String(evicted));
    assert.ok(
      typeof rewritten === "number" || rewritten instanceof LogClosedError,
      String(rewritten),
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(state.late, []);
    // And the directory is free at once for a writable reopen, with every record left.
    const reopened = await MultiRecordLog.open(dir, { fileSize: FILE_SIZE });
    assert.deepEqual([...reopened.range("q")].map((r) => r.payload[0]), [6, 7]);
    await reopened.close();
  });
});

test("close: 40 rounds of truncate, compact and close called together never leave work running after close", async () => {
  await inTempDir(async (dir) => {
    for (let round = 0; round < 40; round++) {
      const log = await MultiRecordLog.open(dir, { fileSize: FILE_SIZE });
      if (!log.queueExists("q")) await log.createQueue("q");
      const start = log.lastPosition("q") === undefined ? 0 : log.lastPosition("q")! + 1;
      for (let i = 0; i < 4; i++) await log.appendRecord("q", new Uint8Array(20_000).fill(i));
      const calls = [
        log.truncate("q", start + 1),
        log.truncate("q", start + 2),
        log.compact(),
      ].map((p) => p.then(() => "done", (e) => e instanceof LogClosedError ? "refused" : e));
      await log.close();
      const outcomes = await Promise.race([
        Promise.all(calls),
        new Promise((r) => setTimeout(() => r("still pending"), 0)),
      ]);
      assert.ok(Array.isArray(outcomes), `round ${round}: ${String(outcomes)}`);
      for (const o of outcomes as unknown[]) assert.ok(o === "done" || o === "refused", String(o));
    }
    const log = await MultiRecordLog.open(dir, { fileSize: FILE_SIZE });
    assert.deepEqual([...log.range("q")].map((r) => r.position), [4 * 40 - 1]);
    await log.close();
  });
});
