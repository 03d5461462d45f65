/**
 * The wal file size: working out the size an existing log was written with
 * from its files, so that a log remembers its file size without being told
 * again. (The `fileSize` option itself is checked in `validate.ts`.)
 *
 * What the files tell (sizes rounded down to whole 32 KiB blocks: readers
 * ignore a partial last block):
 *
 * - Every wal file but the last was full when writing moved on to the next
 *   one, so its size is the file size, or less when a compaction ended it
 *   early at a block boundary (or it was cut short).
 * - The last file was preallocated to the file size; its size shows it when
 *   its last block holds only zeros (preallocated space not yet written).
 *   When its last block holds data, the file may have been cut short (the
 *   Rust fixtures had trailing zero blocks cut), so it shows only a lower
 *   bound.
 * - No writer writes past its file size, so every file's size is a lower
 *   bound of the size it was written with.
 *
 * Without the option, when some file shows the file size, it is the size of
 * the largest file (every file is a lower bound, and a file that shows the
 * size shows it exactly unless it was ended early); when none does (no
 * files, or a single file whose last block holds data), it is the default
 * (128 MiB, the Rust crate's), or the largest file's size if that is larger.
 * An explicit option smaller than a file contradicts the files
 * ({@link FileSizeMismatchError}); one at least as large as every file is
 * consistent (the shorter files count as ended early or cut) and applies to
 * the file being written and to new files.
 *
 * @module
 */
import { FileSizeMismatchError } from "../errors.ts";
import { BLOCK_SIZE, DEFAULT_FILE_SIZE } from "../format/constants.ts";
import { walFileName } from "./file_name.ts";
import type { WalDirectory } from "./directory.ts";

/** What the wal files of a directory tell about their file size. */
interface FileSizeEvidence {
  /** The largest whole-block size among the files (0 when there is none). */
  largest: number;
  /** The file of that size. */
  largestFile: number | undefined;
  /** True when some file shows the file size (a file before the last, or a last file ending in a zero block). */
  known: boolean;
}

/**
 * Reads the size of every wal file of `dir` (recording it in `dir`) and, for
 * the last one, whether its last block holds only zeros.
 */
async function readFileSizeEvidence(dir: WalDirectory): Promise<FileSizeEvidence> {
  const numbers = dir.fileNumbers();
  let largest = 0;
  let largestFile: number | undefined;
  let known = false;
  for (let i = 0; i < numbers.length; i++) {
    const n = numbers[i];
    const file = await dir.openFile(n, "read");
    let blocks: number;
    let showsSize: boolean;
    try {
      const size = await file.size();
      dir.setSize(n, size);
      blocks = size - (size % BLOCK_SIZE);
      showsSize = blocks > 0 &&
        (i < numbers.length - 1 || await lastBlockIsZero(file, blocks));
    } finally {
      await file.close();
    }
    if (blocks > largest) {
      largest = blocks;
      largestFile = n;
    }
    if (showsSize) known = true;
  }
  return { largest, largestFile, known };
}

async function lastBlockIsZero(
  file: { readFully(buffer: Uint8Array, offset: number): Promise<number> },
  end: number,
): Promise<boolean> {
  const block = new Uint8Array(BLOCK_SIZE);
  const n = await file.readFully(block, end - BLOCK_SIZE);
  // A file cut meanwhile (a writer ending it): what is left does not show the size.
  if (n < BLOCK_SIZE) return false;
  const words = new Uint32Array(block.buffer);
  let any = 0;
  for (let i = 0; i < words.length; i++) any |= words[i];
  return any === 0;
}

/**
 * The file size to use for `dir`: `explicit` (already checked with
 * `checkFileSize` in `validate.ts`) when the files agree with it, else what they show.
 * Sets it on `dir`.
 *
 * @throws {FileSizeMismatchError} when `explicit` is smaller than a wal file.
 */
export async function settleFileSize(
  dir: WalDirectory,
  explicit: number | undefined,
): Promise<number> {
  const evidence = await readFileSizeEvidence(dir);
  const fileSize = chooseFileSize(dir.path, evidence, explicit);
  dir.useFileSize(fileSize);
  return fileSize;
}

/** The decision of {@link settleFileSize}, from what the files show. */
export function chooseFileSize(
  path: string,
  evidence: FileSizeEvidence,
  explicit?: number,
): number {
  const { largest, largestFile, known } = evidence;
  const inferred = known ? largest : Math.max(DEFAULT_FILE_SIZE, largest);
  if (explicit === undefined) return inferred;
  if (explicit < largest) {
    throw new FileSizeMismatchError(path, explicit, walFileName(largestFile!), largest, inferred);
  }
  return explicit;
}
