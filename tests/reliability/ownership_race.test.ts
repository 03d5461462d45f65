/**
 * Ownership under contention, with real processes: many processes (of one
 * runtime, or of all three) open one fresh directory at the same moment, and
 * exactly one owns it every round; a process in another PID namespace (as in
 * a second container sharing the volume) is refused like any other.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readlink } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { LogLockedError, MultiRecordLog } from "../../mod.ts";
import { tempDir, text } from "../helpers/temp.ts";

const here = fileURLToPath(import.meta.url);
const compiled = here.endsWith(".js");
const root = process.cwd();
const own = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** The command that runs a child script under `runtime`. */
function commandFor(runtime: string, script: string): string[] {
  if (runtime === "deno" || runtime === "deno-noffi") {
    return [
      resolve(root, "node_modules/.bin/deno"),
      "run",
      // Without FFI, Deno takes a flock only (and Node an OFD lock only): neither sees the other's lock.
      ...(runtime === "deno" ? ["-A"] : ["--allow-read", "--allow-write", "--allow-env"]),
      resolve(root, `tests/reliability/${script}.ts`),
    ];
  }
  if (runtime === "bun") {
    return [
      resolve(root, "node_modules/.bin/bun"),
      resolve(root, `tests/reliability/${script}.ts`),
    ];
  }
  const js = compiled
    ? resolve(here, "..", `${script}.js`)
    : resolve(root, `npm/tests/reliability/${script}.js`);
  return [own === "node" ? process.execPath : "node", js];
}

/** A race child (race_child.ts) driven line by line. */
class Child {
  readonly #proc: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters: ((line: string) => void)[] = [];
  readonly runtime: string;

  constructor(command: string[], runtime: string) {
    this.runtime = runtime;
    this.#proc = spawn(command[0], command.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
    createInterface({ input: this.#proc.stdout! }).on("line", (line) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    });
    this.#proc.on("close", (code) => {
      for (const waiter of this.#waiters.splice(0)) waiter(`exited ${code}`);
    });
  }

  /** Sends a command and resolves to the answer line. */
  ask(line: string): Promise<string> {
    const answer = new Promise<string>((resolvePromise) => {
      const ready = this.#lines.shift();
      if (ready !== undefined) resolvePromise(ready);
      else this.#waiters.push(resolvePromise);
    });
    this.#proc.stdin!.write(line + "\n");
    return answer;
  }

  /** Ends the child (closing stdin) and waits for it. */
  end(): Promise<void> {
    return new Promise((resolvePromise) => {
      if (this.#proc.exitCode !== null) return resolvePromise();
      this.#proc.on("close", () => resolvePromise());
      this.#proc.stdin!.end();
    });
  }
}

/**
 * Runs `rounds` rounds: all children open one fresh directory at once; each
 * round must end with exactly one owner, whose record alone is in the log.
 * Returns how many rounds had each count of owners.
 */
async function race(children: Child[], rounds: number): Promise<Record<number, number>> {
  const histogram: Record<number, number> = {};
  for (let round = 0; round < rounds; round++) {
    const dir = await tempDir();
    try {
      const answers = await Promise.all(
        children.map((child, i) => child.ask(`open ${dir.path} ${child.runtime}-${i}`)),
      );
      const owners = answers.filter((a) => a.startsWith("owner ")).map((a) => a.slice(6));
      histogram[owners.length] = (histogram[owners.length] ?? 0) + 1;
      assert.deepEqual(
        answers.filter((a) => !a.startsWith("owner ") && !a.startsWith("locked ")),
        [],
        `round ${round}: every child either owns or is refused`,
      );
      assert.equal(owners.length, 1, `round ${round}: owners ${JSON.stringify(answers)}`);
      for (const child of children) assert.equal(await child.ask("close"), "closed");
      const log = await MultiRecordLog.open(dir.path, { readOnly: true });
      assert.deepEqual([...log.range("owners")].map((r) => text(r.payload)), owners);
      await log.close();
    } finally {
      await dir.cleanup();
    }
  }
  return histogram;
}

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

const nodeBuild = resolve(root, "npm/tests/reliability/race_child.js");

test(
  `ownership race: deno, bun and node processes (two each) opening one directory at once leave exactly one owner, ${mixedRounds} rounds`,
  { timeout: 180_000 + mixedRounds * 300 },
  async () => {
    assert.ok(existsSync(nodeBuild), "the npm build (npm test builds it first)");
    const children = ["deno", "bun", "node", "deno", "bun", "node"].map((runtime) =>
      new Child(commandFor(runtime, "race_child"), runtime)
    );
    try {
      const histogram = await race(children, mixedRounds);
      console.log(
        `ownership race (deno, bun, node x2): owners per round ${JSON.stringify(histogram)}`,
      );
      assert.deepEqual(histogram, { 1: mixedRounds });
    } finally {
      await Promise.all(children.map((c) => c.end()));
    }
  },
);

test(
  `ownership race: deno without FFI (flock only) and node (OFD only), two each, opening one directory at once leave exactly one owner, ${mixedRounds} rounds`,
  { timeout: 180_000 + mixedRounds * 1000 },
  async () => {
    assert.ok(existsSync(nodeBuild), "the npm build (npm test builds it first)");
    const children = ["deno-noffi", "node", "deno-noffi", "node"].map((runtime) =>
      new Child(commandFor(runtime, "race_child"), runtime)
    );
    try {
      // Neither kind of lock excludes the other: Node finds Deno's flock in /proc/locks (which Deno
      // without -A may not read).
      const histogram = await race(children, mixedRounds);
      console.log(
        `ownership race (deno without FFI, node x2): owners per round ${JSON.stringify(histogram)}`,
      );
      assert.deepEqual(histogram, { 1: mixedRounds });
    } finally {
      await Promise.all(children.map((c) => c.end()));
    }
  },
);

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
