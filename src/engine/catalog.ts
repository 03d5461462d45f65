/**
 * The queue catalog: which queues exist, as reads see them (committed) and
 * as new writes are checked against them (reserved: as they will be once
 * every staged write commits), their UTF-8 names, and the memory limit
 * with the memory reserved by appends not yet committed. (The disk limit is
 * the record writer's: it knows the wal files.)
 *
 * Writes are checked and given their positions when they are called and
 * committed later, in order; the reservation carries the next position in
 * between, so the in-memory queue knows nothing of that.
 *
 * @module
 */
import {
  PositionOutOfRangeError,
  QueueAlreadyExistsError,
  QueueNotFoundError,
  ResourceExhaustedError,
} from "../errors.ts";
import { walFileName } from "../wal/file_name.ts";
import { type MemQueue, METADATA_BYTES_PER_RECORD } from "../memory/queue.ts";
import type { MemQueues } from "../memory/queues.ts";
import { encodeQueueName } from "../validate.ts";

/** A queue as new writes see it. */
export interface Reservation {
  /** The queue the writes commit to. */
  readonly queue: MemQueue;
  /** Its name as written to the log. */
  readonly name: Uint8Array;
  /** Its next position once every staged write commits. */
  next: number;
}

/** The log's queues: names, reservations and the memory limit. */
export class QueueCatalog {
  /** Queues as committed: what reads see. */
  readonly committed: MemQueues;
  readonly #reserved = new Map<string, Reservation>();
  readonly #maxMemoryBytes: number | undefined;
  /** Memory reserved by appends not yet committed. */
  #stagedMemory = 0;

  /** `maxMemoryBytes`: the memory limit, if any. */
  constructor(queues: MemQueues, maxMemoryBytes?: number) {
    this.committed = queues;
    this.#maxMemoryBytes = maxMemoryBytes;
    const encoder = new TextEncoder();
    for (const [name, queue] of queues.entries()) {
      this.#reserved.set(name, { queue, name: encoder.encode(name), next: queue.nextPosition() });
    }
  }

  /**
   * Checks a queue name given by a user: refuses a queue replay could not
   * load and a name no queue can have. Returns its UTF-8 bytes.
   */
  checkName(queue: string): Uint8Array {
    const known = this.#reserved.get(queue); // never a queue replay could not load
    if (known !== undefined) return known.name;
    this.checkInRange(queue);
    return encodeQueueName(queue);
  }

  /** Refuses a queue replay could not load (see `#outOfRange` in replay/recovery.ts). */
  checkInRange(queue: string): void {
    const outOfRange = this.committed.outOfRange.get(queue);
    if (outOfRange !== undefined) {
      throw new PositionOutOfRangeError(queue, outOfRange.position, walFileName(outOfRange.file));
    }
  }

  /** The committed queue, for reads. */
  get(queue: string): MemQueue {
    const q = this.committed.get(queue);
    if (q !== undefined) return q;
    this.checkName(queue); // a name no queue can have is refused as such
    throw new QueueNotFoundError(queue);
  }

  /** The reservation of an existing queue, for a write. */
  reserved(queue: string): Reservation {
    const r = this.#reserved.get(queue);
    if (r === undefined) throw new QueueNotFoundError(queue);
    return r;
  }

  /** Reserves a new, empty queue (committed by {@link commitCreate}). */
  reserveCreate(queue: string, name: Uint8Array): MemQueue {
    if (this.#reserved.has(queue)) throw new QueueAlreadyExistsError(queue);
    const created = this.committed.newQueue(0);
    this.#reserved.set(queue, { queue: created, name, next: 0 });
    return created;
  }

  /** Makes a created queue visible to reads. */
  commitCreate(queue: string, created: MemQueue): void {
    this.committed.set(queue, created);
  }

  /** Reserves the deletion of an existing queue (committed by `committed.delete`); returns its reservation. */
  reserveDelete(queue: string): Reservation {
    const r = this.reserved(queue);
    this.#reserved.delete(queue);
    return r;
  }

  /** True when a name is a queue's, or one replay refused (padding records must not use it). */
  isTaken(name: string): boolean {
    return this.#reserved.has(name) || this.committed.outOfRange.has(name);
  }

  /** The UTF-8 name of a committed queue. */
  nameOf(queue: string): Uint8Array | undefined {
    return this.#reserved.get(queue)?.name;
  }

  /**
   * Refuses an append of `count` payloads (`bytes` in all) that would take
   * memory over the limit; returns the memory it reserves until it commits
   * (give it back with {@link release}).
   */
  reserveMemory(queue: string, count: number, bytes: number): number {
    const payloads = this.committed.onDisk ? 0 : bytes; // disk mode keeps only the index
    const memory = payloads + count * METADATA_BYTES_PER_RECORD;
    const maxMemoryBytes = this.#maxMemoryBytes;
    if (maxMemoryBytes !== undefined) {
      const usage = this.memoryUsed() + this.#stagedMemory;
      if (usage + memory > maxMemoryBytes) {
        throw new ResourceExhaustedError(queue, "memory", usage, memory, maxMemoryBytes);
      }
    }
    this.#stagedMemory += memory;
    return memory;
  }

  /** Gives back memory reserved by {@link reserveMemory} (the append committed). */
  release(memory: number): void {
    this.#stagedMemory -= memory;
  }

  /** After a failed write: forgets every staged payload and reservation not committed. */
  dropStaged(): void {
    for (const [, queue] of this.committed.entries()) queue.unstageAll();
    for (const r of this.#reserved.values()) r.next = r.queue.nextPosition();
    this.#stagedMemory = 0;
  }

  /** Memory the committed queues use: payloads, record metadata and names. */
  memoryUsed(): number {
    let used = 0;
    for (const [name, queue] of this.committed.entries()) {
      used += queue.usedBytes + this.#nameLength(name);
    }
    return used;
  }

  /** Memory the committed queues hold (arena chunks, metadata arrays, names). */
  memoryAllocated(): number {
    let allocated = 0;
    for (const [name, queue] of this.committed.entries()) {
      allocated += queue.allocatedBytes + this.#nameLength(name);
    }
    return allocated;
  }

  #nameLength(queue: string): number {
    return this.#reserved.get(queue)?.name.length ?? queue.length;
  }
}
