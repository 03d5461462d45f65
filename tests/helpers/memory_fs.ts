/**
 * An in-memory FileSystem that models what survives a power loss, with fault
 * injection and a log of every call. Each file has its current bytes (what
 * reads see: the page cache) and its durable bytes (as of its last
 * datasync), plus the journal of its writes and length changes since; a
 * directory has its current entries, its durable entries (as of its last
 * syncDir) and the journal of its changes since (creations, renames,
 * removals). `powerLoss()` gives the file system as a machine would find it
 * after the power came back: each directory's durable entries plus a prefix
 * of its journal (none by default: an unsynced creation is lost, an
 * unsynced rename undone), each file with its durable bytes plus a prefix of
 * its journal torn at any byte (none by default), whatever name the file
 * then has. A file renamed before its data was synced thus appears under the
 * new name with partial contents.
 *
 * Handles are owned: closing one twice counts in `doubleCloses` (and does
 * nothing more), any other call on a closed handle throws EBADF, and
 * `openHandles` counts the handles not closed yet. `ops` logs the calls in
 * order ("create wal-…", "write wal-…", "datasync wal-…", "truncate wal-…",
 * "rename a b", "remove wal-…", "syncDir /wal", "open wal-…", "close wal-…"),
 * for tests of the order of durability steps; `mark()` adds a line of the
 * test's own (say, "ack").
 */
import type {
  DirEntry,
  DirLock,
  FileAllocation,
  FileHandle,
  FileSystem,
  OpenMode,
  PathInfo,
} from "../../mod.ts";

/** An error shaped like the runtimes' (a `code` such as EIO or ENOSPC). */
export class FaultError extends Error {
  readonly code: string;
  constructor(code: string, what: string) {
    super(`${code}: injected fault in ${what}`);
    this.code = code;
  }
}

/** Which call fails: the `nth` (1-based, counted from when the fault is set) call of `op`. */
export interface Fault {
  op: "write" | "datasync" | "open" | "remove" | "syncDir" | "truncate" | "rename" | "close";
  nth: number;
  code: "EIO" | "ENOSPC";
  /** For writes: write only this many bytes before failing (a torn write). */
  tornBytes?: number;
}

/** A write of `bytes` at `offset`, or (when `bytes` is undefined) a change of the length to `offset`. */
interface Write {
  offset: number;
  bytes?: Uint8Array;
}

/** A change of a directory's entries since its last syncDir: `name` now names `file`, or nothing. */
interface EntryChange {
  /** Names removed by the change (a rename's source, a removal). */
  gone: string[];
  /** The name set by the change (a creation, a rename's target), if any. */
  name?: string;
  file?: MemFile;
}

/** Units of a journal (what `powerLoss` keeps a prefix of): a write's bytes, 1 per length change. */
function units(w: Write): number {
  return w.bytes === undefined ? 1 : w.bytes.length;
}

class MemFile {
  data = new Uint8Array(0);
  length = 0;
  /** End of the bytes ever written (space taken on the disk; preallocation by truncate takes none). */
  allocated = 0;
  durable = new Uint8Array(0);
  /** Writes and length changes since the last datasync. */
  journal: Write[] = [];

  write(bytes: Uint8Array, offset: number): void {
    const end = offset + bytes.length;
    this.ensure(end);
    this.data.set(bytes, offset);
    if (end > this.length) this.length = end;
    if (bytes.length > 0) this.journal.push({ offset, bytes: bytes.slice() });
  }

  truncate(length: number): void {
    this.ensure(length);
    if (length < this.length) this.data.fill(0, length, this.length);
    if (length < this.allocated) this.allocated = length;
    this.length = length;
    this.journal.push({ offset: length });
  }

  sync(): void {
    this.durable = this.data.slice(0, this.length);
    this.journal = [];
  }

  ensure(size: number): void {
    if (size <= this.data.length) return;
    const grown = new Uint8Array(Math.max(size, this.data.length * 2));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
}

/** Splits a path into its directory and name. */
function split(path: string): [string, string] {
  const i = path.lastIndexOf("/");
  return i <= 0 ? ["/", path.slice(i + 1)] : [path.slice(0, i), path.slice(i + 1)];
}

/** The in-memory file system. */
export class MemoryFileSystem implements FileSystem {
  /** Current directory entries: dir -> name -> file. */
  readonly #dirs = new Map<string, Map<string, MemFile>>();
  /** Durable directory entries (as of the last syncDir of each directory). */
  readonly #durableDirs = new Map<string, Map<string, MemFile>>();
  #faults: Fault[] = [];
  readonly #counts = new Map<string, number>();
  /** Bytes writes may still add before ENOSPC (undefined: unlimited). */
  spaceLeft: number | undefined;
  /** Calls made, by operation. */
  readonly calls = new Map<string, number>();
  /** When set, file handles report this as their allocation (`FileHandle.allocation`); otherwise they have none. */
  allocationOf: ((path: string) => FileAllocation | undefined) | undefined;
  /** Called before each write, datasync, open, remove, syncDir, truncate, rename or close (e.g. to cut the power there). */
  onCall: ((op: Fault["op"]) => void) | undefined;
  /** The calls made, in order (see the module documentation). */
  readonly ops: string[] = [];
  /** Handles not closed yet. */
  openHandles = 0;
  /** Calls of `close` on a handle already closed. */
  doubleCloses = 0;
  /** Changes of each directory's entries since its last syncDir. */
  readonly #dirJournal = new Map<string, EntryChange[]>();

  /** Adds a line of the test's own to `ops`. */
  mark(line: string): void {
    this.ops.push(line);
  }

  /** Makes the `nth` next call of `fault.op` fail. */
  inject(fault: Fault): void {
    this.#faults.push(fault);
    this.#counts.set(fault.op, 0);
  }

  /** Removes every injected fault. */
  clearFaults(): void {
    this.#faults = [];
  }

  #check(op: Fault["op"], what: string, line: string): Fault | undefined {
    this.onCall?.(op);
    this.ops.push(line);
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
    const count = (this.#counts.get(op) ?? 0) + 1;
    this.#counts.set(op, count);
    const fault = this.#faults.find((f) => f.op === op && f.nth === count);
    if (fault === undefined) return undefined;
    this.#faults = this.#faults.filter((f) => f !== fault);
    if (fault.tornBytes === undefined) throw new FaultError(fault.code, `${op} ${what}`);
    return fault;
  }

  #file(path: string): MemFile | undefined {
    const [dir, name] = split(path);
    return this.#dirs.get(dir)?.get(name);
  }

  // deno-lint-ignore require-await
  async openFile(path: string, mode: OpenMode): Promise<FileHandle> {
    return this.openFileSync(path, mode);
  }

  openFileSync(path: string, mode: OpenMode): FileHandle {
    const [dir, name] = split(path);
    this.#check("open", path, `${mode === "create" ? "create" : "open"} ${name}`);
    const entries = this.#dirs.get(dir);
    if (entries === undefined) throw new FaultError("ENOENT", `open ${path}`);
    let file = entries.get(name);
    if (mode === "create") {
      // O_CREAT|O_EXCL, as the runtime adapters: anything at the name is an error.
      if (file !== undefined || this.#dirs.has(path)) {
        throw new FaultError("EEXIST", `open ${path}`);
      }
      file = new MemFile();
      entries.set(name, file);
      this.#changed(dir, { gone: [], name, file });
    } else if (file === undefined) {
      throw new FaultError(this.#dirs.has(path) ? "EISDIR" : "ENOENT", `open ${path}`);
    }
    return this.#handle(path, file, mode === "read");
  }

  /** Journals a change of `dir`'s entries (undone at a power loss unless kept, see `powerLoss`). */
  #changed(dir: string, change: EntryChange): void {
    const journal = this.#dirJournal.get(dir);
    if (journal === undefined) this.#dirJournal.set(dir, [change]);
    else journal.push(change);
  }

  #handle(path: string, file: MemFile, readOnly: boolean): FileHandle {
    const name = split(path)[1];
    let closed = false;
    this.openHandles++;
    const live = (op: string): void => {
      if (closed) throw new FaultError("EBADF", `${op} ${path} (closed handle)`);
    };
    const writeSync = (data: Uint8Array, offset: number): void => {
      live("write");
      if (readOnly) throw new FaultError("EBADF", `write ${path}`);
      const fault = this.#check("write", path, `write ${name}`);
      const grows = Math.max(0, offset + data.length - file.allocated);
      if (this.spaceLeft !== undefined) {
        if (grows > this.spaceLeft) throw new FaultError("ENOSPC", `write ${path}`);
        this.spaceLeft -= grows;
      }
      if (grows > 0) file.allocated = offset + data.length;
      if (fault !== undefined) {
        file.write(data.subarray(0, Math.min(data.length, fault.tornBytes!)), offset);
        throw new FaultError(fault.code, `write ${path} (torn)`);
      }
      file.write(data, offset);
    };
    const readSync = (buffer: Uint8Array, offset: number): number => {
      live("read");
      const n = Math.max(0, Math.min(buffer.length, file.length - offset));
      buffer.set(file.data.subarray(offset, offset + n));
      return n;
    };
    return {
      // deno-lint-ignore require-await
      read: async (buffer, offset) => readSync(buffer, offset),
      readSync,
      // deno-lint-ignore require-await
      write: async (data, offset) => writeSync(data, offset),
      writeSync,
      // deno-lint-ignore require-await
      truncate: async (length) => {
        live("truncate");
        this.#check("truncate", path, `truncate ${name}`);
        file.truncate(length);
      },
      // deno-lint-ignore require-await
      datasync: async () => {
        live("datasync");
        this.#check("datasync", path, `datasync ${name}`);
        file.sync();
      },
      // deno-lint-ignore require-await
      size: async () => {
        live("size");
        return file.length;
      },
      allocation: this.allocationOf === undefined
        ? undefined
        : () => Promise.resolve(this.allocationOf!(path)),
      // deno-lint-ignore require-await
      close: async () => {
        if (closed) {
          this.doubleCloses++;
          return;
        }
        closed = true; // closed whether or not an injected fault fails the call, as close(2)
        this.openHandles--;
        this.#check("close", path, `close ${name}`);
      },
    };
  }

  // deno-lint-ignore require-await
  async readDir(path: string): Promise<DirEntry[]> {
    const entries = this.#dirs.get(path);
    if (entries === undefined) throw new FaultError("ENOENT", `readDir ${path}`);
    const subdirs = [...this.#dirs.keys()].filter((d) => split(d)[0] === path && d !== path);
    return [
      ...[...entries.keys()].map((name) => ({ name, isFile: true })),
      ...subdirs.map((d) => ({ name: split(d)[1], isFile: false })),
    ];
  }

  // deno-lint-ignore require-await
  async stat(path: string): Promise<PathInfo | undefined> {
    if (this.#dirs.has(path)) return { isFile: false, isDirectory: true };
    if (this.#file(path) !== undefined) return { isFile: true, isDirectory: false };
    return undefined;
  }

  // deno-lint-ignore require-await
  async mkdir(path: string): Promise<void> {
    if (!this.#dirs.has(path)) {
      this.#dirs.set(path, new Map());
      this.#durableDirs.set(path, new Map()); // directories themselves are taken as durable
    }
  }

  // deno-lint-ignore require-await
  async remove(path: string): Promise<void> {
    const [dir, name] = split(path);
    this.#check("remove", path, `remove ${name}`);
    if (!this.#dirs.get(dir)?.delete(name)) throw new FaultError("ENOENT", `remove ${path}`);
    this.#changed(dir, { gone: [name] });
  }

  // deno-lint-ignore require-await
  async rename(from: string, to: string): Promise<void> {
    const [fromDir, fromName] = split(from);
    const [toDir, toName] = split(to);
    this.#check("rename", from, `rename ${fromName} ${toName}`);
    if (fromDir !== toDir) throw new FaultError("EXDEV", `rename ${from} ${to}`);
    const file = this.#dirs.get(fromDir)?.get(fromName);
    if (file === undefined) throw new FaultError("ENOENT", `rename ${from}`);
    this.#dirs.get(fromDir)!.delete(fromName);
    this.#dirs.get(toDir)!.set(toName, file);
    this.#changed(fromDir, { gone: [fromName], name: toName, file }); // atomic: both or neither
  }

  // deno-lint-ignore require-await
  async syncDir(path: string): Promise<void> {
    this.#check("syncDir", path, `syncDir ${path}`);
    const entries = this.#dirs.get(path);
    if (entries !== undefined) this.#durableDirs.set(path, new Map(entries));
    this.#dirJournal.delete(path);
  }

  readonly #locks = new Set<string>();

  /** One lock per directory, like the runtime adapters' (there is only one process here). */
  lock(path: string): Promise<DirLock> {
    if (this.#locks.has(path)) {
      return Promise.reject(
        Object.assign(new Error(`${path} is locked`), { code: "ELOCKED", pid: 1 }),
      );
    }
    this.#locks.add(path);
    return Promise.resolve({
      release: () => {
        this.#locks.delete(path);
        return Promise.resolve();
      },
    });
  }

  /** The names of the files in `dir`, sorted. */
  files(dir: string): string[] {
    return [...(this.#dirs.get(dir)?.keys() ?? [])].sort();
  }

  /** The current bytes of a file. */
  bytes(path: string): Uint8Array {
    const file = this.#file(path);
    if (file === undefined) throw new Error(`no file ${path}`);
    return file.data.slice(0, file.length);
  }

  /** Overwrites bytes of a file, as damage would (not journaled: it is durable at once). */
  corrupt(path: string, offset: number, bytes: Uint8Array): void {
    const file = this.#file(path)!;
    file.ensure(offset + bytes.length);
    file.data.set(bytes, offset);
    file.length = Math.max(file.length, offset + bytes.length);
    file.durable = file.data.slice(0, file.length);
  }

  /**
   * The file system after a power loss. Each directory has its durable
   * entries plus the first `keepEntries(n)` of its n entry changes since its
   * last syncDir (default none); each file its durable bytes plus the first
   * `keep(n)` units of its journal since its last datasync, where a write
   * counts one unit per byte (so a write may be torn at any byte) and a
   * length change one unit (default none). `keep` is asked once per file,
   * whatever names the file has then.
   */
  powerLoss(
    keep?: (unsynced: number) => number,
    keepEntries?: (unsynced: number) => number,
  ): MemoryFileSystem {
    const after = new MemoryFileSystem();
    const copies = new Map<MemFile, MemFile>();
    const restore = (file: MemFile): MemFile => {
      let copy = copies.get(file);
      if (copy !== undefined) return copy;
      copy = new MemFile();
      copy.write(file.durable, 0);
      const total = file.journal.reduce((sum, w) => sum + units(w), 0);
      let left = keep === undefined ? 0 : Math.max(0, Math.min(total, keep(total)));
      for (const w of file.journal) {
        if (left <= 0) break;
        if (w.bytes === undefined) copy.truncate(w.offset);
        else copy.write(w.bytes.subarray(0, Math.min(left, w.bytes.length)), w.offset);
        left -= units(w);
      }
      copy.sync();
      copies.set(file, copy);
      return copy;
    };
    for (const [dir, durable] of this.#durableDirs) {
      const entries = new Map(durable);
      const journal = this.#dirJournal.get(dir) ?? [];
      const kept = keepEntries === undefined
        ? 0
        : Math.max(0, Math.min(journal.length, keepEntries(journal.length)));
      for (const change of journal.slice(0, kept)) {
        for (const name of change.gone) entries.delete(name);
        if (change.name !== undefined) entries.set(change.name, change.file!);
      }
      const restored = new Map<string, MemFile>();
      for (const [name, file] of entries) restored.set(name, restore(file));
      after.#dirs.set(dir, restored);
      after.#durableDirs.set(dir, new Map(restored));
    }
    return after;
  }
}
