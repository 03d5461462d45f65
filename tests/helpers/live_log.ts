/**
 * The log a writer keeps busy while read-only opens and scans check it (see
 * tests/log/read_only_live.test.ts, tests/cli/live_writer.test.ts and their
 * child, tests/log/live_writer_child.ts).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LogReader } from "../../mod.ts";
import { scriptCommand, sibling } from "./run_script.ts";
import { pseudoRandomBytes } from "./temp.ts";

/** Bytes per wal file of the log. */
export const LIVE_FILE_SIZE = 32768 * 2;

/** The payload at `position` of queue "quiet" (50 bytes) or "busy" (6000 bytes). */
export function livePayload(queue: string, position: number): Uint8Array {
  return queue === "busy"
    ? pseudoRandomBytes(6000, 1 + position)
    : pseudoRandomBytes(50, 1_000_000 + position);
}

/**
 * Checks what a read-only open returned: each queue contiguous with the
 * right payloads, up to at least the position acknowledged before the open
 * began (`acked`); "quiet" from 0, "busy" from at most one past the highest
 * truncation made before the open ended (`truncatedAtEnd`).
 */
export function checkLiveLog(
  reader: LogReader,
  acked: { quiet: number; busy: number },
  truncatedAtEnd: number,
  what: string,
): void {
  for (const queue of ["quiet", "busy"] as const) {
    const records = [...reader.range(queue)];
    const positions = records.map((r) => r.position);
    const first = positions[0] ?? (reader.lastPosition(queue) ?? -1) + 1;
    assert.deepEqual(positions, Array.from({ length: positions.length }, (_, i) => first + i));
    if (queue === "quiet") assert.equal(first, 0, `${what}: quiet starts at ${first}`);
    else assert.ok(first <= truncatedAtEnd + 1, `${what}: busy starts at ${first}`);
    const last = positions.at(-1) ?? first - 1;
    assert.ok(last >= acked[queue], `${what}: ${queue} ends at ${last}, acked ${acked[queue]}`);
    for (const r of records) assert.deepEqual(r.payload, livePayload(queue, r.position));
  }
}

/** What the writer child last wrote to its progress file. */
export interface LiveProgress {
  /** The highest position acknowledged per queue. */
  acked: { quiet: number; busy: number };
  /** The highest truncation of "busy" submitted so far. */
  truncating: number;
}

/**
 * A writer process (tests/log/live_writer_child.ts) appending to, truncating,
 * collecting and compacting the log in `dir`, and reporting its progress.
 */
export class LiveWriterProcess {
  readonly #child: ChildProcess;
  readonly #progress: string;
  readonly #exited: Promise<number | null>;
  #running = true;
  #stderr = "";

  /** Starts the writer on `dir`; it stops when this process ends (its stdin closes). */
  constructor(dir: string) {
    const command = scriptCommand(sibling(import.meta.url, "..", "log", "live_writer_child.ts"));
    this.#progress = join(dir, "progress.json"); // not a wal file name: readers ignore it
    this.#child = spawn(command[0], [...command.slice(1), dir, this.#progress], {
      stdio: ["pipe", "ignore", "pipe"],
    });
    this.#child.stderr!.on("data", (chunk) => this.#stderr += chunk);
    this.#exited = new Promise((r) => this.#child.on("close", (code) => r(code)));
    this.#exited.then(() => this.#running = false);
  }

  /** Its last progress report (undefined before the first). */
  async progress(): Promise<LiveProgress | undefined> {
    try {
      return JSON.parse(await readFile(this.#progress, "utf8"));
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return undefined;
      throw err;
    }
  }

  /** Waits (at most 20 s) until "busy" has `records` acknowledged records; returns that report. */
  async started(records = 40): Promise<LiveProgress> {
    for (let i = 0; i < 2000 && ((await this.progress())?.acked.busy ?? -1) < records; i++) {
      this.assertRunning();
      await new Promise((r) => setTimeout(r, 10));
    }
    const start = (await this.progress())!;
    assert.ok(start.acked.busy >= records, `the writer made no progress: ${this.#stderr}`);
    return start;
  }

  /** Fails when the writer has exited (with what it printed on stderr). */
  assertRunning(): void {
    assert.ok(this.#running, `the writer exited: ${this.#stderr}`);
  }

  /** Kills the writer and waits until it is gone. */
  async kill(): Promise<void> {
    this.#child.kill("SIGKILL");
    await this.#exited;
  }
}
