/**
 * The queue names of records, decoded as strict UTF-8 (a name that is not
 * is damage, not a queue), with the names met lately remembered: records of
 * a few queues interleaved (the common case) compare bytes instead of
 * decoding and copying each record's name.
 *
 * @module
 */

/** How many names are remembered; past that, the oldest is forgotten. */
const REMEMBERED = 32;

/** Decodes queue names from record bytes, remembering the last {@link REMEMBERED} distinct ones. */
export class QueueNameDecoder {
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  readonly #bytes: Uint8Array[] = [];
  readonly #names: string[] = [];
  /** Where the last name found is, and where the next new name goes. */
  #last = 0;
  #next = 0;
  #decodes = 0;

  /** How many names were decoded from bytes rather than found among those remembered. */
  get decodes(): number {
    return this.#decodes;
  }

  /** The name held in `record[start, end)`, or undefined when those bytes are not UTF-8. */
  decode(record: Uint8Array, start: number, end: number): string | undefined {
    const bytes = this.#bytes;
    const count = bytes.length;
    // The last name first: consecutive records of one queue are the commonest case.
    for (let k = 0, i = this.#last; k < count; k++, i = i + 1 === count ? 0 : i + 1) {
      if (same(bytes[i], record, start, end)) {
        this.#last = i;
        return this.#names[i];
      }
    }
    let name: string;
    try {
      name = this.#decoder.decode(record.subarray(start, end));
    } catch {
      return undefined;
    }
    this.#decodes++;
    const at = this.#next;
    bytes[at] = record.slice(start, end);
    this.#names[at] = name;
    this.#last = at;
    this.#next = at + 1 === REMEMBERED ? 0 : at + 1;
    return name;
  }
}

/** Whether `known` holds the bytes `record[start, end)`. */
function same(known: Uint8Array, record: Uint8Array, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let i = 0; i < known.length; i++) {
    if (record[start + i] !== known[i]) return false;
  }
  return true;
}
