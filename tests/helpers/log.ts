/** Helpers for tests of the whole log. */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type LogReader, MultiRecordLog, type OpenOptions } from "../../mod.ts";
import { pseudoRandomBytes, tempDir, text } from "./temp.ts";

/** What {@link withLog} opens: `open()`'s options, plus queues to create first. */
export interface WithLogOptions extends OpenOptions {
  /** Queues created before `fn` runs. */
  queues?: string[];
}

/**
 * Opens a log in a fresh temporary directory (creating `options.queues`),
 * runs `fn` with it, then closes the log and removes the directory, whether
 * `fn` succeeded or not.
 */
export async function withLog(
  options: WithLogOptions,
  fn: (log: MultiRecordLog, dir: string) => Promise<void>,
): Promise<void> {
  const { queues = [], ...openOptions } = options;
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, openOptions);
    try {
      for (const queue of queues) await log.createQueue(queue);
      await fn(log, dir.path);
    } finally {
      await log.close();
    }
  } finally {
    await dir.cleanup();
  }
}

/** A queue's records as [position, text] pairs. */
export function contents(log: LogReader, queue: string): [number, string][] {
  return [...log.range(queue)].map((r) => [r.position, text(r.payload)]);
}

/** The wal file names in a directory, sorted. */
export async function walFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.startsWith("wal-")).sort();
}

/** The bytes of one wal file. */
export async function walBytes(
  dir: string,
  name = "wal-00000000000000000000",
): Promise<Uint8Array> {
  return new Uint8Array(await readFile(join(dir, name)));
}

/** Index just past the last non-zero byte of a file's content (0 when all zero). */
export function usedLength(data: Uint8Array): number {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  return end;
}

/**
 * Where a record of `length` bytes (its 11-byte header included) written at
 * offset `start` of the log ends, counted as the writer lays it out
 * (docs/FORMAT.md, "Blocks and frames"): frames of at most the block's space
 * left less a 7-byte header, a block tail under 7 bytes skipped. Offsets run
 * on across wal files (each a whole number of 32 KiB blocks).
 */
export function recordEnd(start: number, length: number): number {
  let at = start;
  let left = length;
  for (;;) {
    const space = 32768 - (at % 32768);
    if (space < 7) {
      at += space;
      continue;
    }
    const n = Math.min(left, space - 7);
    at += 7 + n;
    left -= n;
    if (left === 0) return at;
  }
}

/**
 * A log whose records cross wal files (files of 4 blocks) so that, with
 * `wal-…01` gone, the frames left on either side add up to a record: "q"
 * created, then A (a 132,001-byte payload) from offset 19 of wal-…00 to the
 * first 1,007 bytes of wal-…01 (its LAST frame holds 1,000 bytes), B (a
 * 131,013-byte payload) from there to the first 1,007 bytes of wal-…02 (its
 * LAST frame holds 1,000 bytes too), then "after" (position 2). A's frames
 * in wal-…00 and B's in wal-…02 are exactly as long as A's record.
 */
export async function writeAcrossThreeFiles(
  dir: string,
): Promise<{ a: Uint8Array; b: Uint8Array }> {
  const a = pseudoRandomBytes(132_001, 1);
  const b = pseudoRandomBytes(131_013, 2);
  const log = await MultiRecordLog.open(dir, { fileSize: 4 * 32768 });
  try {
    await log.createQueue("q");
    await log.appendRecord("q", a);
    await log.appendRecord("q", b);
    await log.appendRecord("q", new TextEncoder().encode("after"));
  } finally {
    await log.close();
  }
  for (const name of ["wal-00000000000000000001", "wal-00000000000000000002"]) {
    const data = await walBytes(dir, name);
    if (data[4] !== (1000 & 0xff) || data[5] !== 1000 >> 8 || data[6] !== 4) {
      throw new Error(`${name} does not start with a LAST frame of 1,000 bytes`);
    }
  }
  return { a, b };
}
