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
  const first = session.first!;
  const files = liveFiles(session, select);
  if (files.length === 0) return;
  const start = files[0];
  if (!planned) session.plannedBytes += bytesOf(session, files);
  const pass = new FramePass(session.dir, session.crc, files, {
    stopAt: first.end,
    firstSeq: first.fileStartSeq.get(start) ?? 0,
    report: false,
  });
  const states = session.states;
  try {
    for (;;) {
      const step = pass.next();
      if (step === NEED_INPUT) {
        await pass.fill();
        continue;
      }
      if (step === DONE) break;
      const r = pass.decoded;
      const queue = pass.queue;
      if (r.kind !== RECORD_APPEND || !select(queue) || !states.queues.has(queue)) continue;
      const record = pass.record;
      const file = pass.recordFileName;
      const offset = pass.recordOffset;
      const seq = pass.seq;
      let at = r.bodyStart;
      for (let i = 0; i < r.itemCount; i++) {
        const position = readU64(record, at);
        const len = readU32(record, at + 8);
        const begin = at + ITEM_HEADER_SIZE;
        at = begin + len;
        if (!states.survives(queue, seq + i, position)) continue;
        yield {
          kind: "record",
          queue,
          position,
          payload: record.subarray(begin, begin + len),
          file,
          offset,
        };
      }
    }
  } finally {
    await pass.close();
  }
}
