/**
 * What every scan of a log directory shares: opening it read-only (the wal
 * files and their sizes, the checks on whole files), counting the bytes
 * read for progress, a first pass over every record, the look past the end
 * of the log (`wal/tail_scanner.ts`, as replay does), and the report.
 * Nothing here holds records: memory is a chunk buffer, the record being
 * assembled and the positions-only {@link QueueStates}.
 *
 * @module
 */
import { CorruptLogError, IoError } from "../errors.ts";
import { retryWhileVanishing } from "../replay/read_only.ts";
import type { WalDirectory } from "../wal/directory.ts";
import { walFileName } from "../wal/file_name.ts";
import { scanUnreadBytes } from "../wal/tail_scanner.ts";
import { BLOCK_SIZE, DEFAULT_FILE_SIZE } from "../format/constants.ts";
import { type Crc32, loadCrc32 } from "../format/crc.ts";
import type { UnreadBytesIssue } from "../types.ts";
import { unreadBytesIssue } from "../replay/recovery.ts";
import type { DirEntry, FileHandle, FileSystem, OpenMode, PathInfo } from "../ports/file_system.ts";
import { nativeCrc32Candidates } from "../ports/native_crc.ts";
import { defaultFileSystem } from "../ports/default_fs.ts";
import { applyRecord, type RecordListener } from "./apply_record.ts";

/** Times the damage at the end of a log is read again, in case a write was in progress (see `#settleTail`). */
const TAIL_REREADS = 6;

/** Damage a frame half written can cause. */
const WRITE_DAMAGE = new Set(["bad-checksum", "bad-frame", "unterminated-record", "orphan-frame"]);

/** The first pass tells nobody about the records it applies. */
const NO_SINK: RecordListener = {};
import { DONE, FramePass, NEED_INPUT } from "./frame_pass.ts";
import { FrameReader } from "../format/frame_reader.ts";
import { framesCheckOut } from "../wal/walker.ts";
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

  readonly #files: ScanFileSystem;

  private constructor(
    dir: WalDirectory,
    crc: Crc32,
    options: ScanOptions,
    total: number,
    files: ScanFileSystem,
  ) {
    this.#files = files;
    files.count = (n) => {
      this.report.bytesRead += n;
      this.#onProgress?.(this.report.bytesRead, this.plannedBytes);
    };
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

  /**
   * Opens `path` read-only: lists its wal files, opens them and reads their
   * sizes, then (with `firstPass`) runs {@link firstPass}. A log's writer
   * may be collecting wal files meanwhile: a listed file gone before it is
   * opened or read makes the scan list the directory again and start over,
   * as a read-only open does (`replay/read_only.ts`); the oldest files are
   * kept open from the start (see {@link HELD_FILES}), so that a collection
   * after that point changes nothing the scan reads. Close the session when
   * done ({@link close}).
   */
  static async open(
    path: string,
    options: ScanOptions = {},
    extra: { firstPass?: boolean; markBlocks?: boolean } = {},
  ): Promise<ScanSession> {
    const files = new ScanFileSystem(options.fs ?? await defaultFileSystem(), extra.markBlocks);
    const crc = await loadCrc32(nativeCrc32Candidates);
    try {
      return await retryWhileVanishing(files, path, async (dir) => {
        await files.release();
        const session = await ScanSession.#openListed(files, dir, crc, options);
        try {
          if (extra.firstPass === true) await session.firstPass();
        } catch (err) {
          await files.release();
          throw err;
        }
        return session;
      });
    } catch (err) {
      await files.release();
      throw err;
    }
  }

  static async #openListed(
    files: ScanFileSystem,
    dir: WalDirectory,
    crc: Crc32,
    options: ScanOptions,
  ): Promise<ScanSession> {
    dir.useFileSize(options.fileSize ?? DEFAULT_FILE_SIZE);
    const numbers = dir.fileNumbers();
    if (numbers.length === 0 && options.emptyIsLog !== true) {
      const entries = await files.readDir(dir.path);
      throw notALog(
        dir.path,
        entries.length === 0
          ? "it is empty"
          : dir.notFiles.length > 0
          ? `its entries named like wal files are not regular files (${dir.notFiles.join(", ")})`
          : `none of its ${entries.length} entries is a wal file`,
      );
    }
    let total = 0;
    const fileIssues: FileIssue[] = [];
    for (const [i, n] of numbers.entries()) {
      files.holding = i < HELD_FILES;
      const file = await dir.openFile(n, "read");
      files.holding = false;
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
    for (const name of dir.notFiles) {
      fileIssues.push({ file: name, offset: 0, reason: "not-a-regular-file", bytes: 0 });
    }
    const session = new ScanSession(dir, crc, options, total, files);
    session.#fileIssues.push(...fileIssues);
    return session;
  }

  /** Closes the wal files the session keeps open. */
  close(): Promise<void> {
    return this.#files.release();
  }

  /**
   * Blocks (of 32 KiB; a partial last one counts) of wal file `n` holding a
   * non-zero byte, among those read so far (only when opened with
   * `markBlocks`; once the first pass is over, every block that may hold
   * data was read: the look past the end reads what the pass did not).
   */
  blocksWithData(n: number): number {
    return this.#files.marks?.count(this.dir.filePath(n)) ?? 0;
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
    await this.#settleTail(pass);
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
   * Drops the damage the pass met at the very end of the log when it was a
   * write in progress: a log's writer may be appending while the scan reads
   * (no lock), and a read racing a write can see a frame half written (a
   * bad checksum or frame header, and the record it cuts). Such damage
   * starts with a bad frame in the last two blocks before the end, in the
   * file the log ends in, and is all frame damage; once the write is over,
   * every frame from there to the end checks out (or zeros follow). It is
   * read again up to {@link TAIL_REREADS} times, a pause doubling from 1 ms
   * before each; a damaged log reads the same bad bytes every time, so its
   * damage stays (at the cost of those pauses).
   */
  async #settleTail(pass: FramePass): Promise<void> {
    const { listed } = pass.issues;
    if (listed.length === 0 || pass.issues.count !== listed.length) return;
    const end = pass.end;
    const endName = walFileName(end.fileNumber);
    const lastBlock = Math.floor(Math.max(end.offset - 1, 0) / BLOCK_SIZE);
    const floor = Math.max(lastBlock - 1, 0) * BLOCK_SIZE;
    let k = listed.length;
    while (
      k > 0 && listed[k - 1].file === endName && listed[k - 1].offset >= floor &&
      WRITE_DAMAGE.has(listed[k - 1].reason)
    ) k--;
    if (k === listed.length) return;
    if (listed[k].reason !== "bad-checksum" && listed[k].reason !== "bad-frame") return;
    const from = listed[k].offset;
    const start = from - (from % BLOCK_SIZE);
    const blocks = Math.max(1, Math.ceil((end.offset - start) / BLOCK_SIZE));
    const buffer = new Uint8Array(blocks * BLOCK_SIZE);
    const reader = new FrameReader(this.crc);
    for (let attempt = 0; attempt < TAIL_REREADS; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 2 ** attempt));
      const file = await this.dir.openFile(end.fileNumber, "read");
      try {
        if (await file.readFully(buffer, start) < buffer.length) return;
      } finally {
        await file.close();
      }
      if (framesCheckOut(reader, buffer, from - start, end.offset - start)) {
        pass.issues.count -= listed.length - k;
        listed.length = k;
        return;
      }
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

/**
 * Wal files a scan keeps open from the start, oldest first: a writer's
 * collection deletes the oldest files, and a deleted file stays readable
 * through a descriptor opened before (on every runtime). A log with more
 * files opens the later ones when it reaches them (a collection reaching
 * them meanwhile makes the scan start over, or fail in a second pass).
 */
const HELD_FILES = 256;

/**
 * The port as a scan uses it: reads only, every read counted (and, with
 * `markBlocks`, the blocks holding data marked), the handles opened while
 * `holding` kept open until {@link release} (their `close()` does nothing).
 */
class ScanFileSystem implements FileSystem {
  readonly #fs: FileSystem;
  readonly #held = new Map<string, { kept: FileHandle; close(): Promise<void> }>();
  readonly marks: BlockMarks | undefined;
  /** Called with the bytes of each read. */
  count: (bytes: number) => void = () => {};
  /** True while the handles opened are to be kept. */
  holding = false;

  constructor(fs: FileSystem, markBlocks = false) {
    this.#fs = fs;
    this.marks = markBlocks ? new BlockMarks() : undefined;
  }

  async openFile(path: string, mode: OpenMode): Promise<FileHandle> {
    if (mode !== "read") throw new IoError("open", path, new Error("a scan only reads"));
    const held = this.#held.get(path);
    if (held !== undefined) return held.kept;
    const handle = await this.#fs.openFile(path, mode);
    const marks = this.marks;
    const wrapped: FileHandle = {
      read: async (buffer, offset) => {
        const n = await handle.read(buffer, offset);
        if (n > 0) {
          marks?.mark(path, buffer, n, offset);
          this.count(n);
        }
        return n;
      },
      write: () => Promise.reject(new IoError("write", path, new Error("a scan only reads"))),
      truncate: () => Promise.reject(new IoError("truncate", path, new Error("a scan only reads"))),
      datasync: () => handle.datasync(),
      size: () => handle.size(),
      close: () => handle.close(),
    };
    if (!this.holding) return wrapped;
    const kept = { ...wrapped, close: () => Promise.resolve() };
    this.#held.set(path, { kept, close: () => handle.close() });
    return kept;
  }

  /** Closes the handles kept. */
  async release(): Promise<void> {
    const held = [...this.#held.values()];
    this.#held.clear();
    for (const h of held) await h.close();
  }

  readDir(path: string): Promise<DirEntry[]> {
    return this.#fs.readDir(path);
  }

  stat(path: string): Promise<PathInfo | undefined> {
    return this.#fs.stat(path);
  }

  mkdir(path: string): Promise<void> {
    return Promise.reject(new IoError("mkdir", path, new Error("a scan only reads")));
  }

  remove(path: string): Promise<void> {
    return Promise.reject(new IoError("remove", path, new Error("a scan only reads")));
  }

  syncDir(): Promise<void> {
    return Promise.resolve();
  }
}

/** Per file, a bit per 32 KiB block: set once a read met a non-zero byte in that block. */
class BlockMarks {
  readonly #bits = new Map<string, Uint8Array>();

  /** Marks the blocks of `path` in which `buffer[0, n)`, read at `offset`, holds data. */
  mark(path: string, buffer: Uint8Array, n: number, offset: number): void {
    let bits = this.#bits.get(path);
    const lastBlock = Math.floor((offset + n - 1) / BLOCK_SIZE);
    if (bits === undefined || bits.length * 8 <= lastBlock) {
      const grown = new Uint8Array(Math.max(64, (lastBlock >> 3) + 1) * 2);
      if (bits !== undefined) grown.set(bits);
      bits = grown;
      this.#bits.set(path, bits);
    }
    for (let block = Math.floor(offset / BLOCK_SIZE); block <= lastBlock; block++) {
      if ((bits[block >> 3] & (1 << (block & 7))) !== 0) continue;
      const from = Math.max(block * BLOCK_SIZE, offset) - offset;
      const to = Math.min((block + 1) * BLOCK_SIZE, offset + n) - offset;
      for (let i = from; i < to; i++) {
        if (buffer[i] !== 0) {
          bits[block >> 3] |= 1 << (block & 7);
          break;
        }
      }
    }
  }

  /** Blocks of `path` marked. */
  count(path: string): number {
    const bits = this.#bits.get(path);
    let count = 0;
    if (bits === undefined) return 0;
    for (const byte of bits) {
      for (let b = byte; b !== 0; b &= b - 1) count++;
    }
    return count;
  }
}
