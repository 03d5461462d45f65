/**
 * The public streaming scan: reads a log directory read-only without
 * holding its records in memory, whatever its size.
 *
 * @module
 */
import { walFileName } from "../wal/file_name.ts";
import { applyRecord, type RecordListener } from "./apply_record.ts";
import { DONE, FramePass, NEED_INPUT } from "./frame_pass.ts";
import { liveRecords } from "./live.ts";
import { ScanSession } from "./session.ts";
import type { LogScan, ScanEntry, ScanOptions, ScanReport } from "./types.ts";
import { checkScanOptions } from "../validate.ts";

/**
 * Scans the log in directory `dir`, read-only and without loading it: an
 * async iterator over its records (`{ kind: "record", queue, position,
 * payload, file, offset }`) and its queue events (`created`, `truncated`,
 * `deleted`), in log order. Memory stays bounded by a 4 MiB read buffer and
 * the record being read (plus a few numbers per queue), whatever the size
 * of the log; each `payload` is a view valid until the iteration moves on.
 *
 * Damage is skipped as replay skips it and reported in `scan.report` (the
 * issue types of `log.recovery`, plus {@link FileIssue}s), complete once the
 * iteration has ended. With `live: true`, only the records still in the log
 * at its end are yielded (those `MultiRecordLog.open` would load): a first
 * pass keeps positions, never payloads (see {@link ScanOptions.live}).
 *
 * The scan takes no lock and changes nothing. A log being written meanwhile
 * is read up to where it ended when the first pass reached it. Its writer
 * may delete wal files meanwhile (collection, compaction): the scan keeps
 * the oldest 256 open from the start, and a listed file gone before the
 * scan opened it makes it list the directory again and start over, as a
 * read-only open does (with `live`, until its first pass is over; after 20
 * attempts, or once entries were yielded, it rejects with an {@link IoError}
 * ENOENT). Entries named like wal files that are not regular files are
 * never opened (`not-a-regular-file`).
 *
 * @throws {CorruptLogError} ("not a log") when `dir` holds no wal file (unless `emptyIsLog`),
 *   or only wal-named files of which not one frame checks out.
 * @throws {NotADirectoryError} when `dir` is not a directory.
 * @throws {InvalidArgumentError} at once, for a `dir` or an option that is not what it takes
 *   (a `fileSize` that is not a multiple of 32768 from 32768 to 4 GiB).
 * @example
 * ```ts
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { MultiRecordLog, scanLog } from "@mrl/core";
 * const dir = await mkdtemp(`${tmpdir()}/mrl-`);
 * const log = await MultiRecordLog.open(dir);
 * await log.createQueue("events");
 * await log.appendRecords("events", [new Uint8Array([1]), new Uint8Array([2])]);
 * await log.truncate("events", 0);
 * await log.close();
 * for await (const entry of scanLog(dir)) {
 *   console.log(entry.kind, entry.queue, entry.position); // created events 0, record events 0, ...
 * }
 * for await (const entry of scanLog(dir, { live: true })) {
 *   console.log(entry.position); // 1: the record still in the log
 * }
 * await rm(dir, { recursive: true, force: true });
 * ```
 */
export function scanLog(dir: string, options: ScanOptions = {}): LogScan {
  checkScanOptions(dir, options);
  return new Scan(dir, options);
}

class Scan implements LogScan {
  readonly #entries: AsyncGenerator<ScanEntry, void, undefined>;
  #session: ScanSession | undefined;
  #report: ScanReport = {
    files: 0,
    totalBytes: 0,
    bytesRead: 0,
    records: 0,
    issues: [],
    issueCount: 0,
    end: { file: walFileName(0), offset: 0 },
  };

  constructor(dir: string, options: ScanOptions) {
    this.#entries = this.#run(dir, options);
  }

  get report(): ScanReport {
    return this.#session?.report ?? this.#report;
  }

  async next(): Promise<IteratorResult<ScanEntry, undefined>> {
    const result = await this.#entries.next();
    return result.done ? { done: true, value: undefined } : result;
  }

  async return(): Promise<IteratorResult<ScanEntry, undefined>> {
    await this.#entries.return(undefined);
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): LogScan {
    return this;
  }

  async *#run(dir: string, options: ScanOptions): AsyncGenerator<ScanEntry, void, undefined> {
    const live = options.live === true;
    const session = await ScanSession.open(dir, options, { firstPass: live });
    this.#session = session;
    try {
      yield* this.#entriesOf(session, options);
    } finally {
      await session.close();
    }
  }

  async *#entriesOf(
    session: ScanSession,
    options: ScanOptions,
  ): AsyncGenerator<ScanEntry, void, undefined> {
    const wanted = options.queues === undefined ? undefined : new Set(options.queues);
    const select = (queue: string) => wanted === undefined || wanted.has(queue);
    if (options.live === true) {
      session.finish();
      yield* liveRecords(session, select);
      return;
    }
    const batch: ScanEntry[] = [];
    const pass = new FramePass(session.dir, session.crc, session.files);
    session.first = pass;
    const event =
      (kind: "created" | "truncated" | "deleted") => (queue: string, position: number) => {
        if (select(queue)) {
          batch.push({
            kind,
            queue,
            position,
            file: pass.recordFileName,
            offset: pass.recordOffset,
          });
        }
      };
    const sink: RecordListener = {
      created: event("created"),
      truncated: event("truncated"),
      deleted: event("deleted"),
      item(queue, position, start, end) {
        if (!select(queue)) return;
        batch.push({
          kind: "record",
          queue,
          position,
          payload: pass.record.subarray(start, end),
          file: pass.recordFileName,
          offset: pass.recordOffset,
        });
      },
    };
    try {
      for (;;) {
        const step = pass.next();
        if (step === NEED_INPUT) {
          await pass.fill();
          continue;
        }
        if (step === DONE) break;
        session.report.records++;
        applyRecord(pass, session.states, sink);
        for (let i = 0; i < batch.length; i++) yield batch[i];
        batch.length = 0;
      }
    } finally {
      await pass.close();
    }
    await session.afterFirstPass();
    session.finish();
  }
}
