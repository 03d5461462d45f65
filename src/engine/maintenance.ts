/**
 * Maintenance of the wal files: garbage collection (deleting the files no
 * queue needs) and compaction (rewriting the records of quiet queues that
 * pin old files, so that those can go), run as exclusive work of the commit
 * pipeline. What compaction rewrites is planned in `compaction.ts`; the
 * format side is docs/FORMAT.md, "Garbage collection" and "Compaction".
 *
 * @module
 */
import { InvalidArgumentError, IoError } from "../errors.ts";
import type { WalDirectory } from "../wal/directory.ts";
import { RECORD_POSITION } from "../format/constants.ts";
import type { Crc32 } from "../format/crc.ts";
import { buildCompactedFile, type Candidate, planCompaction } from "./compaction.ts";
import type { CompactionOptions, CompactionOutcome } from "../types.ts";
import type { CommitPipeline } from "./pipeline.ts";
import type { QueueCatalog } from "./catalog.ts";
import type { RecordWriter } from "./record_writer.ts";

/** Automatic compaction runs when more wal files than this are kept alive before the current one. */
const DEFAULT_MAX_PINNED_FILES = 8;
/** ... and relocates at most this fraction of the bytes of the files it frees; compact() at most as many. */
const AUTO_COMPACTION_RATIO = 0.25;
const MANUAL_COMPACTION_RATIO = 1;

const NOTHING_DONE: CompactionOutcome = {
  queuesRewritten: 0,
  recordsRelocated: 0,
  bytesRelocated: 0,
  filesDeleted: 0,
};

/** Garbage collection and compaction of one log's wal files. */
export class Maintenance {
  readonly #dir: WalDirectory;
  readonly #writer: RecordWriter;
  readonly #catalog: QueueCatalog;
  readonly #pipeline: CommitPipeline;
  readonly #crc: Crc32;
  /** Automatic compaction (undefined: off). */
  readonly #auto: { maxPinnedFiles: number; maxDiskBytes: number | undefined } | undefined;
  /** The run in progress, shared by concurrent callers of {@link maintain}. */
  #running: Promise<void> | undefined;

  constructor(
    dir: WalDirectory,
    writer: RecordWriter,
    catalog: QueueCatalog,
    pipeline: CommitPipeline,
    compaction: CompactionOptions | false,
    crc: Crc32,
  ) {
    this.#dir = dir;
    this.#writer = writer;
    this.#catalog = catalog;
    this.#pipeline = pipeline;
    this.#crc = crc;
    this.#auto = compaction === false ? undefined : {
      maxPinnedFiles: compaction.maxPinnedFiles ?? DEFAULT_MAX_PINNED_FILES,
      maxDiskBytes: compaction.maxDiskBytes,
    };
  }

  /**
   * After a truncation or deletion: deletes the files no queue needs and, if
   * due, compacts. Concurrent callers share one run. Never rejects: the write
   * that triggered it has committed, and a failed sync fails the log, which
   * the next write reports.
   */
  maintain(): Promise<void> {
    if (this.#running !== undefined) return this.#running;
    if (!this.#garbageDue() && !this.#compactionDue()) return Promise.resolve();
    const run = this.#pipeline.exclusive(async () => {
      await this.collectGarbage();
      if (this.#compactionDue()) await this.#compact(AUTO_COMPACTION_RATIO);
    }).catch(() => {}).finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  /** Compacts as much as pays at all (`compact()`), once every earlier write has committed. */
  async compact(): Promise<CompactionOutcome> {
    let outcome = { ...NOTHING_DONE };
    await this.#pipeline.exclusive(async () => {
      if (!this.#dir.canRename) {
        throw new InvalidArgumentError(
          "fs",
          "type",
          "compaction needs a file system port with rename(): give the port passed as fs a " +
            "rename(), or leave compaction to a log opened on one",
        );
      }
      outcome = await this.#compact(MANUAL_COMPACTION_RATIO);
    });
    return outcome;
  }

  /**
   * Deletes the wal files no queue needs (oldest first, never the current
   * one). Empty queues' next positions are written and fsynced first, so
   * they survive the loss of the files that held their history. Runs with
   * nothing staged and uncommitted (at open, or as exclusive work).
   */
  async collectGarbage(): Promise<void> {
    if (!this.#garbageDue()) return;
    for (const [name, queue] of this.#catalog.committed.entries()) {
      if (queue.size === 0) {
        this.#writer.writeControl(
          RECORD_POSITION,
          this.#catalog.nameOf(name)!,
          queue.nextPosition(),
        );
      }
    }
    // What reached the disk is unknown when this fails: the log takes no more writes.
    await this.#failOnIo(this.#writer.sync());
    try {
      await this.#dir.removeBefore(this.#gcLimit());
    } catch {
      // A file that could not be deleted only costs disk space: it is tried
      // again at the next collection, and replay handles it meanwhile.
    }
  }

  /** True when some wal file is needed by no queue and is not the one being written. */
  #garbageDue(): boolean {
    const first = this.#dir.firstFile;
    return this.#dir.fileCount >= 2 && first !== undefined && first < this.#gcLimit();
  }

  /** Files numbered below this are needed by no queue and are not being written. */
  #gcLimit(): number {
    const oldest = this.#catalog.committed.oldestFileInUse();
    const current = this.#writer.fileNumber;
    return oldest === undefined ? current : Math.min(oldest, current);
  }

  /** True when automatic compaction's thresholds are passed (whether it would pay is decided by the plan). */
  #compactionDue(): boolean {
    const auto = this.#auto;
    const first = this.#dir.firstFile;
    if (auto === undefined || first === undefined || !this.#dir.canRename) return false;
    const pinned = this.#writer.fileNumber - first;
    return pinned > auto.maxPinnedFiles ||
      (auto.maxDiskBytes !== undefined && this.#dir.diskBytes > auto.maxDiskBytes);
  }

  /**
   * Relocates the retained records of the queues that pin the oldest wal
   * files to a new file, then deletes the files nothing pins any more.
   *
   * Crash-atomic: (1) the current file is ended at a block boundary (a
   * padding record replay ignores fills its last block; the file is cut
   * there, fsynced, and readers go on to the next file number); (2) the
   * rewrite is built under a temporary name, preallocated and fsynced;
   * (3) it is renamed to the next file number and the directory fsynced;
   * (4) writing continues after it; (5) old files are deleted. A crash
   * before (3) leaves the old records where they were (the temporary file
   * is ignored, and removed at the next open); after it, the complete
   * rewrite supersedes them. No queue is ever reset without its records.
   */
  async #compact(maxRatio: number): Promise<CompactionOutcome> {
    const dir = this.#dir;
    const first = dir.firstFile;
    if (first === undefined || !dir.canRename) return { ...NOTHING_DONE };
    const writer = this.#writer;
    const current = writer.fileNumber;
    const target = writer.offset === 0 ? current : current + 1;
    const catalog = this.#catalog;
    const candidates: Candidate[] = [];
    for (const [name, queue] of catalog.committed.entries()) {
      candidates.push({ name, nameBytes: catalog.nameOf(name)!, queue });
    }
    const fileSize = dir.fileSize;
    const pinnedFrom = catalog.committed.oldestPinnedFile();
    const plan = planCompaction(
      candidates,
      first,
      current,
      fileSize,
      fileSize,
      maxRatio,
      pinnedFrom,
    );
    if (plan === undefined) return { ...NOTHING_DONE };
    const filesBefore = dir.fileCount;
    // The files are consistent at every step, but the writer may not be: an I/O error fails the log.
    return await this.#failOnIo((async () => {
      if (target !== current) {
        writer.padToBlockEnd((name) => catalog.isTaken(name));
        await writer.endFile();
      }
      const onDisk = catalog.committed.onDisk;
      const built = buildCompactedFile(plan, this.#crc, onDisk ? { target } : undefined);
      const temp = await dir.createTemp();
      try {
        await temp.write(built.bytes, 0);
        await temp.truncate(fileSize);
        await temp.datasync();
      } finally {
        await temp.close();
      }
      await dir.adoptTemp(target, fileSize);
      await writer.adopt(target, built.bytes.length);
      plan.queues.forEach(({ queue }, k) => queue.relocate(target, built.where[k]));
      await this.collectGarbage();
      return {
        queuesRewritten: plan.queues.length,
        recordsRelocated: built.records,
        bytesRelocated: built.payloadBytes,
        filesDeleted: filesBefore - dir.fileCount + (target === current ? 0 : 1),
      };
    })());
  }

  /** Waits for `work`; an I/O error it rejects with fails the pipeline (the log takes no more writes). */
  async #failOnIo<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      if (err instanceof IoError) this.#pipeline.failWith(err);
      throw err;
    }
  }
}
