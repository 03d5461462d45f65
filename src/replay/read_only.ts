/**
 * Replay for a read-only open, which takes no lock: the log's writer may be
 * running and deleting wal files (garbage collection, compaction) while the
 * directory is listed and its files read.
 *
 * The writer deletes a file only once its records are truncated or copied
 * to a newer file (compaction renames the copy into place before deleting
 * anything), so a listed file gone when replay opens or reads it was
 * collected. Replay then starts over from a fresh listing: going on with the
 * old one could miss a compacted copy it does not name. Each attempt lists
 * the directory twice and replays the second listing only if it still holds
 * every file of the first. A listing is not atomic: one that runs during a
 * compaction may miss both the new file (its entry passed before the rename)
 * and the old ones (reached after their removal); the old ones were then
 * still there for the earlier listing, so the check sees them vanish and the
 * attempt starts over.
 *
 * Files also change while they are read, without harm to what was
 * acknowledged before the open: the file being written grows (a frame
 * half-written at its end belongs to a record not yet acknowledged, and is
 * reported as damage), a file the writer ends is cut past its last record
 * (a short read: the partial block is ignored), and a compaction may rename
 * its file over the current one while that is still empty.
 *
 * @module
 */
import { IoError } from "../errors.ts";
import { WalDirectory } from "../wal/directory.ts";
import { settleFileSize } from "../wal/file_size.ts";
import { DEFAULT_FILE_SIZE } from "../format/constants.ts";
import type { Crc32 } from "../format/crc.ts";
import type { FileSystem } from "../ports/file_system.ts";
import { recover, type Recovered } from "./recovery.ts";
import type { PayloadStore } from "../memory/payload_store.ts";

/** Attempts before a read-only open gives up on a directory whose files keep vanishing. */
export const READ_ONLY_REPLAY_ATTEMPTS = 20;

/** The pause before attempt `n` (from 2): 1, 2, 4, ... ms, at most 64 (about 0.9 s over all attempts). */
function pauseBefore(attempt: number): number {
  return Math.min(2 ** (attempt - 2), 64);
}

/** The directory as last listed and what replaying it found. */
export interface ReadOnlyReplay {
  directory: WalDirectory;
  recovered: Recovered;
}

/**
 * Lists and replays `path` without changing anything (the file size is
 * `fileSize`, or worked out from the files when undefined; see
 * `wal/file_size.ts`), starting over when a
 * listed wal file vanishes; rejects with an {@link IoError} (ENOENT) after
 * {@link READ_ONLY_REPLAY_ATTEMPTS} attempts.
 */
export function recoverReadOnly(
  fs: FileSystem,
  path: string,
  fileSize: number | undefined,
  crc: Crc32,
  payloads?: (directory: WalDirectory) => PayloadStore,
): Promise<ReadOnlyReplay> {
  return retryWhileVanishing(fs, path, async (directory) => {
    await settleFileSize(directory, fileSize);
    return { directory, recovered: await recover(directory, crc, payloads?.(directory)) };
  });
}

/**
 * Runs `attempt` on a steady listing of `path` (listed twice, the second
 * holding every file of the first), starting over with a fresh listing when
 * the listing is not steady or `attempt` fails because a listed wal file
 * vanished (an {@link IoError} ENOENT naming it): the rule of every
 * read-only reader of a directory a writer may be collecting (the
 * read-only open, and the scan of `src/scan/`). Rejects with an
 * {@link IoError} (ENOENT) after {@link READ_ONLY_REPLAY_ATTEMPTS} attempts;
 * any other failure at once.
 */
export async function retryWhileVanishing<T>(
  fs: FileSystem,
  path: string,
  attempt: (directory: WalDirectory) => Promise<T>,
): Promise<T> {
  let vanished: IoError | undefined;
  for (let round = 1; round <= READ_ONLY_REPLAY_ATTEMPTS; round++) {
    // A pause, doubling: a collection deletes its files one after the other, and a busy
    // machine may run the writer's collections faster than this reader reads.
    if (round > 1) await new Promise((resolve) => setTimeout(resolve, pauseBefore(round)));
    const earlier = await WalDirectory.open(fs, path, DEFAULT_FILE_SIZE, true);
    const directory = await WalDirectory.open(fs, path, DEFAULT_FILE_SIZE, true);
    const listed = new Set(directory.fileNumbers());
    const gone = earlier.fileNumbers().find((n) => !listed.has(n));
    if (gone !== undefined) {
      const file = earlier.filePath(gone);
      vanished = new IoError("open", file, new Error("removed while listing"), "ENOENT");
      continue;
    }
    try {
      return await attempt(directory);
    } catch (err) {
      if (!isVanishedWalFile(err, directory)) throw err;
      vanished = err;
    }
  }
  const last = vanished!;
  throw new IoError(
    "open",
    last.path,
    new Error(
      `wal files kept vanishing between listing and opening (a writer deleting them): ` +
        `gave up after ${READ_ONLY_REPLAY_ATTEMPTS} attempts; try again later`,
      { cause: last },
    ),
    "ENOENT",
  );
}

/** True for a "no such file" on one of the wal files `directory` listed. */
function isVanishedWalFile(err: unknown, directory: WalDirectory): err is IoError {
  return err instanceof IoError && err.osCode === "ENOENT" &&
    directory.fileNumbers().some((n) => directory.filePath(n) === err.path);
}
