/**
 * Compaction planning and the compacted file's content. A quiet queue that
 * is never truncated pins every wal file from the one holding its oldest
 * record on, however little it retains. Compaction rewrites the retained
 * records of such queues at the head of the log — for each queue a
 * RecordPosition at its first retained position, then its records with
 * their original positions (replay resets the queue on the RecordPosition,
 * so the new copy supersedes the old one) — after which the files nothing
 * pins any more can be deleted. Maintenance (maintenance.ts) makes it crash-atomic by
 * building the file under a temporary name and renaming it into place.
 *
 * @module
 */
import { FrameBuffer } from "../format/frame_buffer.ts";
import { ITEM_HEADER_SIZE, RECORD_HEADER_SIZE, RECORD_POSITION } from "../format/constants.ts";
import type { Crc32 } from "../format/crc.ts";
import { framedSizeBound, FrameWriter } from "../format/frame_writer.ts";
import { writeAppendRuns, writeControlRecord } from "../format/record.ts";
import type { MemQueue } from "../memory/queue.ts";
import type { PayloadLocations } from "../memory/payload_store.ts";

/** Payload bytes per AppendRecords record in a compacted file. */
const RECORD_PAYLOAD_BYTES = 1024 * 1024;

/** A queue that may be rewritten. */
export interface Candidate {
  name: string;
  nameBytes: Uint8Array;
  queue: MemQueue;
}

/** What a compaction rewrites and what it frees. */
export interface CompactionPlan {
  /** The queues to rewrite, oldest first. */
  queues: Candidate[];
  /** Upper bound of the compacted file's bytes. */
  walBytes: number;
  /** The oldest file still needed afterwards (files before it can go). */
  newLimit: number;
}

/** Upper bound of the wal bytes that rewriting `c` takes. */
export function rewriteBytes(c: Candidate): number {
  const q = c.queue;
  const header = RECORD_HEADER_SIZE + c.nameBytes.length;
  const records = 1 + q.size + Math.ceil(q.payloadBytes / RECORD_PAYLOAD_BYTES); // worst case: a record per run
  const body = q.payloadBytes + q.size * ITEM_HEADER_SIZE + records * header;
  return framedSizeBound(body, records);
}

/**
 * Chooses the queues to rewrite: among those holding records in files older
 * than `current` (the file being written; records only there are fresh and
 * stay), the ones whose oldest record is in the oldest files, as many as
 * free the most files within `maxBytes` of rewrite and costing at most
 * `maxRatio` times the bytes of the files they free. `firstFile` is the
 * oldest file now; files from `pinnedFrom` on are kept whatever the plan
 * (queues replay could not load keep them). Undefined when no file would be
 * freed.
 */
export function planCompaction(
  candidates: Candidate[],
  firstFile: number,
  current: number,
  fileSize: number,
  maxBytes: number,
  maxRatio: number,
  pinnedFrom?: number,
): CompactionPlan | undefined {
  const live = candidates.filter((c) => c.queue.size > 0 && c.queue.firstFile()! < current)
    .sort((a, b) => a.queue.firstFile()! - b.queue.firstFile()! || (a.name < b.name ? -1 : 1));
  const others = candidates.filter((c) => c.queue.size > 0 && c.queue.firstFile()! >= current);
  const floor = others.reduce(
    (min, c) => Math.min(min, c.queue.firstFile()!),
    Math.min(current, pinnedFrom ?? current),
  );
  let best: CompactionPlan | undefined;
  let bytes = 0;
  for (let k = 0; k < live.length; k++) {
    bytes += rewriteBytes(live[k]);
    if (bytes > maxBytes) break;
    const newLimit = Math.min(
      k + 1 < live.length ? live[k + 1].queue.firstFile()! : current,
      floor,
    );
    const freed = newLimit - firstFile;
    if (freed <= 0 || bytes > maxRatio * freed * fileSize) continue;
    if (best === undefined || newLimit > best.newLimit) {
      best = { queues: live.slice(0, k + 1), walBytes: bytes, newLimit };
    }
  }
  return best;
}

/**
 * The compacted file's bytes (from offset 0 of a fresh file) and what they
 * hold. With `located` (disk mode), also where each queue's payloads lie in
 * that file, in `plan.queues`' order: `offsets[i]` for the queue's i-th
 * retained record (-1 when empty), in wal file `target`.
 */
export function buildCompactedFile(
  plan: CompactionPlan,
  crc: Crc32,
  located?: { target: number },
): { bytes: Uint8Array; records: number; payloadBytes: number; where: PayloadLocations[] } {
  const sink = new FrameBuffer(Math.min(plan.walBytes + 64 * 1024, 64 * 1024 * 1024));
  const out = new FrameWriter(sink, crc);
  let records = 0;
  let payloadBytes = 0;
  const where: PayloadLocations[] = [];
  for (const { nameBytes, queue } of plan.queues) {
    const head = queue.headIndex;
    const offsets = located === undefined ? undefined : new Float64Array(queue.size);
    writeControlRecord(out, RECORD_POSITION, nameBytes, queue.firstPosition());
    writeAppendRuns(
      out,
      nameBytes,
      queue.size,
      (i) => queue.positionAt(head + i),
      (i) => queue.payloadAt(head + i),
      RECORD_PAYLOAD_BYTES,
      offsets, // the sink starts at offset 0 of the file: its indices are file offsets
    );
    if (offsets !== undefined) {
      const files = offsets.map((offset) => (offset < 0 ? -1 : located!.target));
      where.push({ files, offsets });
    }
    records += queue.size;
    payloadBytes += queue.payloadBytes;
  }
  return { bytes: sink.bytes(), records, payloadBytes, where };
}
