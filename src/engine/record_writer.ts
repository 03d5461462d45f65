/**
 * The record writer: the log's records (the codec of `format/record.ts`)
 * framed by the frame writer into the rolling wal files, as the Rust crate's
 * `recordlog` does. It knows where writing stands (file number, offset, room
 * left), bounds the bytes a record will take, refuses appends over the
 * disk limit, and ends a file at a block boundary. Below it the bytes are only staged: the commit pipeline makes
 * them durable through this writer (it is the pipeline's PersistTarget).
 *
 * @module
 */
import { ResourceExhaustedError } from "../errors.ts";
import type { WalDirectory } from "../wal/directory.ts";
import { RollingWriter, type WritePosition } from "../wal/rolling_writer.ts";
import type { PersistTarget } from "./pipeline.ts";
import {
  BLOCK_SIZE,
  type RECORD_DELETE_QUEUE,
  type RECORD_POSITION,
  type RECORD_TRUNCATE,
} from "../format/constants.ts";
import type { Crc32 } from "../format/crc.ts";
import { framedSizeBound, FrameWriter } from "../format/frame_writer.ts";
import {
  appendRecordSize,
  minPaddingBytes,
  writeAppendRecord,
  writeControlRecord,
  writePaddingRecord,
} from "../format/record.ts";

/** The queue name of padding records (a DeleteQueue for a queue that does not exist). */
const PADDING_QUEUE = "\u0000mrl:padding";

/** A record kind without a body. */
export type ControlKind =
  | typeof RECORD_TRUNCATE
  | typeof RECORD_POSITION
  | typeof RECORD_DELETE_QUEUE;

/** Writes records at the head of the log. */
export class RecordWriter implements PersistTarget {
  readonly #dir: WalDirectory;
  readonly #files: RollingWriter;
  readonly #frames: FrameWriter;
  readonly #encoder = new TextEncoder();
  readonly #maxDiskBytes: number | undefined;

  private constructor(
    dir: WalDirectory,
    files: RollingWriter,
    crc: Crc32,
    maxDiskBytes: number | undefined,
  ) {
    this.#dir = dir;
    this.#files = files;
    this.#frames = new FrameWriter(files, crc);
    this.#maxDiskBytes = maxDiskBytes;
  }

  /**
   * Opens the writer where replay ended (see {@link RollingWriter.open}, and
   * its `restIsZeros`); `maxDiskBytes`: the disk limit appends are checked
   * against, if any.
   */
  static async open(
    dir: WalDirectory,
    at: WritePosition,
    crc: Crc32,
    maxDiskBytes?: number,
    restIsZeros = false,
  ): Promise<RecordWriter> {
    const files = await RollingWriter.open(dir, at, restIsZeros);
    return new RecordWriter(dir, files, crc, maxDiskBytes);
  }

  /** Bytes per wal file. */
  get fileSize(): number {
    return this.#dir.fileSize;
  }

  /** Wal files on disk or being written (a file rolled to but not yet created included). */
  #filesInUse(): number {
    const first = this.#dir.firstFile ?? this.fileNumber;
    return Math.max(this.#dir.fileCount, this.fileNumber - first + 1);
  }

  /**
   * Refuses an append to `queue` (`queueBytes`: its name's UTF-8 length) of
   * `count` payloads (`payloadBytes` in all) that would need wal files
   * beyond the disk limit: each file counts at the file size.
   */
  checkDiskRoom(queue: string, queueBytes: number, count: number, payloadBytes: number): void {
    const maxDiskBytes = this.#maxDiskBytes;
    if (maxDiskBytes === undefined) return;
    const fileSize = this.#dir.fileSize;
    const bound = this.appendBound(queueBytes, count, payloadBytes);
    const newFiles = Math.max(0, Math.ceil((bound - this.#files.spaceInFile) / fileSize));
    if (newFiles === 0) return;
    const usage = this.#filesInUse() * fileSize;
    if (usage + newFiles * fileSize > maxDiskBytes) {
      throw new ResourceExhaustedError(queue, "disk", usage, newFiles * fileSize, maxDiskBytes);
    }
  }

  /** Bytes staged and not yet handed to the OS (the commit pipeline's {@link PersistTarget}). */
  get stagedBytes(): number {
    return this.#files.stagedBytes;
  }

  /** Hands every staged byte to the OS now if that needs no waiting; false (nothing done) otherwise. */
  flushSync(): boolean {
    return this.#files.flushSync();
  }

  /** Hands every staged byte to the OS. */
  flush(): Promise<void> {
    return this.#files.flush();
  }

  /** The file number the next record goes to (unless that file is full). */
  get fileNumber(): number {
    return this.#files.fileNumber;
  }

  /** Offset in the current file where the next byte goes. */
  get offset(): number {
    return this.#files.offset;
  }

  /**
   * Writes an AppendRecords record: `payloads` (`payloadBytes` in all) at
   * positions `first`, `first + 1`, ... Returns the bytes it took in the log.
   * With `located` (for disk mode), notes where each payload lies in the wal:
   * payload i's first byte goes to offset `located.offsets[i]` of wal file
   * `located.files[i]` (both -1 for an empty payload); the arrays must hold
   * `payloads.length` entries.
   */
  writeAppend(
    queue: Uint8Array,
    first: number,
    payloads: readonly Uint8Array[],
    payloadBytes: number,
    located?: { files: Float64Array; offsets: Float64Array },
  ): number {
    this.#files.ensureRoom(this.appendBound(queue.length, payloads.length, payloadBytes));
    const offsets = located?.offsets;
    const written = writeAppendRecord(this.#frames, queue, first, payloads, payloadBytes, offsets);
    if (located !== undefined) {
      for (let i = 0; i < payloads.length; i++) {
        if (located.offsets[i] < 0) located.files[i] = -1;
        else this.#files.locate(located.offsets[i], located.files, located.offsets, i);
      }
    }
    return written;
  }

  /** Writes a Truncate, RecordPosition or DeleteQueue record. Returns the bytes it took. */
  writeControl(kind: ControlKind, queue: Uint8Array, position: number): number {
    return writeControlRecord(this.#frames, kind, queue, position);
  }

  /** An upper bound of the bytes an append of `count` payloads (`payloadBytes` in all) takes. */
  appendBound(queueBytes: number, count: number, payloadBytes: number): number {
    return framedSizeBound(appendRecordSize(queueBytes, count, payloadBytes));
  }

  /**
   * Fills the rest of the current block so that the file can end at the
   * block boundary: with zeros when fewer than 7 bytes are left (readers skip
   * those), otherwise with a record replay ignores, for a queue name
   * `inUse` says no queue has (nor one replay refused: a DeleteQueue for it
   * would drop it for the Rust crate).
   */
  padToBlockEnd(inUse: (name: string) => boolean): void {
    const left = this.#files.spaceInBlock();
    if (left === BLOCK_SIZE || this.#frames.padBlockTail() > 0) return;
    let name = PADDING_QUEUE;
    while (inUse(name)) name += "~";
    const nameBytes = this.#encoder.encode(name);
    const bytes = left >= minPaddingBytes(nameBytes.length) ? left : left + BLOCK_SIZE;
    writePaddingRecord(this.#frames, nameBytes, bytes);
  }

  /** Ends the current file where writing stands (see {@link RollingWriter.endFile}). */
  endFile(): Promise<void> {
    return this.#files.endFile();
  }

  /** Continues writing in existing wal file `number`, at `offset` (after a compaction). */
  adopt(number: number, offset: number): Promise<void> {
    return this.#files.adopt(number, offset);
  }

  /** Flushes and fdatasyncs everything written so far. */
  sync(): Promise<void> {
    return this.#files.sync();
  }

  /** Flushes, syncs and closes the current file. */
  close(): Promise<void> {
    return this.#files.close();
  }

  /** Closes the current file without writing what is staged (after a failure). */
  abandon(): Promise<void> {
    return this.#files.abandon();
  }
}
