/**
 * `mrl dump`: every queue as one JSON document, streamed. The document is
 * the one `JSON.stringify({ queues }, null, 1)` gives (queue names sorted,
 * each with `last_position` and its records as `[position, base64]`), but
 * never held in memory, nor are the records.
 *
 * Queues come out one after the other and records are interleaved in the
 * log, so after a first pass (positions only, see `scan/queue_states.ts`)
 * the queues are read in batches: each batch is one pass over the wal files
 * from the first one holding a record of its queues; the first queue of the
 * batch is written as its records arrive, the next ones (as many as fit in
 * {@link DUMP_BUFFER_BYTES} of payload) are kept until it is done.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { PositionOutOfRangeError } from "../errors.ts";
import { walFileName } from "../files/file_name.ts";
import { liveRecords } from "../scan/live.ts";
import { QueueStates } from "../scan/queue_states.ts";
import type { ScanSession } from "../scan/session.ts";
import type { CliIo } from "./io.ts";

/** Payload bytes a dump keeps for the queues after the one it writes: 64 MiB. */
export const DUMP_BUFFER_BYTES = 64 * 1024 * 1024;
/** Text gathered before a write: 1 MiB. */
const WRITE_CHUNK = 1 << 20;

/** Writes text in chunks of about a mebibyte, waiting when stdout says so. */
export class ChunkedOut {
  readonly #io: CliIo;
  #parts: string[] = [];
  #length = 0;

  constructor(io: CliIo) {
    this.#io = io;
  }

  /** Adds `text`; resolves once it may be followed by more. */
  async write(text: string): Promise<void> {
    this.#parts.push(text);
    this.#length += text.length;
    if (this.#length >= WRITE_CHUNK) await this.flush();
  }

  /** Writes what is gathered. */
  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const text = this.#parts.join("");
    this.#parts = [];
    this.#length = 0;
    await this.#io.out(text);
  }
}

/** The records kept for one queue of a batch. */
interface Kept {
  positions: number[];
  payloads: Uint8Array[];
}

function base64(payload: Uint8Array): string {
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("base64");
}

/** Writes the dump of the scanned log (after `session.firstPass()`). */
export async function writeDump(session: ScanSession, io: CliIo): Promise<void> {
  const states = session.states;
  const names = [...states.queues.keys(), ...states.outOfRange.keys()].sort();
  for (const name of names) {
    const out = states.outOfRange.get(name);
    if (out !== undefined) {
      throw new PositionOutOfRangeError(name, out.position, walFileName(out.file));
    }
  }
  const out = new ChunkedOut(io);
  if (names.length === 0) {
    await out.write('{\n "queues": {}\n}\n');
    return await out.flush();
  }
  await out.write('{\n "queues": {');
  let first = true;
  for (let i = 0; i < names.length;) {
    // A batch: names[i], written as read, then the next ones that fit in the buffer.
    let batchEnd = i + 1;
    let kept = 0;
    while (batchEnd < names.length) {
      const bytes = QueueStates.bytesAtMost(states.queues.get(names[batchEnd])!);
      if (kept + bytes > DUMP_BUFFER_BYTES) break;
      kept += bytes;
      batchEnd++;
    }
    const batch = names.slice(i, batchEnd);
    const keptBy = new Map<string, Kept>(
      batch.slice(1).map((name) => [name, { positions: [], payloads: [] }]),
    );
    const head = batch[0];
    let records = 0;
    await out.write(queueStart(head, states, first));
    first = false;
    for await (const r of liveRecords(session, (q) => q === head || keptBy.has(q))) {
      if (r.queue === head) {
        await out.write(record(r.position, r.payload, records++ === 0));
      } else {
        const k = keptBy.get(r.queue)!;
        k.positions.push(r.position);
        k.payloads.push(r.payload.slice());
      }
    }
    await out.write(queueEnd(records));
    for (const name of batch.slice(1)) {
      const k = keptBy.get(name)!;
      await out.write(queueStart(name, states, false));
      for (let j = 0; j < k.positions.length; j++) {
        await out.write(record(k.positions[j], k.payloads[j], j === 0));
      }
      await out.write(queueEnd(k.positions.length));
      keptBy.delete(name);
    }
    i = batchEnd;
  }
  await out.write("\n }\n}\n");
  await out.flush();
}

function queueStart(name: string, states: QueueStates, first: boolean): string {
  const next = states.queues.get(name)!.next;
  const last = next === 0 ? "null" : String(next - 1);
  return `${first ? "" : ","}\n  ${JSON.stringify(name)}: {\n   "last_position": ${last},\n` +
    `   "records": `;
}

function record(position: number, payload: Uint8Array, first: boolean): string {
  return `${first ? "[" : ","}\n    [\n     ${position},\n     "${base64(payload)}"\n    ]`;
}

function queueEnd(records: number): string {
  return records === 0 ? "[]\n  }" : "\n   ]\n  }";
}
