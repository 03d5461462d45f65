/**
 * The log directory: which wal files exist, creating (preallocated) and
 * removing them, and making those changes durable. Every port call made on
 * behalf of the log's files goes through here or through the handles it
 * returns, wrapped so that failures surface as `IoError`.
 *
 * @module
 */
import { asIoError, CorruptLogError, IoError, NotADirectoryError } from "../errors.ts";
import type { FileAllocation, FileHandle, FileSystem, OpenMode } from "../ports/file_system.ts";
import { isUnnumberableWalFileName, joinPath, parseWalFileName, walFileName } from "./file_name.ts";

/** Runs a port call, turning its failure into an {@link IoError} naming `path`. */
export async function io<T>(operation: string, path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw asIoError(operation, path, err);
  }
}

/** The synchronous twin of {@link io}. */
export function ioSync<T>(operation: string, path: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw asIoError(operation, path, err);
  }
}

/**
 * The refusal of a log holding wal file `name`, numbered above 2^53 - 1. The
 * Rust crate reads it (a u64) after every other file, so ignoring it would
 * make this library and the crate see different logs, and a writer here
 * could never roll past it; no writer reaches such a number (one file a
 * millisecond takes 285,000 years), so the file was put there by hand or by
 * damage to the directory, and a person must decide.
 */
function unnumberable(name: string): CorruptLogError {
  return new CorruptLogError(
    `wal file ${name} is numbered above 2^53 - 1, which no writer reaches and this library ` +
      `cannot number: the log is refused rather than read without it. Move the file out of ` +
      `the directory (or rename it to its place in the sequence) and open again`,
    name,
  );
}

/** The name of a compaction's temporary file. */
const TEMP_NAME = "wal-compaction.tmp";

/** The wal files of one log directory. */
export class WalDirectory {
  readonly fs: FileSystem;
  readonly path: string;
  #fileSize: number;
  /** File numbers present, ascending. */
  readonly #files: number[];
  /** Known file sizes (set when a file is created, read, cut or adopted); others count as `fileSize`. */
  readonly #sizes = new Map<number, number>();
  /** Told of every wal file removed or replaced (see onFileChange). */
  readonly #listeners: ((n: number) => void)[] = [];
  /** True when the listing showed a temporary file a crashed compaction left behind. */
  #strayTemp: boolean;
  /**
   * Entries named like wal files that are not regular files (directories,
   * FIFOs, sockets, devices, symbolic links to nothing or to one of those):
   * never opened (opening a FIFO would block), and not among the wal files.
   * Replay refuses them and the scan reports them, the one rule for both
   * (see {@link notFileProblem}).
   */
  readonly notFiles: readonly string[];
  /** Of the {@link notFiles} that are links, what each points to. */
  readonly #linkTargets: ReadonlyMap<string, string>;

  private constructor(
    fs: FileSystem,
    path: string,
    fileSize: number,
    files: number[],
    strayTemp: boolean,
    notFiles: string[] = [],
    linkTargets: ReadonlyMap<string, string> = new Map(),
  ) {
    this.fs = fs;
    this.path = path;
    this.#fileSize = fileSize;
    this.#files = files;
    this.#strayTemp = strayTemp;
    this.notFiles = notFiles;
    this.#linkTargets = linkTargets;
  }

  /** What is wrong with the entry `name` of {@link notFiles}, and what to do about it. */
  notFileProblem(name: string): string {
    const target = this.#linkTargets.get(name);
    return target !== undefined
      ? `this wal file is a symbolic link to ${target}; point it at the wal file, or put the ` +
        "file itself here"
      : "this wal file name is not a regular file (a directory, a pipe, a device, ...): put the " +
        "wal file itself here, or move what is there away if it holds no records";
  }

  /** Bytes per wal file: new files are created this large. */
  get fileSize(): number {
    return this.#fileSize;
  }

  /** Sets the file size (once it is worked out from the files, see `file_size.ts`). */
  useFileSize(fileSize: number): void {
    this.#fileSize = fileSize;
  }

  /** Bytes the wal files take on disk. */
  get diskBytes(): number {
    let total = 0;
    for (const n of this.#files) total += this.#sizes.get(n) ?? this.fileSize;
    return total;
  }

  /** Size of file `n` (the file size when not known otherwise). */
  sizeOf(n: number): number {
    return this.#sizes.get(n) ?? this.fileSize;
  }

  /** Size of file `n` when it was recorded (created, read, cut or adopted), else undefined. */
  knownSize(n: number): number | undefined {
    return this.#sizes.get(n);
  }

  /** Records the size of file `n`. */
  setSize(n: number, size: number): void {
    this.#sizes.set(n, size);
  }

  /** Opens `path` (created if missing, unless `readOnly`) and lists its wal files. */
  static async open(
    fs: FileSystem,
    path: string,
    fileSize: number,
    readOnly = false,
  ): Promise<WalDirectory> {
    await WalDirectory.ensure(fs, path, readOnly);
    return await WalDirectory.list(fs, path, fileSize);
  }

  /** Checks that `path` is a directory; creates it when missing, unless `readOnly`. */
  static async ensure(fs: FileSystem, path: string, readOnly = false): Promise<void> {
    const info = await io("stat", path, () => fs.stat(path));
    if (info === undefined) {
      if (readOnly) throw new IoError("open", path, new Error("no such directory"), "ENOENT");
      await io("mkdir", path, () => fs.mkdir(path));
    } else if (!info.isDirectory) {
      throw new NotADirectoryError(path);
    }
  }

  /**
   * Lists the wal files of the existing directory `path`. A symbolic link
   * named like a wal file is read as the file it points to when that is a
   * regular file; a link to anything else, or to nothing, is among the
   * {@link notFiles}, like a directory or a pipe of that name (README,
   * "Symbolic links").
   *
   * @throws {CorruptLogError} when a wal file's number is above 2^53 - 1 (see {@link unnumberable}).
   */
  static async list(fs: FileSystem, path: string, fileSize: number): Promise<WalDirectory> {
    const entries = await io("readDir", path, () => fs.readDir(path));
    const files: number[] = [];
    const notFiles: string[] = [];
    const linkTargets = new Map<string, string>();
    let strayTemp = false;
    for (const entry of entries) {
      const n = parseWalFileName(entry.name);
      if (entry.isSymlink === true && n !== undefined) {
        const linkPath = joinPath(path, entry.name);
        const target = await io("stat", linkPath, () => fs.stat(linkPath));
        if (target?.isFile === true) {
          files.push(n);
        } else {
          notFiles.push(entry.name);
          linkTargets.set(
            entry.name,
            target === undefined ? "nothing (a dangling link)" : "something not a regular file",
          );
        }
        continue;
      }
      if (!entry.isFile) {
        if (n !== undefined) notFiles.push(entry.name);
        continue;
      }
      if (n !== undefined) files.push(n);
      else if (entry.name === TEMP_NAME) strayTemp = true;
      else if (isUnnumberableWalFileName(entry.name)) throw unnumberable(entry.name);
    }
    files.sort((a, b) => a - b);
    notFiles.sort();
    return new WalDirectory(fs, path, fileSize, files, strayTemp, notFiles, linkTargets);
  }

  /** File numbers present, ascending (a copy). */
  fileNumbers(): number[] {
    return this.#files.slice();
  }

  /** Number of wal files present. */
  get fileCount(): number {
    return this.#files.length;
  }

  /** The oldest file number, or undefined when there is none. */
  get firstFile(): number | undefined {
    return this.#files[0];
  }

  /** Path of wal file `n`. */
  filePath(n: number): string {
    return joinPath(this.path, walFileName(n));
  }

  /** Opens an existing wal file. */
  /** Whether {@link openFileSync} is available (the port offers `openFileSync`). */
  get canOpenSync(): boolean {
    return this.fs.openFileSync !== undefined;
  }

  /** The synchronous twin of {@link openFile} (check {@link canOpenSync} first). */
  openFileSync(n: number, mode: OpenMode): WalFile {
    const path = this.filePath(n);
    const handle = ioSync("open", path, () => this.fs.openFileSync!(path, mode));
    return new WalFile(handle, path, n);
  }

  /**
   * Calls `listener` with the number of every wal file removed or replaced
   * from now on (after the change), so that what was read of it is dropped.
   */
  onFileChange(listener: (n: number) => void): void {
    this.#listeners.push(listener);
  }

  async openFile(n: number, mode: OpenMode): Promise<WalFile> {
    const path = this.filePath(n);
    const handle = await io("open", path, () => this.fs.openFile(path, mode));
    return new WalFile(handle, path, n);
  }

  /**
   * Creates wal file `n` (exclusively: whatever is at its name already, a
   * file, a link or a directory, fails the call and is left as it is),
   * preallocated to the file size (zeros), and makes its directory entry
   * durable, unless `syncDirectory` is false (the caller then syncs the
   * directory before anything written to the file is acknowledged as
   * durable). When a step after the creation fails, the new file is closed
   * and removed (it holds nothing) before the call rejects.
   */
  async createFile(n: number, syncDirectory = true): Promise<WalFile> {
    const path = this.filePath(n);
    const handle = await io("create", path, () => this.fs.openFile(path, "create"));
    const file = new WalFile(handle, path, n);
    try {
      await file.truncate(this.fileSize);
      if (syncDirectory) await this.sync();
    } catch (err) {
      await file.close().catch(() => {});
      await this.fs.remove(path).catch(() => {}); // best effort: an empty last file is harmless
      throw err;
    }
    this.#add(n, this.fileSize);
    return file;
  }

  #add(n: number, size: number): void {
    if (!this.#files.includes(n)) {
      this.#files.push(n);
      this.#files.sort((a, b) => a - b);
    }
    this.#sizes.set(n, size);
  }

  /** Path of the temporary file a compaction builds (not a wal file name: readers ignore it). */
  get tempPath(): string {
    return joinPath(this.path, TEMP_NAME);
  }

  /**
   * Creates the temporary file, empty (exclusively: one a failed compaction
   * of this log left behind is removed first; it never holds wal data).
   */
  async createTemp(): Promise<WalFile> {
    const path = this.tempPath;
    if (await io("stat", path, () => this.fs.stat(path)) !== undefined) {
      await io("remove", path, () => this.fs.remove(path));
    }
    const handle = await io("create", path, () => this.fs.openFile(path, "create"));
    return new WalFile(handle, path, -1);
  }

  /** True when the port can rename files (compaction needs it). */
  get canRename(): boolean {
    return this.fs.rename !== undefined;
  }

  /**
   * Renames the temporary file to wal file `n` (atomically replacing any file
   * of that name) and makes the directory entry durable.
   */
  async adoptTemp(n: number, size: number): Promise<void> {
    const target = this.filePath(n);
    await io("rename", target, () => this.fs.rename!(this.tempPath, target));
    await this.sync();
    this.#add(n, size);
    for (const listener of this.#listeners) listener(n);
  }

  /**
   * Removes the temporary file a crashed compaction left behind, if the
   * listing showed one (only this log's own compaction creates it, under
   * the lock, so no other can appear after the listing).
   */
  async removeStrayTemp(): Promise<void> {
    if (!this.#strayTemp) return;
    await io("remove", this.tempPath, () => this.fs.remove(this.tempPath));
    this.#strayTemp = false;
  }

  /** Removes every wal file numbered below `limit`, oldest first, then syncs the directory. */
  removeBefore(limit: number): Promise<number> {
    return this.#removeEach(() => {
      const first = this.#files[0];
      return first !== undefined && first < limit ? first : undefined;
    });
  }

  /**
   * Removes every wal file numbered above `n`, newest first, then syncs the
   * directory. Only for files replay did not read, once their bytes are kept
   * elsewhere (see `salvage.ts`).
   */
  removeAfter(n: number): Promise<number> {
    return this.#removeEach(() => {
      const last = this.#files[this.#files.length - 1];
      return last !== undefined && last > n ? last : undefined;
    });
  }

  /**
   * Removes the wal files `next` names, one at a time until it names none
   * (each leaves the listing once removed), then syncs the directory.
   * Returns how many were removed.
   */
  async #removeEach(next: () => number | undefined): Promise<number> {
    let removed = 0;
    for (let n = next(); n !== undefined; n = next()) {
      const path = this.filePath(n);
      await io("remove", path, () => this.fs.remove(path));
      this.#sizes.delete(n);
      this.#files.splice(this.#files.indexOf(n), 1);
      for (const listener of this.#listeners) listener(n);
      removed++;
    }
    if (removed > 0) await this.sync();
    return removed;
  }

  /** Makes the directory's entries durable. */
  sync(): Promise<void> {
    return io("syncDir", this.path, () => this.fs.syncDir(this.path));
  }
}

/**
 * An open wal file: the port's handle with errors naming the file. It is
 * closed at most once: `close` after the first does nothing.
 */
export class WalFile {
  readonly #handle: FileHandle;
  #closed = false;
  readonly path: string;
  readonly number: number;

  constructor(handle: FileHandle, path: string, number: number) {
    this.#handle = handle;
    this.path = path;
    this.number = number;
  }

  /** Reads as many bytes as are there, up to `buffer.length`, at `offset`. */
  async readFully(buffer: Uint8Array, offset: number): Promise<number> {
    let done = 0;
    while (done < buffer.length) {
      const target = done === 0 ? buffer : buffer.subarray(done);
      const n = await io("read", this.path, () => this.#handle.read(target, offset + done));
      if (n <= 0) break;
      done += n;
    }
    return done;
  }

  /** Whether {@link readFullySync} is available (the port offers `readSync`). */
  get canReadSync(): boolean {
    return this.#handle.readSync !== undefined;
  }

  /**
   * The synchronous twin of {@link readFully} (the port's `readSync`; check
   * {@link canReadSync} first). A failure is an `IoError` naming the file and
   * the offset read at.
   */
  readFullySync(buffer: Uint8Array, offset: number): number {
    const handle = this.#handle;
    let done = 0;
    while (done < buffer.length) {
      const target = done === 0 ? buffer : buffer.subarray(done);
      const n = ioSync(`read at offset ${offset + done}`, this.path, () => {
        return handle.readSync!(target, offset + done);
      });
      if (n <= 0) break;
      done += n;
    }
    return done;
  }

  /** Writes `data` at `offset`. */
  write(data: Uint8Array, offset: number): Promise<void> {
    return io("write", this.path, () => this.#handle.write(data, offset));
  }

  /** True when `writeSync` works (the port offers synchronous writes). */
  get canWriteSync(): boolean {
    return this.#handle.writeSync !== undefined;
  }

  /** Writes `data` at `offset` synchronously (only when `canWriteSync`). */
  writeSync(data: Uint8Array, offset: number): void {
    ioSync("write", this.path, () => this.#handle.writeSync!(data, offset));
  }

  /** A shared writable mapping of the whole file, when the port offers one. */
  map(): Uint8Array | undefined {
    return this.#handle.map === undefined
      ? undefined
      : ioSync("mmap", this.path, () => this.#handle.map!());
  }

  /** Sets the file length. */
  truncate(length: number): Promise<void> {
    return io("truncate", this.path, () => this.#handle.truncate(length));
  }

  /** fdatasync. */
  datasync(): Promise<void> {
    return io("datasync", this.path, () => this.#handle.datasync());
  }

  /** Current length. */
  size(): Promise<number> {
    return io("stat", this.path, () => this.#handle.size());
  }

  /** The storage allocated to the file, where the port knows it and it can be trusted. */
  allocation(): Promise<FileAllocation | undefined> {
    const handle = this.#handle;
    if (handle.allocation === undefined) return Promise.resolve(undefined);
    return io("stat", this.path, () => handle.allocation!());
  }

  /**
   * Closes the handle, the first time only (the port's descriptor number may
   * belong to another file afterwards). Never rejects: the descriptor is
   * gone whether or not the close reports an error, and every file the log
   * wrote to is fdatasynced before it is closed (or abandoned after a
   * failure), so a lost write has already been reported there.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#handle.close();
    } catch {
      // See above: nothing more to report, and nothing to retry.
    }
  }
}
