/**
 * The queues of a log as a scan replays them, without their records: per
 * queue, its next position, where its current contents begin in the log
 * (`epoch`: the sequence number, in log order, of the first AppendRecords
 * item since it was last created or reset) and its truncation point. That
 * is enough to tell, at the end of the log, which records are still there:
 * within one epoch positions only grow, so the survivors of a queue are the
 * items from its epoch on whose position is above its truncation point.
 *
 * It also keeps, per queue, one run per wal file holding its records since
 * the epoch (the file, the last position and the payload bytes there), so
 * that a second pass knows where the survivors begin and roughly how large
 * they are. Memory: a few numbers per queue and per (queue, wal file).
 *
 * The rules are replay's (docs/FORMAT.md, "Replay semantics"; `replay/recovery.ts`),
 * including queues whose positions a number cannot name (out of range).
 *
 * @module
 */

/** A queue's state, positions only. */
export interface QueueState {
  /** Its next position. */
  next: number;
  /** Sequence number of the first item of its current contents. */
  epoch: number;
  /** Records at positions up to this one are removed (-1: none). */
  truncated: number;
  /** Runs, oldest first from `head`: wal file, last position, payload bytes. */
  runFiles: number[];
  runLast: number[];
  runBytes: number[];
  head: number;
}

/** A queue holding a position above what a number names exactly. */
export interface OutOfRange {
  position: bigint;
  file: number;
}

/** The queues, replayed record by record. */
export class QueueStates {
  readonly queues = new Map<string, QueueState>();
  readonly outOfRange = new Map<string, OutOfRange>();

  /** RecordPosition(name, next): the queue exists, empty, at `next` (-1: out of range). */
  position(name: string, next: number, exact: () => bigint, file: number): void {
    if (next === -1) return this.markOutOfRange(name, exact(), file);
    this.outOfRange.delete(name);
    this.#reset(name, next, Infinity);
  }

  /** Truncate(name, p). Returns false when it changes nothing (no such queue). */
  truncate(name: string, p: number, exact: () => bigint, file: number): boolean {
    const q = this.queues.get(name);
    if (this.outOfRange.has(name) || q === undefined) return false;
    if (p === -1 || p > Number.MAX_SAFE_INTEGER) {
      this.markOutOfRange(name, exact(), file);
      return false;
    }
    if (p > q.truncated) q.truncated = p;
    if (p + 1 > q.next) q.next = p + 1;
    let head = q.head;
    while (head < q.runLast.length && q.runLast[head] <= p) head++;
    q.head = head;
    if (head > 64 && head * 2 > q.runLast.length) {
      q.runFiles.splice(0, head);
      q.runLast.splice(0, head);
      q.runBytes.splice(0, head);
      q.head = 0;
    }
    return true;
  }

  /** DeleteQueue(name). Returns whether the queue existed. */
  delete(name: string): boolean {
    const was = this.outOfRange.delete(name);
    return this.queues.delete(name) || was;
  }

  /**
   * The start of an AppendRecords record at header position `first` (-1: out
   * of range). Returns the queue to add its items to, with `created` set when
   * the record creates it; undefined when the queue is or becomes out of range.
   */
  beginAppend(name: string, first: number): QueueState | undefined {
    if (this.outOfRange.has(name) || first === -1) return undefined;
    let q = this.queues.get(name);
    this.created = false;
    if (q === undefined) {
      q = this.#reset(name, first, Infinity);
      this.created = true;
    }
    return q;
  }

  /** Set by {@link beginAppend}: the queue did not exist. */
  created = false;

  /**
   * Adds the item at `position` (a safe integer) of `bytes` payload bytes,
   * sequence number `seq`, whose record begins in `file`. Returns the queue
   * (a new one when the item lies below its next position: replay then
   * resets the queue there, reported as `position-in-past`), with
   * `resetByItem` set in that case.
   */
  item(name: string, q: QueueState, position: number, bytes: number, seq: number, file: number) {
    this.resetByItem = false;
    if (position < q.next) {
      q = this.#reset(name, position, seq);
      this.resetByItem = true;
    }
    if (q.epoch === Infinity) q.epoch = seq;
    q.next = position + 1;
    const runs = q.runFiles.length;
    if (runs > q.head && q.runFiles[runs - 1] === file) {
      q.runLast[runs - 1] = position;
      q.runBytes[runs - 1] += bytes;
    } else {
      q.runFiles.push(file);
      q.runLast.push(position);
      q.runBytes.push(bytes);
    }
    return q;
  }

  /** Set by {@link item}: the item reset its queue. */
  resetByItem = false;

  /** The queue holds a position a number cannot name: it is set aside, as replay does. */
  markOutOfRange(name: string, position: bigint, file: number): void {
    this.queues.delete(name);
    this.outOfRange.set(name, { position, file });
  }

  /** True when item `seq` at `position` of queue `name` is still in the log at its end. */
  survives(name: string, seq: number, position: number): boolean {
    const q = this.queues.get(name);
    return q !== undefined && seq >= q.epoch && position > q.truncated;
  }

  /** The first wal file holding a surviving record of `q`, or undefined when it holds none. */
  static firstFile(q: QueueState): number | undefined {
    return q.head < q.runFiles.length ? q.runFiles[q.head] : undefined;
  }

  /** Payload bytes of `q`'s survivors, at most (the first run may be partly truncated). */
  static bytesAtMost(q: QueueState): number {
    let bytes = 0;
    for (let i = q.head; i < q.runBytes.length; i++) bytes += q.runBytes[i];
    return bytes;
  }

  /** A queue emptied at `next`; its contents start with the first item from `epoch` on. */
  #reset(name: string, next: number, epoch: number): QueueState {
    const q: QueueState = {
      next,
      epoch,
      truncated: -1,
      runFiles: [],
      runLast: [],
      runBytes: [],
      head: 0,
    };
    this.queues.set(name, q);
    return q;
  }
}
