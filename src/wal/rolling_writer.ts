/**
 * Appends frame bytes to the wal files. It is the {@link FrameTarget} of the
 * frame writer: bytes are staged in memory and reach the files on `flush()`,
 * one positioned write per file touched. Staging never waits for I/O: while
 * a flush writes one staging buffer, new bytes go to the other.
 *
 * When a file is full the next byte goes to the next file number; when that
 * byte is flushed, the full file is fdatasynced first, then the next file is
 * created preallocated and the directory synced (docs/FORMAT.md, "Writing
 * and rolling"). Rolling is
 * lazy, as in the Rust crate: a file that is exactly full stays the current
 * file until the next byte is staged.
 *
 * @module
 */
import { BLOCK_SIZE } from "../format/constants.ts";
import type { FrameTarget } from "../format/frame_writer.ts";
import type { WalDirectory, WalFile } from "./directory.ts";
import { giveBuffer, IDLE_LIMIT, takeBuffer } from "./idle_buffers.ts";

const INITIAL_BUFFER = 64 * 1024;
const EMPTY = new Uint8Array(0);
/**
 * Writes through a memory mapping only land in ranges first filled with
 * zeros by a write system call, this much at a time: the file system then
 * allocates the blocks, and a full disk is an ENOSPC error, not a SIGBUS.
 */
const MAP_FILL_BYTES = 1024 * 1024;
const ZEROS = new Uint8Array(MAP_FILL_BYTES);
/** Writes this large or larger go through a system call even when the file is mapped. */
const MAP_MAX_WRITE = 32 * 1024;

/** Where writing resumes: a file number and a byte offset in it. */
export interface WritePosition {
  fileNumber: number;
  offset: number;
}

/**
 * Staged bytes and the files/offsets they go to: segment i (of `segments`)
 * is `bytes[start[i], start[i+1])`. The segment arrays are reused, never
 * shrunk, so staging allocates nothing once warm.
 */
class Staging {
  bytes: Uint8Array = takeBuffer(INITIAL_BUFFER);
  length = 0;
  segments = 0;
  readonly start: number[] = [0];
  readonly file: number[] = [0];
  readonly offset: number[] = [0];

  /** End (exclusive) of segment `i` in `bytes`. */
  end(i: number): number {
    return i + 1 < this.segments ? this.start[i + 1] : this.length;
  }

  /** Starts a segment at the current length, for `file` at `offset`. */
  open(file: number, offset: number): void {
    const i = this.segments++;
    this.start[i] = this.length;
    this.file[i] = file;
    this.offset[i] = offset;
  }

  clear(): void {
    this.length = 0;
    this.segments = 0;
    // A buffer grown past what may be kept idle goes once flushed.
    if (this.bytes.length > IDLE_LIMIT) this.bytes = new Uint8Array(INITIAL_BUFFER);
  }
}

/**
 * The staging buffers and the current wal file. Also the pipeline's durable
 * sink (`stagedBytes`, `flushSync`, `flush`, `sync`).
 */
export class RollingWriter implements FrameTarget {
  readonly #dir: WalDirectory;
  /** The file flushes write to. */
  #file: WalFile;
  /** True when data was written to `#file` since its last datasync. */
  #unsynced = false;
  /** True when `#file` was created and its directory entry is not yet durable. */
  #directoryUnsynced = false;
  /** `#file`'s capacity, its shared mapping (when the port offers one), and how far it is filled with bytes written by system calls. */
  #fileCapacity: number;
  #map: Uint8Array | undefined;
  #filled: number;
  /** Staging position: file number and offset the next staged byte goes to, and that file's capacity. */
  #fileNumber: number;
  #offset: number;
  #capacity: number;
  #staging = new Staging();
  #spare = new Staging();

  private constructor(dir: WalDirectory, file: WalFile, capacity: number, offset: number) {
    this.#dir = dir;
    this.#file = file;
    this.#capacity = capacity;
    this.#fileNumber = file.number;
    this.#offset = offset;
    this.#fileCapacity = capacity;
    this.#filled = offset;
    this.#map = mapping(file, capacity);
  }

  /**
   * Opens the writer at `at`. The file is created if missing; in an existing
   * file, what lies past `at.offset` is made zeros (it is unreachable for a
   * reader, kept in salvage files by then, and stale frames there must never
   * become readable after new ones), and the file is kept a whole number of
   * blocks long. A file larger than the file size keeps its size (files
   * must be full before the next one starts).
   *
   * Invariant: the file is a whole number of blocks long after every step,
   * so a crash or a failure between steps never leaves a partial block, which
   * a reader drops whole with the records before `at.offset` in it. So the
   * rest of `at.offset`'s block is overwritten with zeros (not cut), the
   * file is cut at a block boundary, and only then extended.
   *
   * `restIsZeros`: the caller has checked that every byte of the file past
   * `at.offset` is zero (replay's look past the end found nothing). Then a
   * file of exactly its capacity is left as it is: nothing to write, cut or
   * sync, so reopening a clean log costs no disk write.
   */
  static async open(
    dir: WalDirectory,
    at: WritePosition,
    restIsZeros = false,
  ): Promise<RollingWriter> {
    if (!dir.fileNumbers().includes(at.fileNumber)) {
      // Its directory entry is synced with the first fsync of its data (nothing is durable before).
      const file = await dir.createFile(at.fileNumber, false);
      const writer = new RollingWriter(dir, file, dir.fileSize, 0);
      writer.#directoryUnsynced = true;
      return writer;
    }
    const file = await dir.openFile(at.fileNumber, "readwrite");
    try {
      const size = await file.size();
      const capacity = Math.max(dir.fileSize, size - (size % BLOCK_SIZE));
      if (size !== capacity || (size > at.offset && !restIsZeros)) {
        const blockEnd = Math.ceil(at.offset / BLOCK_SIZE) * BLOCK_SIZE;
        const zeroUpTo = Math.min(blockEnd, size);
        if (zeroUpTo > at.offset) await file.write(new Uint8Array(zeroUpTo - at.offset), at.offset);
        if (size > blockEnd) await file.truncate(blockEnd);
        await file.truncate(capacity);
        await file.datasync();
      }
      dir.setSize(at.fileNumber, capacity);
      return new RollingWriter(dir, file, capacity, at.offset);
    } catch (err) {
      await file.close().catch(() => {});
      throw err;
    }
  }

  /** The staging buffer (the frame writer writes into it at indices from `reserve`). */
  get buffer(): Uint8Array {
    return this.#staging.bytes;
  }

  /** The file number the next staged byte goes to, unless that file is full. */
  get fileNumber(): number {
    return this.#fileNumber;
  }

  /** Bytes the current file can still take (0 when it is full: the next byte rolls). */
  get spaceInFile(): number {
    return this.#capacity - this.#offset;
  }

  /** Bytes staged and not yet handed to the OS by a flush. */
  get stagedBytes(): number {
    return this.#staging.length;
  }

  spaceInBlock(): number {
    return BLOCK_SIZE - (this.#offset % BLOCK_SIZE);
  }

  /**
   * Makes the staging buffer hold `n` more bytes without growing (the record
   * writer calls it with the bound of a whole append, so an append grows the
   * buffer at most once, to the size it needs, never frame by frame).
   */
  ensureRoom(n: number): void {
    const staging = this.#staging;
    const need = staging.length + n;
    if (need <= staging.bytes.length) return;
    const grown = new Uint8Array(Math.max(need, staging.bytes.length * 2));
    grown.set(staging.bytes.subarray(0, staging.length));
    staging.bytes = grown;
  }

  /**
   * Where the staged byte at index `index` of {@link buffer} goes: writes its
   * file number to `files[at]` and its offset in that file to `offsets[at]`.
   * Valid for bytes staged since the last flush began.
   */
  locate(index: number, files: Float64Array, offsets: Float64Array, at: number): void {
    const staging = this.#staging;
    let i = staging.segments - 1;
    while (i > 0 && staging.start[i] > index) i--;
    files[at] = staging.file[i];
    offsets[at] = staging.offset[i] + (index - staging.start[i]);
  }

  reserve(n: number): number {
    const staging = this.#staging;
    if (staging.segments === 0) staging.open(this.#fileNumber, this.#offset);
    if (this.#offset + n > this.#capacity) {
      // The file is full (files are whole blocks and n fits the block): roll.
      this.#fileNumber++;
      this.#offset = 0;
      this.#capacity = this.#dir.fileSize;
      staging.open(this.#fileNumber, 0);
    }
    const at = staging.length;
    if (at + n > staging.bytes.length) this.ensureRoom(n);
    staging.length = at + n;
    this.#offset += n;
    return at;
  }

  /**
   * Hands every byte staged so far to the OS (creating rolled-to files on the
   * way). Bytes staged while it runs wait for the next flush. Calls must not
   * overlap.
   */
  async flush(): Promise<void> {
    if (this.#staging.segments === 0) return;
    const staging = this.#take();
    for (let i = 0; i < staging.segments; i++) {
      const start = staging.start[i];
      const end = staging.end(i);
      if (staging.file[i] !== this.#file.number) await this.#rollTo(staging.file[i]);
      if (end > start) {
        const offset = staging.offset[i];
        await this.#file.write(staging.bytes.subarray(start, end), offset);
        this.#wrote(offset + end - start);
      }
    }
    staging.clear();
  }

  /**
   * Hands every staged byte to the OS synchronously, when that needs no new
   * file and the port writes synchronously. Returns false (having done
   * nothing) otherwise; then use `flush()`.
   */
  flushSync(): boolean {
    const staging = this.#staging;
    const segments = staging.segments;
    if (segments === 0) return true;
    if (!this.#file.canWriteSync) return false;
    for (let i = 0; i < segments; i++) if (staging.file[i] !== this.#file.number) return false;
    this.#take();
    for (let i = 0; i < segments; i++) {
      const start = staging.start[i];
      const end = staging.end(i);
      if (end > start) this.#writeSync(staging.bytes.subarray(start, end), staging.offset[i]);
    }
    staging.clear();
    return true;
  }

  /**
   * Flushes, then makes the written data durable (fdatasync), and the
   * current file's directory entry if it was created without (both at once).
   */
  async sync(): Promise<void> {
    await this.flush();
    const data = this.#unsynced;
    const entry = this.#directoryUnsynced;
    if (!data && !entry) return;
    this.#unsynced = false;
    this.#directoryUnsynced = false;
    try {
      await Promise.all([
        data ? this.#file.datasync() : undefined,
        entry ? this.#dir.sync() : undefined,
      ]);
    } catch (err) {
      this.#unsynced ||= data;
      this.#directoryUnsynced ||= entry;
      throw err;
    }
  }

  /** Offset in the current file where the next byte goes. */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Ends the current file where writing stands (a block boundary): flushes,
   * fsyncs, and cuts the file there, so that readers go on to the next file
   * number. Nothing may be staged after this until {@link adopt}.
   */
  async endFile(): Promise<void> {
    await this.sync();
    const end = this.#offset;
    this.#map = undefined;
    await this.#file.truncate(end);
    await this.#file.datasync();
    this.#dir.setSize(this.#file.number, end);
    this.#capacity = end;
    this.#fileCapacity = end;
  }

  /** Continues writing in existing wal file `number` (of the file size), at `offset`. */
  async adopt(number: number, offset: number): Promise<void> {
    if (this.#staging.length > 0) throw new Error("adopt() with bytes staged");
    this.#map = undefined;
    // Opened before the current file is closed: when the open fails, `#file` stays open and valid.
    const next = await this.#dir.openFile(number, "readwrite");
    const previous = this.#file;
    this.#file = next;
    this.#fileNumber = number;
    this.#offset = offset;
    this.#capacity = this.#dir.fileSize;
    this.#fileCapacity = this.#dir.fileSize;
    this.#filled = offset;
    this.#unsynced = false;
    this.#map = mapping(this.#file, this.#fileCapacity);
    await previous.close();
  }

  /** Flushes, syncs and closes the current file; the staging buffers go to the next writer. */
  async close(): Promise<void> {
    try {
      await this.sync();
    } finally {
      this.#map = undefined;
      await this.#file.close();
    }
    // Every write has completed: nothing holds a view of the staging buffers any more.
    for (const staging of [this.#staging, this.#spare]) {
      giveBuffer(staging.bytes);
      staging.bytes = EMPTY;
    }
  }

  /** Closes the current file without writing what is staged (after a failure). */
  async abandon(): Promise<void> {
    this.#staging.clear();
    this.#map = undefined;
    await this.#file.close();
  }

  /** Writes through the mapping when there is one (filling ahead with zeros first), else with a system call. */
  #writeSync(bytes: Uint8Array, offset: number): void {
    const end = offset + bytes.length;
    const map = this.#map;
    this.#unsynced = true;
    // Large writes: one system call copies as fast as the mapping, without filling ahead with zeros first.
    if (map === undefined || bytes.length >= MAP_MAX_WRITE) {
      this.#file.writeSync(bytes, offset);
      this.#wrote(end);
      return;
    }
    while (this.#filled < end) {
      const n = Math.min(MAP_FILL_BYTES, this.#fileCapacity - this.#filled);
      this.#file.writeSync(n === MAP_FILL_BYTES ? ZEROS : ZEROS.subarray(0, n), this.#filled);
      this.#filled += n;
    }
    map.set(bytes, offset);
  }

  /** Takes the staged bytes for writing; new bytes are staged in the other buffer meanwhile. */
  #take(): Staging {
    const staging = this.#staging;
    this.#staging = this.#spare;
    this.#spare = staging;
    return staging;
  }

  /** Notes bytes written by a system call up to `end` of the current file. */
  #wrote(end: number): void {
    this.#unsynced = true;
    if (end > this.#filled) this.#filled = end;
  }

  /**
   * The full file is made durable before the next one exists (docs/FORMAT.md,
   * "Writing and rolling"). The full file is closed only once the next one is
   * in its place: when a step fails, `#file` is still the full file, open,
   * and `close`/`abandon` close it (once).
   */
  async #rollTo(number: number): Promise<void> {
    if (this.#unsynced) await this.#file.datasync();
    this.#unsynced = false;
    this.#map = undefined;
    const next = await this.#dir.createFile(number); // its directory sync covers the full file's entry too
    const full = this.#file;
    this.#file = next;
    this.#directoryUnsynced = false;
    this.#fileCapacity = this.#dir.fileSize;
    this.#filled = 0;
    this.#map = mapping(next, this.#fileCapacity);
    await full.close();
  }
}

/** The file's shared mapping, if the port offers one covering the whole capacity. */
function mapping(file: WalFile, capacity: number): Uint8Array | undefined {
  if (!file.canWriteSync) return undefined;
  const map = file.map();
  return map !== undefined && map.length >= capacity ? map : undefined;
}
