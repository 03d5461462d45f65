/** Helpers for tests of the whole log. */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { MultiRecordLog } from "../../mod.ts";
import { text } from "./temp.ts";

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
