/**
 * Appends frame bytes to the wal files. It is the {@link FrameSink} of the
 * frame writer: bytes are staged in one buffer and reach the files on
 * `flush()` (positioned writes, one per file touched). When a file is full
 * the next byte goes to the next file number: the full file is flushed and
 * fdatasynced, then the next file is created preallocated and the directory
 * synced. Rolling is lazy, as in the Rust crate: a file that is exactly full
 * stays the current file until the next byte is written.
 *
 * @module
 */
import { BLOCK_SIZE } from "../format/constants.ts";
import type { FrameSink } from "../format/frame_writer.ts";
import type { WalDirectory, WalFile } from "./directory.ts";

const INITIAL_BUFFER = 64 * 1024;
/** A staging buffer grown past this by a large append is dropped once flushed. */
const MAX_IDLE_BUFFER = 16 * 1024 * 1024;

/** Where writing resumes: a file number and a byte offset in it. */
export interface WritePosition {
  fileNumber: number;
  offset: number;
}

/** The staging buffer and the current wal file. */
export class RollingWriter implements FrameSink {
  readonly #dir: WalDirectory;
  /** The file being written and its capacity (the file size, or more for a larger existing file). */
  #file: WalFile;
  #capacity: number;
  /** Current file number and offset in it, staged bytes included. */
  #fileNumber: number;
  #offset: number;
  /** Staged bytes: `buffer[0, #staged)`; the first `#segmentStart.length` segments map them to files. */
  buffer: Uint8Array = new Uint8Array(INITIAL_BUFFER);
  #staged = 0;
  /** Staged segments: bytes `[start[i], start[i+1])` go to file `files[i]` at `offsets[i]`. */
  #segmentStart: number[] = [];
  #segmentFile: number[] = [];
  #segmentOffset: number[] = [];
  /** True when data was written to the current file since its last datasync. */
  #unsynced = false;

  private constructor(dir: WalDirectory, file: WalFile, capacity: number, offset: number) {
    this.#dir = dir;
    this.#file = file;
    this.#capacity = capacity;
    this.#fileNumber = file.number;
    this.#offset = offset;
  }

  /**
   * Opens the writer at `at`. The file is created if missing; an existing
   * file is cut at `at.offset` and extended back with zeros (what lies past
   * the resume point is unreachable for a reader, and stale frames there
   * must never become readable after new ones), and kept a whole number of
   * blocks long.
   */
  static async open(dir: WalDirectory, at: WritePosition): Promise<RollingWriter> {
    const exists = dir.fileNumbers().includes(at.fileNumber);
    if (!exists) {
      const file = await dir.createFile(at.fileNumber);
      return new RollingWriter(dir, file, dir.fileSize, 0);
    }
    const file = await dir.openFile(at.fileNumber, "readwrite");
    const size = await file.size();
    const capacity = Math.max(dir.fileSize, size - (size % BLOCK_SIZE));
    if (size !== capacity || size > at.offset) {
      if (size > at.offset) await file.truncate(at.offset);
      await file.truncate(capacity);
      await file.datasync();
    }
    return new RollingWriter(dir, file, capacity, at.offset);
  }

  /** The current file number (the file the next byte goes to, unless it is full). */
  get fileNumber(): number {
    return this.#fileNumber;
  }

  /** Bytes staged and not yet handed to the OS. */
  get stagedBytes(): number {
    return this.#staged;
  }

  /** Where the next byte goes. */
  get position(): WritePosition {
    return { fileNumber: this.#fileNumber, offset: this.#offset };
  }

  spaceInBlock(): number {
    return BLOCK_SIZE - (this.#offset % BLOCK_SIZE);
  }

  reserve(n: number): number {
    if (this.#segmentStart.length === 0) this.#newSegment(this.#fileNumber, this.#offset);
    if (this.#offset + n > this.#capacity) {
      // The file is full (files are whole blocks and n fits the block): roll.
      this.#fileNumber++;
      this.#offset = 0;
      this.#capacity = this.#dir.fileSize;
      this.#newSegment(this.#fileNumber, 0);
    }
    const at = this.#staged;
    const need = at + n;
    if (need > this.buffer.length) {
      const grown = new Uint8Array(Math.max(need, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
    }
    this.#staged = need;
    this.#offset += n;
    return at;
  }

  /** Hands every staged byte to the OS (creating rolled-to files on the way). */
  async flush(): Promise<void> {
    const segments = this.#segmentStart.length;
    if (segments === 0) return;
    for (let i = 0; i < segments; i++) {
      const start = this.#segmentStart[i];
      const end = i + 1 < segments ? this.#segmentStart[i + 1] : this.#staged;
      const number = this.#segmentFile[i];
      if (number !== this.#file.number) await this.#rollTo(number);
      if (end > start) {
        await this.#file.write(this.buffer.subarray(start, end), this.#segmentOffset[i]);
        this.#unsynced = true;
      }
    }
    this.#segmentStart.length = 0;
    this.#segmentFile.length = 0;
    this.#segmentOffset.length = 0;
    this.#staged = 0;
    if (this.buffer.length > MAX_IDLE_BUFFER) this.buffer = new Uint8Array(INITIAL_BUFFER);
  }

  /** Flushes, then makes the current file's data durable (fdatasync). */
  async sync(): Promise<void> {
    await this.flush();
    if (this.#unsynced) {
      await this.#file.datasync();
      this.#unsynced = false;
    }
  }

  /** Flushes, syncs and closes the current file. */
  async close(): Promise<void> {
    try {
      await this.sync();
    } finally {
      await this.#file.close();
    }
  }

  /** Closes the current file without writing what is staged (after a failure). */
  async abandon(): Promise<void> {
    this.#segmentStart.length = 0;
    this.#segmentFile.length = 0;
    this.#segmentOffset.length = 0;
    this.#staged = 0;
    await this.#file.close();
  }

  #newSegment(file: number, offset: number): void {
    this.#segmentStart.push(this.#staged);
    this.#segmentFile.push(file);
    this.#segmentOffset.push(offset);
  }

  /** The full file is made durable before the next one exists (FORMAT.md, "Directory and files"). */
  async #rollTo(number: number): Promise<void> {
    if (this.#unsynced) await this.#file.datasync();
    this.#unsynced = false;
    await this.#file.close();
    this.#file = await this.#dir.createFile(number);
  }
}
