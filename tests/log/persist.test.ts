/** Persist policies and group commit: what reaches the file, and how many syncs it takes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError, type MultiRecordLog, type PersistPolicy } from "../../mod.ts";
import { spawn } from "node:child_process";
import { defaultFileSystem } from "../../src/ports/default_fs.ts";
import { bytes, tempDir } from "../helpers/temp.ts";
import { recordEnd, usedLength, walBytes, withLog } from "../helpers/log.ts";
import { type CallCounts, countingFileSystem, type Optional } from "../helpers/counting_fs.ts";
import { scriptCommand, sibling } from "../helpers/run_script.ts";

/**
 * A log with queue "q" under `persistPolicy`, on the `node:fs` adapter (which
 * offers `writeSync`, as every runtime adapter does) wrapped to count calls;
 * `omit` hides optional port methods.
 */
function withPolicy(
  persistPolicy: PersistPolicy,
  fn: (log: MultiRecordLog, dir: string, counts: CallCounts) => Promise<void>,
  omit: Optional[] = [],
): Promise<void> {
  const { fs, counts } = countingFileSystem(undefined, { omit });
  return withLog({ persistPolicy, fs, queues: ["q"] }, (log, dir) => fn(log, dir, counts));
}

/** The write calls and datasyncs made so far, to compare before and after a step. */
function io(counts: CallCounts): { write: number; writeSync: number; datasync: number } {
  return { write: counts.write, writeSync: counts.writeSync, datasync: counts.datasync };
}

/** `before` plus the given numbers of calls. */
function plus(
  before: ReturnType<typeof io>,
  { write = 0, writeSync = 0, datasync = 0 }: Partial<ReturnType<typeof io>>,
): ReturnType<typeof io> {
  return {
    write: before.write + write,
    writeSync: before.writeSync + writeSync,
    datasync: before.datasync + datasync,
  };
}

const CREATE_BYTES = 19;
const RECORD_5_BYTES = 7 + 11 + 1 + 12 + 5;

test("persist: always/flush (the default) hands each append to the OS with one writeSync before it resolves", async () => {
  await withPolicy({ kind: "always", action: "flush" }, async (log, dir, counts) => {
    const before = io(counts);
    await log.appendRecord("q", bytes("hello"));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORD_5_BYTES);
    assert.deepEqual(io(counts), plus(before, { writeSync: 1 }), "one writeSync, no fsync");
  });
});

test("persist: always/flush on a port without writeSync hands each append over with one async write", async () => {
  await withPolicy({ kind: "always", action: "flush" }, async (log, dir, counts) => {
    const before = io(counts);
    await log.appendRecord("q", bytes("hello"));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORD_5_BYTES);
    assert.deepEqual(io(counts), plus(before, { write: 1 }));
  }, ["writeSync"]);
});

test("persist: always/fsync writes and fsyncs once before each append resolves", async () => {
  await withPolicy({ kind: "always", action: "fsync" }, async (log, dir, counts) => {
    const before = io(counts);
    await log.appendRecord("q", bytes("hello"));
    assert.deepEqual(io(counts), plus(before, { write: 1, datasync: 1 }));
    await log.appendRecord("q", bytes("world"));
    assert.deepEqual(io(counts), plus(before, { write: 2, datasync: 2 }));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + 2 * RECORD_5_BYTES);
  });
});

/** 64 appends called together, each of a 4-byte payload; checks their positions. */
async function append64(log: MultiRecordLog): Promise<void> {
  const outcomes = await Promise.all(
    Array.from(
      { length: 64 },
      (_, i) => log.appendRecord("q", bytes(`r${String(i).padStart(3, "0")}`)),
    ),
  );
  assert.deepEqual(outcomes.map((o) => o.lastPosition), [...Array(64).keys()]);
}

const RECORDS_64_BYTES = 64 * (7 + 11 + 1 + 12 + 4);

const GROUP_COMMITS: {
  name: string;
  action: "flush" | "fsync";
  omit: Optional[];
  calls: Partial<ReturnType<typeof io>>;
}[] = [
  {
    name: "always/fsync appends called together share one write and one fsync (group commit)",
    action: "fsync",
    omit: [],
    calls: { write: 1, datasync: 1 },
  },
  {
    name:
      "always/flush appends called together: the first is handed to the OS at once, the other 63 share one writeSync (group commit)",
    action: "flush",
    omit: [],
    calls: { writeSync: 2 },
  },
  {
    name: "always/flush appends called together on a port without writeSync share one async write",
    action: "flush",
    omit: ["writeSync"],
    calls: { write: 1 },
  },
];

for (const { name, action, omit, calls } of GROUP_COMMITS) {
  test(`persist: ${name}`, async () => {
    await withPolicy({ kind: "always", action }, async (log, dir, counts) => {
      const before = io(counts);
      await append64(log);
      assert.deepEqual(io(counts), plus(before, calls));
      assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORDS_64_BYTES);
    }, omit);
  });
}

test("persist: on this runtime's own adapter, appends called together under always/flush take two writeSync calls (on Bun, one, then the file's mapping)", async () => {
  const { fs, counts } = countingFileSystem(await defaultFileSystem());
  await withLog({ fs, queues: ["q"] }, async (log, dir) => {
    // Bun's adapter maps each wal file once it is created; Deno's and Node's cannot map.
    assert.equal(counts.map, "Bun" in globalThis ? 1 : 0);
    const before = io(counts);
    await append64(log);
    // The first append is handed to the OS at once, the other 63 together. Bun: one writeSync
    // fills ahead with zeros, then the records are copied into the mapping.
    assert.deepEqual(io(counts), plus(before, { writeSync: "Bun" in globalThis ? 1 : 2 }));
    assert.equal(counts.map, "Bun" in globalThis ? 1 : 0);
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORDS_64_BYTES);
  });
});

test("persist: never keeps appends in the process until persist() is called", async () => {
  await withPolicy({ kind: "never" }, async (log, dir, counts) => {
    const before = io(counts);
    await log.appendRecord("q", bytes("hello"));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES);
    assert.deepEqual(io(counts), before, "no write, no fsync");
    assert.deepEqual(
      log.lastRecord("q"),
      { position: 0, payload: bytes("hello") },
      "readable at once",
    );
    await log.persist("flush");
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORD_5_BYTES);
    assert.deepEqual(io(counts), plus(before, { writeSync: 1 }), "one writeSync, no fsync");
  });
});

test("persist: never still hands bytes to the OS, in one writeSync, once more than 1 MiB is buffered", async () => {
  await withPolicy({ kind: "never" }, async (log, dir, counts) => {
    const before = io(counts);
    await log.appendRecord("q", new Uint8Array(600 * 1024).fill(1));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES);
    assert.deepEqual(io(counts), before);
    await log.appendRecord("q", new Uint8Array(600 * 1024).fill(2));
    // Each record: 11-byte header, "q", one 12-byte item header, the payload; both end in non-zero bytes.
    const first = recordEnd(CREATE_BYTES, 11 + 1 + 12 + 600 * 1024);
    assert.equal(usedLength(await walBytes(dir)), recordEnd(first, 11 + 1 + 12 + 600 * 1024));
    assert.deepEqual(io(counts), plus(before, { writeSync: 1 }));
  });
});

test("persist: persist('fsync') flushes and fsyncs what was buffered", async () => {
  await withPolicy({ kind: "never" }, async (log, dir, counts) => {
    await log.appendRecord("q", bytes("hello"));
    const before = io(counts);
    await log.persist("fsync");
    assert.deepEqual(io(counts), plus(before, { write: 1, datasync: 1 }));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORD_5_BYTES);
  });
});

test("persist: an interval not yet elapsed does not persist; the write after it does", async () => {
  await withPolicy(
    { kind: "interval", intervalMs: 3_600_000, action: "flush" },
    async (log, dir, counts) => {
      const before = io(counts);
      await log.appendRecord("q", bytes("hello"));
      assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES);
      assert.deepEqual(io(counts), before);
    },
  );
  await withPolicy(
    { kind: "interval", intervalMs: 0, action: "flush" },
    async (log, dir, counts) => {
      const before = io(counts);
      await log.appendRecord("q", bytes("hello"));
      assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORD_5_BYTES);
      assert.deepEqual(io(counts), plus(before, { writeSync: 1 }));
    },
  );
});

test("persist: an interval with a timer hands a lone write to the OS once the interval is over", async () => {
  await withPolicy(
    { kind: "interval", intervalMs: 500, action: "flush", timer: true },
    async (log, dir, counts) => {
      // "first" persists only if the interval since the open is over (a slow machine): either
      // way "hello" comes within an interval of the last persist, so it does not persist itself.
      await log.appendRecord("q", bytes("first"));
      const before = io(counts);
      await log.appendRecord("q", bytes("hello"));
      assert.deepEqual(io(counts), before);
      for (let i = 0; i < 500 && io(counts).writeSync === before.writeSync; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(io(counts), plus(before, { writeSync: 1 }));
      assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + 2 * RECORD_5_BYTES);
    },
  );
});

test("persist: an interval without a timer leaves a lone write in the process", async () => {
  await withPolicy(
    { kind: "interval", intervalMs: 300, action: "flush" },
    async (log, dir, counts) => {
      // As above: "hello" comes within an interval of the last persist.
      await log.appendRecord("q", bytes("first"));
      await log.appendRecord("q", bytes("hello"));
      const before = io(counts);
      const onDisk = usedLength(await walBytes(dir));
      assert.notEqual(onDisk, CREATE_BYTES + 2 * RECORD_5_BYTES);
      await new Promise((r) => setTimeout(r, 600)); // the interval is over: nothing happens
      assert.deepEqual(io(counts), before);
      assert.equal(usedLength(await walBytes(dir)), onDisk);
    },
  );
});

test("persist: closing a log whose timer is armed persists once and the timer never fires after", async () => {
  await withPolicy(
    { kind: "interval", intervalMs: 500, action: "fsync", timer: true },
    async (log, dir, counts) => {
      await log.appendRecord("q", bytes("first")); // as above: "hello" does not persist itself
      await log.appendRecord("q", bytes("hello")); // and arms the timer, if "first" did not
      const before = io(counts);
      await log.close();
      assert.deepEqual(io(counts), plus(before, { write: 1, datasync: 1 }));
      await new Promise((r) => setTimeout(r, 700)); // past the interval: the timer was stopped
      assert.deepEqual(io(counts), plus(before, { write: 1, datasync: 1 }));
      assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + 2 * RECORD_5_BYTES);
    },
  );
});

const timerChild = sibling(import.meta.url, "timer_child.ts");
const childCommand = scriptCommand(timerChild);

test("persist: an armed timer does not keep the process alive", { timeout: 60_000 }, async () => {
  const dir = await tempDir();
  try {
    const child = spawn(childCommand[0], [...childCommand.slice(1), dir.path], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => out += chunk);
    child.stderr.on("data", (chunk) => out += chunk);
    // The timer is armed for a minute: a child it kept alive would still run after 30 s.
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    clearTimeout(timer);
    assert.equal(out.trim(), "appended");
    assert.equal(code, 0);
  } finally {
    await dir.cleanup();
  }
});

test("persist: creating and deleting queues are fsynced whatever the policy", async () => {
  await withPolicy({ kind: "never" }, async (log, _dir, counts) => {
    const before = io(counts);
    await log.createQueue("other");
    assert.deepEqual(io(counts), plus(before, { write: 1, datasync: 1 }));
    await log.deleteQueue("other");
    assert.deepEqual(io(counts), plus(before, { write: 2, datasync: 2 }));
  });
});

test("persist: close() flushes and fsyncs what was buffered", async () => {
  await withPolicy({ kind: "never" }, async (log, dir, counts) => {
    await log.appendRecord("q", bytes("hello"));
    const before = io(counts);
    await log.close(); // withLog's own close() is then a no-op
    assert.deepEqual(io(counts), plus(before, { write: 1, datasync: 1 }));
    assert.equal(usedLength(await walBytes(dir)), CREATE_BYTES + RECORD_5_BYTES);
  });
});

test("persist: a policy timer that is not a boolean is an InvalidArgumentError naming it", async () => {
  const persistPolicy = { kind: "interval", intervalMs: 5, action: "flush", timer: "yes" };
  const err = await withLog({ persistPolicy: persistPolicy as never }, () => Promise.resolve())
    .catch((e) => e);
  assert.ok(err instanceof InvalidArgumentError, String(err));
  assert.deepEqual([err.argument, err.kind], ["persistPolicy.timer", "type"]);
  assert.equal(err.message, "persistPolicy.timer must be a boolean, got yes");
});

test("persist: an unknown action is an InvalidArgumentError naming it", async () => {
  await withPolicy({ kind: "never" }, async (log) => {
    await assert.rejects(log.persist("sync" as never), {
      name: "InvalidArgumentError",
      code: "INVALID_ARGUMENT",
      argument: "action",
      kind: "range",
      message: 'action must be "flush" or "fsync", got sync',
    });
  });
});
