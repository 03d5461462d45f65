/**
 * The rule for wal files missing in the middle of a log (docs/FORMAT.md,
 * "Missing files"), applied by the one walk over the files (`walker.ts`).
 *
 * Readers take the blocks of the wal files in number order, as one stream.
 * Garbage collection deletes only the oldest files and every file is
 * created at its full size, so once a file has yielded a block, the next
 * file to yield one is the next number. When it is not (a number absent
 * from the listing, or a file with no whole block in between), records
 * would be joined from frames that never belonged together: the walker
 * breaks the record it is assembling instead
 * (`RecordAssembler.breakStream`) and reports the gap.
 *
 * @module
 */
import type { FileGapIssue } from "../types.ts";
import type { WalDirectory } from "./directory.ts";
import { walFileName } from "./file_name.ts";

/**
 * The gap a reader crosses going from a block of file `from` to the next
 * block, in file `to`: undefined when `to` is `from + 1` (or when `from` is
 * -1, before the first block: the log may begin at any number). The issue's
 * `frames` count is 0, for the walker to fill.
 */
export function fileGap(dir: WalDirectory, from: number, to: number): FileGapIssue | undefined {
  if (from < 0 || to === from + 1) return undefined;
  const emptyFiles: string[] = [];
  for (const n of dir.fileNumbers()) {
    // A listed file the reader passed over yielded no block: it holds none.
    if (n > from && n < to) emptyFiles.push(walFileName(n));
  }
  return {
    file: walFileName(from + 1),
    offset: 0,
    reason: "missing-file",
    files: to - from - 1,
    emptyFiles,
    next: walFileName(to),
    frames: 0,
  };
}
