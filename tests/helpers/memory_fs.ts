/**
 * An in-memory FileSystem that models what survives a power loss, with fault
 * injection. Each file has its current bytes (what reads see: the page
 * cache) and its durable bytes (as of its last datasync); a directory's
 * entries become durable on syncDir. `powerLoss()` gives the file system as a
 * machine would find it after the power came back: durable entries with
 * their durable bytes, plus (optionally) a prefix of the writes made since.
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
  op: "write" | "datasync" | "open" | "remove" | "syncDir" | "truncate" | "rename";
  nth: number;
  code: "EIO" | "ENOSPC";
  /** For writes: write only this many bytes before failing (a torn write). */
  tornBytes?: number;
}

interface Write {
  offset: number;
  bytes: Uint8Array;
}

class MemFile {
  data = new Uint8Array(0);
  length = 0;
  /** End of the bytes ever written (space taken on the disk; preallocation by truncate takes none). */
  allocated = 0;
  durable = new Uint8Array(0);
  /** Writes (and truncations, as `bytes` of length -1 with `offset` = new length) since the last datasync. */
  journal: Write[] = [];

  write(bytes: Uint8Array, offset: number): void {
    const end = offset + bytes.length;
    this.ensure(end);
    this.data.set(bytes, offset);
    if (end > this.length) this.length = end;
    this.journal.push({ offset, bytes: bytes.slice() });
  }

  truncate(length: number): void {
    this.ensure(length);
    if (length < this.length) this.data.fill(0, length, this.length);
    if (length < this.allocated) this.allocated = length;
    this.length = length;
    this.journal.push({ offset: length, bytes: new Uint8Array(0) });
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
  /** Called before each write, datasync, open, remove, syncDir, truncate or rename (e.g. to cut the power there). */
  onCall: ((op: Fault["op"]) => void) | undefined;

  /** Makes the `nth` next call of `fault.op` fail. */
  inject(fault: Fault): void {
    this.#faults.push(fault);
    this.#counts.set(fault.op, 0);
  }

  /** Removes every injected fault. */
  clearFaults(): void {
    this.#faults = [];
  }

  #check(op: Fault["op"], what: string): Fault | undefined {
    this.onCall?.(op);
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
    this.#check("open", path);
    const [dir, name] = split(path);
    const entries = this.#dirs.get(dir);
    if (entries === undefined) throw new FaultError("ENOENT", `open ${path}`);
    let file = entries.get(name);
    if (file === undefined) {
      if (mode !== "create") throw new FaultError("ENOENT", `open ${path}`);
      file = new MemFile();
      entries.set(name, file);
    } else if (mode === "create") {
      file.truncate(0);
    }
    return this.#handle(path, file, mode === "read");
  }

  #handle(path: string, file: MemFile, readOnly: boolean): FileHandle {
    const writeSync = (data: Uint8Array, offset: number): void => {
      if (readOnly) throw new FaultError("EBADF", `write ${path}`);
      const fault = this.#check("write", path);
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
    return {
      // deno-lint-ignore require-await
      read: async (buffer, offset) => {
        const n = Math.max(0, Math.min(buffer.length, file.length - offset));
        buffer.set(file.data.subarray(offset, offset + n));
        return n;
      },
      // deno-lint-ignore require-await
      write: async (data, offset) => writeSync(data, offset),
      writeSync,
      // deno-lint-ignore require-await
      truncate: async (length) => {
        this.#check("truncate", path);
        file.truncate(length);
      },
      // deno-lint-ignore require-await
      datasync: async () => {
        this.#check("datasync", path);
        file.sync();
      },
      // deno-lint-ignore require-await
      size: async () => file.length,
      allocation: this.allocationOf === undefined
        ? undefined
        : () => Promise.resolve(this.allocationOf!(path)),
      close: () => Promise.resolve(),
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
    this.#check("remove", path);
    const [dir, name] = split(path);
    if (!this.#dirs.get(dir)?.delete(name)) throw new FaultError("ENOENT", `remove ${path}`);
  }

  // deno-lint-ignore require-await
  async rename(from: string, to: string): Promise<void> {
    this.#check("rename", from);
    const [fromDir, fromName] = split(from);
    const [toDir, toName] = split(to);
    const file = this.#dirs.get(fromDir)?.get(fromName);
    if (file === undefined) throw new FaultError("ENOENT", `rename ${from}`);
    this.#dirs.get(fromDir)!.delete(fromName);
    this.#dirs.get(toDir)!.set(toName, file);
  }

  // deno-lint-ignore require-await
  async syncDir(path: string): Promise<void> {
    this.#check("syncDir", path);
    const entries = this.#dirs.get(path);
    if (entries !== undefined) this.#durableDirs.set(path, new Map(entries));
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
   * The file system after a power loss: durable directory entries with their
   * durable bytes; with `keep`, each file also keeps the first `keep(n)` of
   * its n writes since the last datasync (a random prefix, as a disk may).
   */
  powerLoss(keep?: (unsynced: number) => number): MemoryFileSystem {
    const after = new MemoryFileSystem();
    const copies = new Map<MemFile, MemFile>();
    for (const [dir, entries] of this.#durableDirs) {
      const restored = new Map<string, MemFile>();
      for (const [name, file] of entries) {
        let copy = copies.get(file);
        if (copy === undefined) {
          copy = new MemFile();
          copy.write(file.durable, 0);
          const kept = keep === undefined ? 0 : keep(file.journal.length);
          for (const w of file.journal.slice(0, kept)) {
            if (w.bytes.length === 0) copy.truncate(w.offset);
            else copy.write(w.bytes, w.offset);
          }
          copy.sync();
          copies.set(file, copy);
        }
        restored.set(name, copy);
      }
      after.#dirs.set(dir, restored);
      after.#durableDirs.set(dir, new Map(restored));
    }
    return after;
  }
}
