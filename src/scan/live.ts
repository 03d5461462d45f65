/**
 * The second pass of a live scan: the records still in the log at its end,
 * told apart with the positions-only {@link QueueStates} the first pass
 * built (see `queue_states.ts`), read from the first wal file holding one of
 * them up to where the first pass found the end.
 *
 * @module
 */
import { ITEM_HEADER_SIZE, RECORD_APPEND } from "../format/constants.ts";
import { readU32, readU64 } from "../format/record.ts";
import { DONE, FramePass, NEED_INPUT } from "./frame_pass.ts";
import { QueueStates } from "./queue_states.ts";
import type { ScanSession } from "./session.ts";
import type { ScanRecord } from "./types.ts";

/** The first wal file holding a surviving record of a queue `select` accepts, or undefined. */
function firstLiveFile(
  session: ScanSession,
  select: (queue: string) => boolean,
): number | undefined {
  let first: number | undefined;
  for (const [name, q] of session.states.queues) {
    if (!select(name)) continue;
    const file = QueueStates.firstFile(q);
    if (file !== undefined && (first === undefined || file < first)) first = file;
  }
  return first;
}

/** The wal files a second pass for the queues `select` accepts reads (none when they hold no record). */
function liveFiles(session: ScanSession, select: (queue: string) => boolean): number[] {
  const start = firstLiveFile(session, select);
  if (start === undefined) return [];
  return session.files.filter((n) => n >= start && n <= session.first!.end.fileNumber);
}

/** The bytes of wal files `files`. */
function bytesOf(session: ScanSession, files: readonly number[]): number {
  return files.reduce((sum, n) => sum + session.dir.sizeOf(n), 0);
}

/** The bytes {@link liveRecords} reads for the queues `select` accepts. */
export function liveBytes(session: ScanSession, select: (queue: string) => boolean): number {
  return bytesOf(session, liveFiles(session, select));
}

/** {@link LiveItems.next}: an item is ready (`queue`, `position`, `record[begin, end)`, ...). */
export const ITEM = 1;
export { DONE, NEED_INPUT };

/**
 * A second pass as a synchronous cursor over the surviving items of the
 * queues `select` accepts (after `session.firstPass()`), in log order:
 * {@link next} returns {@link ITEM}, {@link NEED_INPUT} (await
 * {@link fill}) or {@link DONE}. No allocation per item: the payload is
 * `record[begin, end)`, valid until the next call. Close it when done.
 */
export class LiveItems {
  readonly #pass: FramePass | undefined;
  readonly #states: QueueStates;
  readonly #select: (queue: string) => boolean;
  #left = 0;
  #at = 0;
  #seq = 0;
  /** The current item's queue and position. */
  queue = "";
  position = 0;
  /** The record holding it, and where its payload lies in it. */
  record: Uint8Array = new Uint8Array(0);
  begin = 0;
  end = 0;

  /** Starts the pass; the bytes it reads are added to the planned bytes, unless `planned`. */
  constructor(session: ScanSession, select: (queue: string) => boolean, planned = false) {
    this.#states = session.states;
    this.#select = select;
    const files = liveFiles(session, select);
    if (files.length === 0) return;
    if (!planned) session.plannedBytes += bytesOf(session, files);
    const first = session.first!;
    this.#pass = new FramePass(session.dir, session.crc, files, {
      stopAt: first.end,
      firstSeq: first.startSeq(files[0]),
      report: false,
    });
  }

  /** The wal file number and offset of the current item's record. */
  get file(): number {
    return this.#pass!.recordFile;
  }

  /** The name of that wal file. */
  get fileName(): string {
    return this.#pass!.recordFileName;
  }

  /** Offset of that record's first frame in it. */
  get offset(): number {
    return this.#pass!.recordOffset;
  }

  /** Advances to the next surviving item. */
  next(): number {
    const pass = this.#pass;
    if (pass === undefined) return DONE;
    const states = this.#states;
    for (;;) {
      while (this.#left > 0) {
        this.#left--;
        const record = pass.record;
        const at = this.#at;
        const position = readU64(record, at);
        const begin = at + ITEM_HEADER_SIZE;
        this.#at = begin + readU32(record, at + 8);
        const seq = this.#seq++;
        if (!states.survives(pass.queue, seq, position)) continue;
        this.queue = pass.queue;
        this.position = position;
        this.record = record;
        this.begin = begin;
        this.end = this.#at;
        return ITEM;
      }
      const step = pass.next();
      if (step === NEED_INPUT || step === DONE) return step;
      const r = pass.decoded;
      const queue = pass.queue;
      if (r.kind !== RECORD_APPEND || !this.#select(queue) || !states.queues.has(queue)) continue;
      this.#left = r.itemCount;
      this.#at = r.bodyStart;
      this.#seq = pass.seq;
    }
  }

  /** Reads on (after {@link NEED_INPUT}). */
  fill(): Promise<void> {
    return this.#pass!.fill();
  }

  /** Closes the file being read. */
  async close(): Promise<void> {
    await this.#pass?.close();
  }
}

/**
 * Yields, in log order, the surviving records of the queues `select`
 * accepts (after `session.firstPass()`). The payload of each is a view
 * valid until the next one is asked for. The bytes it reads are added to
 * the session's planned bytes, unless `planned` says the caller did.
 */
export async function* liveRecords(
  session: ScanSession,
  select: (queue: string) => boolean,
  planned = false,
): AsyncGenerator<ScanRecord, void, undefined> {
  const items = new LiveItems(session, select, planned);
  try {
    for (;;) {
      const step = items.next();
      if (step === NEED_INPUT) {
        await items.fill();
        continue;
      }
      if (step === DONE) break;
      yield {
        kind: "record",
        queue: items.queue,
        position: items.position,
        payload: items.record.subarray(items.begin, items.end),
        file: items.fileName,
        offset: items.offset,
      };
    }
  } finally {
    await items.close();
  }
}
