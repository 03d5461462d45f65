/**
 * The queue names of records, decoded as strict UTF-8 (a name that is not
 * is damage, not a queue), with the last name remembered: consecutive
 * records of one queue (the common case) compare bytes instead of decoding.
 *
 * @module
 */

/** Decodes queue names from record bytes, caching the last one. */
export class QueueNameDecoder {
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  #lastBytes = new Uint8Array(0);
  #lastName = "";

  /** The name held in `record[start, end)`, or undefined when those bytes are not UTF-8. */
  decode(record: Uint8Array, start: number, end: number): string | undefined {
    const last = this.#lastBytes;
    const len = end - start;
    if (len === last.length) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (record[start + i] !== last[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.#lastName;
    }
    let name: string;
    try {
      name = this.#decoder.decode(record.subarray(start, end));
    } catch {
      return undefined;
    }
    this.#lastBytes = record.slice(start, end);
    this.#lastName = name;
    return name;
  }
}
