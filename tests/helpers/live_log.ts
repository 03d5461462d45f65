/**
 * The log a writer keeps busy while read-only opens and scans check it (see
 * tests/log/read_only_live.test.ts, tests/cli/live_writer.test.ts and their
 * child, tests/log/live_writer_child.ts).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type LogReader, MultiRecordLog } from "../../mod.ts";
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

/**
 * The writer of the live log, in this process: opens the log in `dir`
 * (LIVE_FILE_SIZE, compaction at one pinned file), creates "quiet" (never
 * truncated: compaction relocates it again and again) and "busy" (truncated
 * to its last 3 records: its files are collected), and writes until `stop()`
 * or until `until()` says no more. `progress` is called after each append
 * resolved and before each truncation is made.
 */
export class LiveWriter {
  /** Last positions whose appends resolved. */
  readonly acked = { quiet: -1, busy: -1 };
  /** The highest truncation of "busy" made, or about to be made. */
  truncating = -1;
  /** Truncations after which "busy" started in a later file (its files were collected). */
  collections = 0;
  readonly #log: MultiRecordLog;
  #stopped = false;
  readonly #writing: Promise<void>;

  private constructor(
    log: MultiRecordLog,
    progress: (writer: LiveWriter) => void,
    until: () => boolean,
  ) {
    this.#log = log;
    this.#writing = this.#write(progress, until);
  }

  /** Opens the log and starts writing. */
  static async start(
    dir: string,
    progress: (writer: LiveWriter) => void = () => {},
    until: () => boolean = () => true,
  ): Promise<LiveWriter> {
    const log = await MultiRecordLog.open(dir, {
      fileSize: LIVE_FILE_SIZE,
      compaction: { maxPinnedFiles: 1 },
    });
    await log.createQueue("quiet");
    await log.createQueue("busy");
    return new LiveWriter(log, progress, until);
  }

  async #write(progress: (writer: LiveWriter) => void, until: () => boolean): Promise<void> {
    const log = this.#log;
    const acked = this.acked;
    for (let i = 0; !this.#stopped && until(); i++) {
      if (i % 8 === 0) {
        acked.quiet = (await log.appendRecord("quiet", livePayload("quiet", acked.quiet + 1)))
          .lastPosition!;
      }
      acked.busy = (await log.appendRecord("busy", livePayload("busy", acked.busy + 1)))
        .lastPosition!;
      progress(this);
      if (acked.busy >= 3) {
        this.truncating = acked.busy - 3;
        progress(this);
        const first = log.summary().queues.busy.fileNumber;
        await log.truncate("busy", this.truncating);
        if (log.summary().queues.busy.fileNumber !== first) this.collections++;
      }
    }
  }

  /** Stops writing (or waits until `until()` stopped it) and closes the log. */
  async stop(): Promise<void> {
    this.#stopped = true;
    try {
      await this.#writing;
    } finally {
      await this.#log.close();
    }
  }

  /** Waits until `until()` stops the writing, then closes the log. */
  async finished(): Promise<void> {
    try {
      await this.#writing;
    } finally {
      await this.#log.close();
    }
  }
}
