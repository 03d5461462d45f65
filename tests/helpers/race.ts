/**
 * Ownership races with real processes: children of every runtime (race_child.ts), driven line by
 * line, opening one directory at once, round after round.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { MultiRecordLog } from "../../mod.ts";
import { repoRoot } from "./repo.ts";
import { tempDir, text } from "./temp.ts";

const here = fileURLToPath(import.meta.url);
const compiled = here.endsWith(".js");
const root = repoRoot();
/** The runtime running the tests. */
export const own = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/**
 * The command that runs a child script under `runtime`: "deno" (every permission), "deno-noffi"
 * (only --allow-read and --allow-write: no FFI, no environment), "bun", "node22" and "node26" (the
 * Node binaries the suite runs on, on the npm build), or "node" (the Node running this test, or the
 * newest one).
 */
export function commandFor(runtime: string, script: string): string[] {
  if (runtime === "deno" || runtime === "deno-noffi") {
    return [
      resolve(root, "node_modules/.bin/deno"),
      "run",
      ...(runtime === "deno" ? ["-A"] : ["--allow-read", "--allow-write"]),
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
    ? resolve(here, "..", "..", "reliability", `${script}.js`)
    : resolve(root, `npm/tests/reliability/${script}.js`);
  if (runtime === "node22" || runtime === "node26") {
    return [resolve(root, `node_modules/${runtime}/bin/node`), js];
  }
  return [own === "node" ? process.execPath : resolve(root, "node_modules/node26/bin/node"), js];
}

/** A race child (race_child.ts) driven line by line. */
export class Child {
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

  /** Kills the child with SIGKILL and waits until it is gone. */
  kill(): Promise<void> {
    return new Promise((resolvePromise) => {
      if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return resolvePromise();
      this.#proc.on("close", () => resolvePromise());
      this.#proc.kill("SIGKILL");
    });
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
 * Runs `rounds` rounds: all children open one directory at once; each round
 * must end with exactly one owner, whose record alone the round adds to the
 * log, then every child closes. Each round takes a fresh directory under
 * `parent` (default: the temporary directory), or, with `sameDir`, the same
 * directory every round (owners closing while others check, round after
 * round). Returns how many rounds had each count of owners.
 */
export async function race(
  children: Child[],
  rounds: number,
  options: { sameDir?: boolean; parent?: string } = {},
): Promise<Record<number, number>> {
  const histogram: Record<number, number> = {};
  const shared = options.sameDir ? await tempDir("mrl-race-", options.parent) : undefined;
  const expected: string[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const dir = shared ?? await tempDir("mrl-race-", options.parent);
      if (shared === undefined) expected.length = 0;
      try {
        const answers = await Promise.all(
          children.map((child, i) => child.ask(`open ${dir.path} ${child.runtime}-${i}-${round}`)),
        );
        const owners = answers.filter((a) => a.startsWith("owner ")).map((a) => a.slice(6));
        histogram[owners.length] = (histogram[owners.length] ?? 0) + 1;
        assert.deepEqual(
          answers.filter((a) => !a.startsWith("owner ") && !a.startsWith("locked ")),
          [],
          `round ${round}: every child either owns or is refused`,
        );
        assert.equal(owners.length, 1, `round ${round}: owners ${JSON.stringify(answers)}`);
        expected.push(...owners);
        for (const child of children) assert.equal(await child.ask("close"), "closed");
        const log = await MultiRecordLog.open(dir.path, { readOnly: true });
        assert.deepEqual([...log.range("owners")].map((r) => text(r.payload)), expected);
        await log.close();
      } finally {
        if (shared === undefined) await dir.cleanup();
      }
    }
  } finally {
    await shared?.cleanup();
  }
  return histogram;
}

const nodeBuild = resolve(root, "npm/tests/reliability/race_child.js");
/** Every way a process can open a log here: each runtime, Deno with and without FFI, both Nodes. */
export const everyKind = ["deno", "deno-noffi", "bun", "node22", "node26", "deno-noffi"];

/** Runs `body` with one race child of each runtime named, ended afterwards. */
export async function withChildren(
  runtimes: string[],
  body: (children: Child[]) => Promise<void>,
): Promise<void> {
  assert.ok(existsSync(nodeBuild), "the npm build (npm test builds it first)");
  const children = runtimes.map((runtime) => new Child(commandFor(runtime, "race_child"), runtime));
  try {
    await body(children);
  } finally {
    await Promise.all(children.map((c) => c.kill()));
  }
}
