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
import { PositionOutOfRangeError } from "../errors.ts";
import { walFileName } from "../wal/file_name.ts";
import { liveBytes, liveRecords } from "../scan/live.ts";
import { QueueStates } from "../scan/queue_states.ts";
import type { ScanSession } from "../scan/session.ts";
import type { CliIo } from "./io.ts";

/** Payload bytes a dump keeps for the queues after the one it writes: 32 MiB. */
const DUMP_BUFFER_BYTES = 32 * 1024 * 1024;
/** Text gathered before a write: 1 MiB. */
const WRITE_CHUNK = 1 << 20;

const BASE64 = new TextEncoder().encode(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
);

/**
 * Writes output in chunks of about a mebibyte, gathered in one reused byte
 * buffer (payloads are base64-encoded straight into it: no string per
 * record), waiting when stdout says so.
 */
export class ChunkedOut {
  readonly #io: CliIo;
  readonly #encoder = new TextEncoder();
  #buffer = new Uint8Array(WRITE_CHUNK + 4096);
  #length = 0;

  constructor(io: CliIo) {
    this.#io = io;
  }

  /** Adds `text`; resolves once it may be followed by more. */
  async write(text: string): Promise<void> {
    this.#room(text.length * 3);
    this.#length += this.#encoder.encodeInto(text, this.#buffer.subarray(this.#length)).written;
    if (this.#length >= WRITE_CHUNK) await this.flush();
  }

  /** Adds `bytes` in base64; resolves once it may be followed by more. */
  async writeBase64(bytes: Uint8Array): Promise<void> {
    this.#room(Math.ceil(bytes.length / 3) * 4);
    const out = this.#buffer;
    let o = this.#length;
    const n = bytes.length;
    let i = 0;
    for (; i + 2 < n; i += 3) {
      const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      out[o++] = BASE64[v >> 18];
      out[o++] = BASE64[(v >> 12) & 63];
      out[o++] = BASE64[(v >> 6) & 63];
      out[o++] = BASE64[v & 63];
    }
    if (i < n) {
      const v = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0);
      out[o++] = BASE64[v >> 18];
      out[o++] = BASE64[(v >> 12) & 63];
      out[o++] = i + 1 < n ? BASE64[(v >> 6) & 63] : 61;
      out[o++] = 61;
    }
    this.#length = o;
    if (this.#length >= WRITE_CHUNK) await this.flush();
  }

  /** Writes what is gathered. */
  async flush(): Promise<void> {
    if (this.#length === 0) return;
    const bytes = this.#buffer.subarray(0, this.#length);
    this.#length = 0;
    await this.#io.out(bytes);
  }

  #room(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const grown = new Uint8Array(this.#length + bytes + WRITE_CHUNK);
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}

/** The records kept for one queue of a batch: payloads at `starts` in the shared arena. */
interface Kept {
  positions: number[];
  starts: number[];
  ends: number[];
}

/** The payloads kept for a batch, copied one after the other (allocated once, grown rarely). */
let arena = new Uint8Array(0);

/**
 * Writes the dump of the scanned log (after `session.firstPass()`), keeping
 * at most about `bufferBytes` of payload for the queues of a batch after
 * the first.
 */
export async function writeDump(
  session: ScanSession,
  io: CliIo,
  bufferBytes = DUMP_BUFFER_BYTES,
): Promise<void> {
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
  // Batches: a queue written as read, then the next ones that fit in the buffer.
  const batches: { names: string[]; kept: number }[] = [];
  for (let i = 0; i < names.length;) {
    let end = i + 1;
    let kept = 0;
    while (end < names.length) {
      const bytes = QueueStates.bytesAtMost(states.queues.get(names[end])!);
      if (kept + bytes > bufferBytes) break;
      kept += bytes;
      end++;
    }
    batches.push({ names: names.slice(i, end), kept });
    i = end;
  }
  for (const { names } of batches) {
    const members = new Set(names);
    session.plannedBytes += liveBytes(session, (q) => members.has(q));
  }
  let first = true;
  for (const { names: batch, kept } of batches) {
    const keptBy = new Map<string, Kept>(
      batch.slice(1).map((name) => [name, { positions: [], starts: [], ends: [] }]),
    );
    if (arena.length < kept) arena = new Uint8Array(kept);
    let used = 0;
    const head = batch[0];
    let records = 0;
    await out.write(queueStart(head, states, first));
    first = false;
    for await (const r of liveRecords(session, (q) => q === head || keptBy.has(q), true)) {
      if (r.queue === head) {
        await writeRecord(out, r.position, r.payload, records++ === 0);
      } else {
        const k = keptBy.get(r.queue)!;
        k.positions.push(r.position);
        k.starts.push(used);
        arena.set(r.payload, used);
        used += r.payload.length;
        k.ends.push(used);
      }
    }
    await out.write(queueEnd(records));
    for (const name of batch.slice(1)) {
      const k = keptBy.get(name)!;
      await out.write(queueStart(name, states, false));
      for (let j = 0; j < k.positions.length; j++) {
        const payload = arena.subarray(k.starts[j], k.ends[j]);
        await writeRecord(out, k.positions[j], payload, j === 0);
      }
      await out.write(queueEnd(k.positions.length));
      keptBy.delete(name);
    }
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

async function writeRecord(
  out: ChunkedOut,
  position: number,
  payload: Uint8Array,
  first: boolean,
): Promise<void> {
  await out.write(`${first ? "[" : ","}\n    [\n     ${position},\n     "`);
  await out.writeBase64(payload);
  await out.write(`"\n    ]`);
}

function queueEnd(records: number): string {
  return records === 0 ? "[]\n  }" : "\n   ]\n  }";
}
