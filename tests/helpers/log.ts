/** Helpers for tests of the whole log. */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { MultiRecordLog, type OpenOptions } from "../../mod.ts";
import { tempDir, text } from "./temp.ts";

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
export function contents(log: MultiRecordLog, queue: string): [number, string][] {
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
