/**
 * Codecs between payload bytes and the values an application keeps in a
 * queue: UTF-8 text and JSON. The log itself stores bytes only; a
 * {@link TypedQueue} applies a codec on the way in and out.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.ts";

/**
 * Turns values into payload bytes and back. `decode` gets a view of the
 * log's memory: it must not keep or modify it (copy what it keeps).
 *
 * @example
 * ```ts
 * import type { Codec } from "@mrl/core";
 * const u32: Codec<number> = {
 *   encode: (n) => new Uint8Array(new Uint32Array([n]).buffer),
 *   decode: (bytes) => new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true),
 * };
 * console.log(u32.decode(u32.encode(7))); // 7
 * ```
 */
export interface Codec<T> {
  /** The payload of `value`. */
  encode(value: T): Uint8Array;
  /** The value of a payload; throws when the bytes are not one. */
  decode(payload: Uint8Array): T;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Strings as UTF-8. Decoding bytes that are not UTF-8 throws a `TypeError`.
 *
 * @example
 * ```ts
 * import { textCodec } from "@mrl/core";
 * console.log(textCodec.encode("hé").length, textCodec.decode(textCodec.encode("hé"))); // 3 hé
 * ```
 */
export const textCodec: Codec<string> = {
  encode: (value) => {
    if (typeof value !== "string") {
      throw new InvalidArgumentError(
        "value",
        "type",
        `textCodec encodes strings, got ${typeof value}: use jsonCodec() for other values`,
      );
    }
    return encoder.encode(value);
  },
  decode: (payload) => decoder.decode(payload),
};

/**
 * Values as JSON text in UTF-8 (`JSON.stringify` / `JSON.parse`). A value
 * JSON cannot represent (`undefined`, a function) is refused with an
 * `InvalidArgumentError`; decoding bytes that are not JSON throws.
 *
 * @example
 * ```ts
 * import { jsonCodec } from "@mrl/core";
 * const codec = jsonCodec<{ id: number }>();
 * console.log(codec.decode(codec.encode({ id: 1 }))); // { id: 1 }
 * ```
 */
export function jsonCodec<T = unknown>(): Codec<T> {
  return {
    encode: (value) => {
      const json = JSON.stringify(value);
      if (json === undefined) {
        throw new InvalidArgumentError(
          "value",
          "type",
          `jsonCodec cannot encode ${typeof value} as JSON: pass a value JSON.stringify can write`,
        );
      }
      return encoder.encode(json);
    },
    decode: (payload) => JSON.parse(decoder.decode(payload)) as T,
  };
}
