/**
 * Ownership under contention, with real processes: many processes (of one
 * runtime, or of every kind: Deno with and without FFI, Bun, Node 22 and 26)
 * open one directory at the same moment, and exactly one owns it every round;
 * a killed owner leaves nothing to clean up; a process in another PID
 * namespace (as in a second container sharing the volume) is refused like
 * any other.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readlink } from "node:fs/promises";
import process from "node:process";
import { LogLockedError, MultiRecordLog } from "../../mod.ts";
import { Child, commandFor, everyKind, own, race, withChildren } from "../helpers/race.ts";
import { tempDir, text } from "../helpers/temp.ts";

/** Rounds of each race; set MRL_RACE_ROUNDS for a longer run. */
const rounds = Number(process.env.MRL_RACE_ROUNDS ?? 200);
const mixedRounds = Math.ceil(rounds / 5);

test(
  `ownership race: 4 ${own} processes opening one fresh directory at once leave exactly one owner, ${rounds} rounds`,
  { timeout: 180_000 + rounds * 100 },
  async () => {
    const children = Array.from({ length: 4 }, () => new Child(commandFor(own, "race_child"), own));
    try {
      const histogram = await race(children, rounds);
      console.log(`ownership race (${own} x4): owners per round ${JSON.stringify(histogram)}`);
      assert.deepEqual(histogram, { 1: rounds });
    } finally {
      await Promise.all(children.map((c) => c.end()));
    }
  },
);

test(
  `ownership race: deno (with and without FFI), bun, node 22 and node 26 opening one fresh directory at once leave exactly one owner, ${mixedRounds} rounds`,
  { timeout: 180_000 + mixedRounds * 300 },
  async () => {
    await withChildren(everyKind, async (children) => {
      const histogram = await race(children, mixedRounds);
      console.log(`ownership race (every kind, fresh directories): ${JSON.stringify(histogram)}`);
      assert.deepEqual(histogram, { 1: mixedRounds });
    });
  },
);

test(
  `ownership race: the same directory opened by every kind at once round after round, owners closing while others check, leaves exactly one owner, ${mixedRounds} rounds`,
  { timeout: 180_000 + mixedRounds * 300 },
  async () => {
    await withChildren(everyKind, async (children) => {
      const histogram = await race(children, mixedRounds, { sameDir: true });
      console.log(`ownership race (every kind, one directory): ${JSON.stringify(histogram)}`);
      assert.deepEqual(histogram, { 1: mixedRounds });
    });
  },
);

for (const victim of ["node26", "node22", "bun", "deno", "deno-noffi"]) {
  test(
    `ownership: after a ${victim} owner is killed with SIGKILL, deno without FFI, bun and node open the log at once, with no clean-up`,
    {
      timeout: 60_000,
    },
    async () => {
      const dir = await tempDir();
      try {
        await withChildren([victim, "deno-noffi", "bun", "node26"], async ([owner, ...others]) => {
          assert.equal(await owner.ask(`open ${dir.path} first`), "owner first");
          for (const [i, other] of others.entries()) {
            assert.equal(await other.ask(`open ${dir.path} refused-${i}`), `locked refused-${i}`);
          }
          await owner.kill();
          for (const [i, other] of others.entries()) {
            assert.equal(await other.ask(`open ${dir.path} next-${i}`), `owner next-${i}`);
            assert.equal(await other.ask("close"), "closed");
          }
        });
        const log = await MultiRecordLog.open(dir.path, { readOnly: true });
        assert.deepEqual([...log.range("owners")].map((r) => text(r.payload)), [
          "first",
          "next-0",
          "next-1",
          "next-2",
        ]);
        await log.close();
      } finally {
        await dir.cleanup();
      }
    },
  );
}

/** Why processes cannot be started in a new PID namespace here, or undefined when they can. */
function unshareProblem(): string | undefined {
  if (process.platform !== "linux") return "PID namespaces are Linux only";
  const probe = spawnSync("unshare", ["--pid", "--fork", "--kill-child", "true"]);
  if (probe.error) return `unshare is not available: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare --pid is not permitted: ${String(probe.stderr).trim()}`;
  return undefined;
}

const noNamespaces = unshareProblem();
if (noNamespaces) console.log(`SKIPPED (PID namespace tests): ${noNamespaces}`);

test(
  "ownership: a process in another PID namespace holding the log makes an open here fail, naming its namespace",
  { skip: noNamespaces, timeout: 60_000 },
  async () => {
    const dir = await tempDir();
    const child = new Child(
      ["unshare", "--pid", "--fork", "--kill-child", ...commandFor(own, "race_child")],
      own,
    );
    try {
      assert.equal(await child.ask(`open ${dir.path} inside`), "owner inside");
      const err = await MultiRecordLog.open(dir.path).catch((e) => e);
      assert.ok(err instanceof LogLockedError, String(err));
      assert.equal(err.holder?.pid, 1); // the first process of its namespace
      assert.notEqual(err.holder?.pidNamespace, await readlink("/proc/self/ns/pid"));
      assert.equal(await child.ask("close"), "closed");
      const log = await MultiRecordLog.open(dir.path);
      assert.deepEqual([...log.range("owners")].map((r) => text(r.payload)), ["inside"]);
      await log.close();
    } finally {
      await child.end();
      await dir.cleanup();
    }
  },
);

test("ownership: a process in another PID namespace cannot open a log held here", {
  skip: noNamespaces,
}, async () => {
  const dir = await tempDir();
  const log = await MultiRecordLog.open(dir.path);
  const child = new Child(
    ["unshare", "--pid", "--fork", "--kill-child", ...commandFor(own, "race_child")],
    own,
  );
  try {
    assert.equal(await child.ask(`open ${dir.path} inside`), "locked inside");
    await log.close();
    assert.equal(await child.ask(`open ${dir.path} inside`), "owner inside");
  } finally {
    await child.end();
    await dir.cleanup();
  }
});

for (
  const [inside, outside] of [["deno-noffi", "node26"], ["node22", "deno-noffi"], [
    "bun",
    "deno-noffi",
  ]]
) {
  test(
    `ownership: ${inside} in another PID namespace and ${outside} here never both own one directory`,
    {
      skip: noNamespaces,
      timeout: 60_000,
    },
    async () => {
      const dir = await tempDir();
      const inner = new Child(
        ["unshare", "--pid", "--fork", "--kill-child", ...commandFor(inside, "race_child")],
        inside,
      );
      try {
        await withChildren([outside], async ([outer]) => {
          assert.equal(await inner.ask(`open ${dir.path} inside`), "owner inside");
          assert.equal(await outer.ask(`open ${dir.path} outside`), "locked outside");
          assert.equal(await inner.ask("close"), "closed");
          assert.equal(await outer.ask(`open ${dir.path} outside`), "owner outside");
          assert.equal(await inner.ask(`open ${dir.path} inside`), "locked inside");
          assert.equal(await outer.ask("close"), "closed");
        });
        const log = await MultiRecordLog.open(dir.path, { readOnly: true });
        assert.deepEqual([...log.range("owners")].map((r) => text(r.payload)), [
          "inside",
          "outside",
        ]);
        await log.close();
      } finally {
        await inner.kill();
        await dir.cleanup();
      }
    },
  );
}
