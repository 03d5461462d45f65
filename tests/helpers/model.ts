/**
 * A plain in-memory model of what a MultiRecordLog holds: the reference the
 * model-based and power-loss tests compare the real log with.
 */
import type { LogReader } from "../../mod.ts";

/** One queue in the model: next position and records (position -> payload). */
interface ModelQueue {
  next: number;
  records: [number, Uint8Array][];
}

/** An operation, as the tests generate them. */
export type Op =
  | { op: "create"; queue: string }
  | { op: "delete"; queue: string }
  | { op: "append"; queue: string; payloads: Uint8Array[]; position?: number }
  | { op: "truncate"; queue: string; position: number }
  | { op: "persist" }
  | { op: "compact" }
  | { op: "reopen" };

/** The model. `apply` returns what the real call should do: "ok", or the error class name. */
export class LogModel {
  readonly queues = new Map<string, ModelQueue>();

  clone(): LogModel {
    const copy = new LogModel();
    for (const [name, q] of this.queues) {
      copy.queues.set(name, { next: q.next, records: [...q.records] });
    }
    return copy;
  }

  apply(op: Op): "ok" | "QueueNotFoundError" | "QueueAlreadyExistsError" | "PositionInPastError" {
    switch (op.op) {
      case "create":
        if (this.queues.has(op.queue)) return "QueueAlreadyExistsError";
        this.queues.set(op.queue, { next: 0, records: [] });
        return "ok";
      case "delete":
        if (!this.queues.delete(op.queue)) return "QueueNotFoundError";
        return "ok";
      case "append": {
        const q = this.queues.get(op.queue);
        if (q === undefined) return "QueueNotFoundError";
        if (op.position !== undefined) {
          if (op.position + 1 === q.next) return "ok";
          if (op.position < q.next) return "PositionInPastError";
        }
        let position = op.position ?? q.next;
        for (const payload of op.payloads) q.records.push([position++, payload]);
        if (op.payloads.length > 0) q.next = position;
        return "ok";
      }
      case "truncate": {
        const q = this.queues.get(op.queue);
        if (q === undefined) return "QueueNotFoundError";
        const first = q.records.length > 0 ? q.records[0][0] : q.next;
        if (first > op.position) return "ok";
        q.records = q.records.filter(([p]) => p > op.position);
        if (op.position + 1 >= q.next) q.next = op.position + 1;
        return "ok";
      }
      default:
        return "ok";
    }
  }

  /** The model's contents, in the shape `snapshot(log)` gives. */
  snapshot(): Snapshot {
    const out: Snapshot = {};
    for (const name of [...this.queues.keys()].sort()) {
      const q = this.queues.get(name)!;
      out[name] = {
        last: q.next === 0 ? null : q.next - 1,
        records: q.records.map(([p, b]) => [p, hex(b)]),
      };
    }
    return out;
  }
}

/** Queue name -> last position and records (payload fingerprints), comparable with deepEqual. */
export type Snapshot = Record<string, { last: number | null; records: [number, string][] }>;

/** The real log's contents in the same shape. */
export function snapshot(log: LogReader): Snapshot {
  const out: Snapshot = {};
  for (const name of log.listQueues().sort()) {
    out[name] = {
      last: log.lastPosition(name) ?? null,
      records: [...log.range(name)].map((r) => [r.position, hex(r.payload)]),
    };
  }
  return out;
}

/** A payload's fingerprint: its length and FNV-1a hash (comparing whole payloads as text is slow). */
function hex(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return `${bytes.length}:${(h >>> 0).toString(16)}`;
}

/** A small seeded PRNG (mulberry32), so that failures reproduce from their seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
