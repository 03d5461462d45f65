/**
 * The one check of a queue name given by a user, shared by every call that
 * takes one.
 *
 * @module
 */
import { InvalidQueueNameError } from "./errors.ts";
import { MAX_QUEUE_NAME_BYTES } from "./format/constants.ts";

/**
 * A surrogate code unit that is not half of a pair: with the `u` flag a
 * well-formed pair is one code point (above U+FFFF) and does not match.
 * The same test as `String.prototype.isWellFormed` (not in the ES2022 library).
 */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const encoder = new TextEncoder();

/**
 * Checks a queue name and returns its UTF-8 bytes (the bytes written to the
 * log): a string (else `TypeError`), well-formed UTF-16, at most 65,535 UTF-8
 * bytes (else {@link InvalidQueueNameError}, a `RangeError`).
 */
export function encodeQueueName(queue: unknown): Uint8Array {
  if (typeof queue !== "string") {
    const got = queue === null
      ? "null"
      : typeof queue === "object"
      ? (queue as object).constructor?.name ?? "object"
      : String(queue);
    throw new TypeError(`queue name must be a string, got ${got}`);
  }
  const lone = queue.search(LONE_SURROGATE);
  if (lone !== -1) throw new InvalidQueueNameError(queue, "not-well-formed", lone);
  const bytes = encoder.encode(queue);
  if (bytes.length > MAX_QUEUE_NAME_BYTES) {
    throw new InvalidQueueNameError(queue, "too-long", bytes.length);
  }
  return bytes;
}
