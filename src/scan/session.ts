/**
 * What every scan of a log directory shares: opening it read-only (the wal
 * files and their sizes, the checks on whole files), counting the bytes
 * read for progress, a first pass over every record, the look past the end
 * of the log (`files/tail_scanner.ts`, as replay does), and the report.
 * Nothing here holds records: memory is a chunk buffer, the record being
 * assembled and the positions-only {@link QueueStates}.
 *
 * @module
 */
import { CorruptLogError, IoError } from "../errors.ts";
import { WalDirectory } from "../files/directory.ts";
import { walFileName } from "../files/file_name.ts";
import { scanUnreadBytes } from "../files/tail_scanner.ts";
import { BLOCK_SIZE, DEFAULT_FILE_SIZE } from "../format/constants.ts";
import { type Crc32, loadCrc32 } from "../format/crc.ts";
import type { UnreadBytesIssue } from "../options.ts";
import { unreadBytesIssue } from "../recovery.ts";
import type { FileHandle, FileSystem } from "../ports/file_system.ts";
import { nativeCrc32Candidates } from "../ports/native_crc.ts";
import { defaultFileSystem } from "../ports/runtime.ts";
import { applyRecord, type RecordSink } from "./apply_record.ts";

/** The first pass tells nobody about the records it applies. */
const NO_SINK: RecordSink = {};
import { DONE, FramePass, NEED_INPUT } from "./frame_pass.ts";
import { QueueStates } from "./queue_states.ts";
import type { FileIssue, ScanIssue, ScanOptions, ScanReport } from "./types.ts";

/** An open scan of one directory. */
export class ScanSession {
  readonly dir: WalDirectory;
  readonly crc: Crc32;
  readonly files: number[];
  readonly states = new QueueStates();
  readonly report: ScanReport;
  /** Bytes the progress counts towards: every file once, plus what a second pass reads. */
  plannedBytes: number;
  readonly #onProgress: ScanOptions["onProgress"];
  readonly #fileIssues: FileIssue[] = [];
  #unread: UnreadBytesIssue[] = [];
  /** The first pass, once run. */
  first: FramePass | undefined;

  private constructor(dir: WalDirectory, crc: Crc32, options: ScanOptions, total: number) {
    this.dir = dir;
    this.crc = crc;
    this.files = dir.fileNumbers();
    this.#onProgress = options.onProgress;
    this.plannedBytes = total;
    this.report = {
      files: this.files.length,
      totalBytes: total,
      bytesRead: 0,
      records: 0,
      issues: [],
      issueCount: 0,
      end: { file: walFileName(this.files[0] ?? 0), offset: 0 },
    };
  }

  /** Opens `path` read-only: lists its wal files and reads their sizes. */
  static async open(path: string, options: ScanOptions = {}): Promise<ScanSession> {
    const opened: { session?: ScanSession } = {};
    const counted = countingFileSystem(options.fs ?? await defaultFileSystem(), (n) => {
      const session = opened.session;
      if (session === undefined) return;
      session.report.bytesRead += n;
      session.#onProgress?.(session.report.bytesRead, session.plannedBytes);
    });
    await WalDirectory.ensure(counted, path, true);
    const dir = await WalDirectory.list(counted, path, options.fileSize ?? DEFAULT_FILE_SIZE);
    const numbers = dir.fileNumbers();
    if (numbers.length === 0 && options.emptyIsLog !== true) {
      const entries = await counted.readDir(path);
      throw notALog(
        path,
        entries.length === 0
          ? "it is empty"
          : `none of its ${entries.length} entries is a wal file`,
      );
    }
    let total = 0;
    const fileIssues: FileIssue[] = [];
    for (const n of numbers) {
      const file = await dir.openFile(n, "read");
      let size: number;
      try {
        size = await file.size();
      } finally {
        await file.close();
      }
      dir.setSize(n, size);
      total += size;
      const name = walFileName(n);
      const partial = size % BLOCK_SIZE;
      if (partial !== 0) {
        fileIssues.push({
          file: name,
          offset: size - partial,
          reason: "cut-in-block",
          bytes: partial,
        });
      }
      if (options.fileSize !== undefined && size > options.fileSize) {
        fileIssues.push({ file: name, offset: 0, reason: "file-size-mismatch", bytes: size });
      }
    }
    const crc = await loadCrc32(nativeCrc32Candidates);
    const session = new ScanSession(dir, crc, options, total);
    opened.session = session;
    session.#fileIssues.push(...fileIssues);
    return session;
  }

  /** A pass over every record (reporting damage), applying each to the queue states. */
  async firstPass(): Promise<void> {
    const pass = new FramePass(this.dir, this.crc, this.files);
    this.first = pass;
    try {
      for (;;) {
        const step = pass.next();
        if (step === NEED_INPUT) {
          await pass.fill();
          continue;
        }
        if (step === DONE) break;
        this.report.records++;
        applyRecord(pass, this.states, NO_SINK);
      }
    } finally {
      await pass.close();
    }
    await this.afterFirstPass();
  }

  /** Once the first pass is over: the end of the log, then the bytes after it. */
  async afterFirstPass(): Promise<void> {
    const pass = this.first!;
    this.report.end = { file: walFileName(pass.end.fileNumber), offset: pass.end.offset };
    if (this.files.length === 0) return;
    // What the look past the end reads (in part again: the end's block), for the progress.
    let tail = 0;
    for (const n of this.files) {
      const size = this.dir.sizeOf(n);
      if (n < pass.end.fileNumber) tail += size % BLOCK_SIZE;
      else if (n > pass.end.fileNumber) tail += size;
      else tail += Math.max(0, size - (pass.end.offset - (pass.end.offset % BLOCK_SIZE)));
    }
    this.plannedBytes = Math.max(this.plannedBytes, this.report.bytesRead + tail);
    for (const bytes of await scanUnreadBytes(this.dir, pass.end, this.crc)) {
      this.#unread.push(unreadBytesIssue(bytes));
    }
  }

  /**
   * Completes the report: frame issues, then unread bytes, then file issues
   * (a file with data and not one good frame is `not-a-wal-file`).
   *
   * @throws {CorruptLogError} (not a log) when every wal file is one that is not.
   */
  finish(): ScanReport {
    const pass = this.first!;
    const report = this.report;
    const junk: FileIssue[] = [];
    for (const n of this.files) {
      const name = walFileName(n);
      const unread = this.#unread.find((u) => u.file === name);
      const good = (pass.goodFrames.get(n) ?? 0) + (unread?.frames ?? 0);
      if (good === 0 && (pass.sawData.has(n) || unread !== undefined)) {
        junk.push({ file: name, offset: 0, reason: "not-a-wal-file", bytes: this.dir.sizeOf(n) });
      }
    }
    if (this.files.length > 0 && junk.length === this.files.length) {
      throw notALog(
        this.dir.path,
        `no frame of its wal file(s) checks out (${junk.map((j) => j.file).join(", ")})`,
      );
    }
    // A partial block holding data is reported as such (partial-block); one of zeros as a cut.
    const cuts = this.#fileIssues.filter((f) =>
      f.reason !== "cut-in-block" ||
      !this.#unread.some((u) => u.file === f.file && u.reason === "partial-block")
    );
    const fileIssues: ScanIssue[] = [...cuts, ...junk].sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : a.offset - b.offset
    );
    report.issues = [...pass.issues.listed, ...this.#unread, ...fileIssues];
    report.issueCount = pass.issues.count + this.#unread.length + fileIssues.length;
    return report;
  }
}

/**
 * The error for a directory that is not a log: a {@link CorruptLogError}
 * (code `CORRUPT_LOG`) whose message starts with "not a log".
 */
export function notALog(path: string, why: string): CorruptLogError {
  return new CorruptLogError(
    `not a log: ${why}; a log directory holds wal files (wal- and 20 digits), check the path`,
    path,
  );
}

/** `fs` with every read counted. */
function countingFileSystem(fs: FileSystem, count: (bytes: number) => void): FileSystem {
  const wrap = (handle: FileHandle): FileHandle => ({
    read: async (buffer, offset) => {
      const n = await handle.read(buffer, offset);
      if (n > 0) count(n);
      return n;
    },
    write: (data, offset) => handle.write(data, offset),
    truncate: (length) => handle.truncate(length),
    datasync: () => handle.datasync(),
    size: () => handle.size(),
    close: () => handle.close(),
  });
  return {
    openFile: async (path, mode) => {
      if (mode !== "read") throw new IoError("open", path, new Error("a scan only reads"));
      return wrap(await fs.openFile(path, mode));
    },
    readDir: (path) => fs.readDir(path),
    stat: (path) => fs.stat(path),
    mkdir: (path) => Promise.reject(new IoError("mkdir", path, new Error("a scan only reads"))),
    remove: (path) => Promise.reject(new IoError("remove", path, new Error("a scan only reads"))),
    syncDir: () => Promise.resolve(),
  };
}
