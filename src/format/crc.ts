/**
 * CRC-32/ISO-HDLC (zlib) of frames, computed by `hash-wasm`. The WebAssembly
 * instance is created once ({@link loadCrc32}); after that every checksum is a
 * synchronous call, so framing and replay never await per frame.
 *
 * @module
 */
import { createCRC32 } from "hash-wasm";

/** Computes the CRC-32 of `bytes[start, end)` synchronously. */
export type Crc32 = (bytes: Uint8Array, start: number, end: number) => number;

let loading: Promise<Crc32> | undefined;

/** Returns the shared CRC-32 function, instantiating the wasm module on first use. */
export function loadCrc32(): Promise<Crc32> {
  loading ??= createCRC32().then((hasher) => {
    return (bytes: Uint8Array, start: number, end: number): number => {
      hasher.init();
      hasher.update(bytes.subarray(start, end));
      // The hex digest is much cheaper than the binary one, which copies out of wasm memory.
      return parseInt(hasher.digest("hex"), 16);
    };
  });
  return loading;
}
