/**
 * CRC-32/ISO-HDLC (zlib) of frames, computed by `hash-wasm`. The WebAssembly
 * instance is created once ({@link loadCrc32}); after that every checksum is a
 * synchronous call, so framing and replay never await per frame.
 *
 * @module
 */
import { createCRC32, type IHasher } from "hash-wasm";

/** Computes the CRC-32 of `bytes[start, end)` synchronously. */
export type Crc32 = (bytes: Uint8Array, start: number, end: number) => number;

let loading: Promise<Crc32> | undefined;

/** Returns the shared CRC-32 function, instantiating the wasm module on first use. */
export function loadCrc32(): Promise<Crc32> {
  loading ??= createCRC32().then(pickFastest);
  return loading;
}

/**
 * The digest can be read as bytes or as hex; which is cheaper depends on the
 * runtime (copying out of wasm memory costs 0.6 µs on Deno, 0.08 µs on Bun and
 * Node). Both give the same value: time a few thousand of each and keep the
 * faster.
 */
function pickFastest(hasher: IHasher): Crc32 {
  const binary: Crc32 = (bytes, start, end) => {
    hasher.init();
    hasher.update(bytes.subarray(start, end));
    const d = hasher.digest("binary");
    return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
  };
  const hex: Crc32 = (bytes, start, end) => {
    hasher.init();
    hasher.update(bytes.subarray(start, end));
    return parseInt(hasher.digest("hex"), 16);
  };
  const sample = new Uint8Array(64);
  const time = (crc: Crc32): number => {
    const begin = performance.now();
    for (let i = 0; i < 2000; i++) crc(sample, 0, 64);
    return performance.now() - begin;
  };
  time(binary);
  time(hex);
  return time(binary) <= time(hex) ? binary : hex;
}
