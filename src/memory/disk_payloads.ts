/**
 * The disk {@link PayloadStore} (disk mode): payloads stay in the wal files
 * and a record's ref says where its payload's first byte is. Reads go to a
 * {@link PayloadSource} (the log's `wal/payload_reader.ts`), which returns
 * copies. Nothing is held in memory per payload: one store serves every
 * queue of a log.
 *
 * A ref is `slot * 2^32 + offset`: the offset in the file (files are at
 * most 4 GiB) and the file number modulo 2^21. The file is found again from
 * the oldest file the queue's records belong to, which no payload of the
 * queue lies before, so refs stay exact while a queue's records span fewer
 * than 2^21 wal files (the log checks that before it writes, see
 * {@link MAX_FILES_SPANNED}).
 *
 * @module
 */
import type { PayloadLocations, PayloadStore } from "./payload_store.ts";

/** Reads payloads back from the wal files. */
export interface PayloadSource {
  /** The `length` bytes of the payload at `offset` of wal file `file`, as a new array. */
  read(file: number, offset: number, length: number): Uint8Array;
}

/** How many wal files one queue's payloads may span in disk mode (refs hold the file modulo this). */
export const MAX_FILES_SPANNED = 2 ** 21;
const OFFSETS = 2 ** 32;
const EMPTY = new Uint8Array(0);

/** Payloads left in the wal files. */
export class DiskPayloads implements PayloadStore {
  readonly #source: PayloadSource;
  readonly inMemory = false;
  readonly allocatedBytes = 0;
  readonly tail = 0;

  constructor(source: PayloadSource) {
    this.#source = source;
  }

  appendAll(
    _list: readonly Uint8Array[],
    from: number,
    to: number,
    refs: Float64Array,
    at: number,
    located: PayloadLocations | undefined,
  ): void {
    writeRefs(from, to, refs, at, located);
  }

  appendRanges(
    _src: Uint8Array,
    _starts: Float64Array,
    _lengths: Uint32Array,
    from: number,
    to: number,
    refs: Float64Array,
    at: number,
    located: PayloadLocations | undefined,
  ): void {
    writeRefs(from, to, refs, at, located);
  }

  moved(from: number, to: number, refs: Float64Array, at: number, located: PayloadLocations): void {
    writeRefs(from, to, refs, at, located);
  }

  append(_src: Uint8Array, located: PayloadLocations | undefined, k: number): number {
    return refOf(located, k);
  }

  payload(ref: number, length: number, firstFile: number): Uint8Array {
    if (length === 0) return EMPTY;
    const slot = Math.floor(ref / OFFSETS);
    const offset = ref - slot * OFFSETS;
    const file = firstFile + ((slot - (firstFile % MAX_FILES_SPANNED) + MAX_FILES_SPANNED) %
      MAX_FILES_SPANNED);
    return this.#source.read(file, offset, length);
  }

  releaseBefore(_ref: number): void {}

  rewind(_tail: number): void {}

  clear(_compact?: boolean): void {}
}

/** Writes the refs of payloads `[from, to)` of `located` to `refs[at + k - from]`. */
function writeRefs(
  from: number,
  to: number,
  refs: Float64Array,
  at: number,
  located: PayloadLocations | undefined,
): void {
  for (let k = from; k < to; k++) refs[at + k - from] = refOf(located, k);
}

/** The ref of payload `k` of `located` (0 for an empty payload, which is never read). */
function refOf(located: PayloadLocations | undefined, k: number): number {
  if (located === undefined) {
    throw new Error("disk mode: a payload was stored without its location");
  }
  const file = located.files[k];
  if (file < 0) return 0;
  return (file % MAX_FILES_SPANNED) * OFFSETS + located.offsets[k];
}
