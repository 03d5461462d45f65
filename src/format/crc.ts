/**
 * CRC-32/ISO-HDLC (zlib) of frames. Two implementations give the same
 * values: the portable one, `hash-wasm` (WebAssembly, on every runtime),
 * and the runtime's native one when the ports layer offers it
 * (`ports/native_crc.ts`: `Bun.hash.crc32`, `node:zlib`'s `crc32`). The
 * native one is 4 to 7 times faster on a 263-byte frame and over 30 times
 * on 16 KiB on Deno and Bun; on Node, whose zlib is slower, 1.4 and 2.5
 * times (bench/crc.ts). It is used only once it has given the known values of
 * known inputs and the same values as a reference (a plain table-driven
 * CRC-32) on pseudo-random buffers of several sizes; if it differs or
 * throws, hash-wasm is used (and only then loaded). This module
 * touches no runtime API: the native candidates come from the caller
 * (engine/open.ts passes the ports layer's). Once loaded, every checksum is a
 * synchronous call, so framing and replay never await per frame.
 *
 * @module
 */
import { createCRC32, type IHasher } from "npm:hash-wasm@^4.13.0";
import type { NativeCrc32, NativeCrc32Candidate } from "../ports/native_crc.ts";

/**
 * Computes the CRC-32 of `bytes[start, end)` synchronously, as an unsigned
 * 32-bit integer (`0 <= start <= end <= bytes.length`).
 */
export type Crc32 = (bytes: Uint8Array, start: number, end: number) => number;

/** Finds the runtime's native CRC-32 functions, best first (the ports layer's `nativeCrc32Candidates`). */
export type NativeCrc32Finder = () => Promise<readonly NativeCrc32Candidate[]>;

/** A CRC-32 function and which implementation it is. */
export interface ChosenCrc32 {
  /** {@link PORTABLE_CRC32}, or the name of the native candidate chosen. */
  readonly name: string;
  /** The function. */
  readonly crc32: Crc32;
}

/** The name of the portable implementation in a {@link ChosenCrc32}. */
export const PORTABLE_CRC32 = "hash-wasm";

let portable: Promise<Crc32> | undefined;
const chosen = new WeakMap<NativeCrc32Finder, Promise<ChosenCrc32>>();

/**
 * The CRC-32 function to use. With `findNative`: the first of its candidates
 * that passes verification (see {@link chooseCrc32}), else hash-wasm (each finder is asked
 * and its candidates verified once). Without: hash-wasm.
 */
export async function loadCrc32(findNative?: NativeCrc32Finder): Promise<Crc32> {
  if (findNative === undefined) return loadPortableCrc32();
  return (await loadChosenCrc32(findNative)).crc32;
}

/** Like {@link loadCrc32} with a finder, saying which implementation was chosen. */
export function loadChosenCrc32(findNative: NativeCrc32Finder): Promise<ChosenCrc32> {
  let choice = chosen.get(findNative);
  if (choice === undefined) {
    // A finder that throws or rejects offers nothing: hash-wasm is used.
    const candidates = Promise.resolve().then(findNative).catch(() => []);
    // Candidates are checked against a plain table-driven CRC-32, so hash-wasm (whose
    // instantiation and set-up take about 10 ms) is loaded only when none passes.
    choice = candidates.then(async (found) => {
      const native = chooseCrc32(found, tableCrc32);
      if (native.crc32 !== tableCrc32) return native;
      return { name: PORTABLE_CRC32, crc32: await loadPortableCrc32() };
    });
    chosen.set(findNative, choice);
  }
  return choice;
}

/** CRC-32/ISO-HDLC, one table lookup a byte: slow (about 0.5 GB/s), only a reference for checks. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The reference CRC-32 candidates are checked against. */
const tableCrc32: Crc32 = (bytes, start, end) => {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** The shared hash-wasm CRC-32 function, instantiating the wasm module on first use. */
export function loadPortableCrc32(): Promise<Crc32> {
  portable ??= createCRC32().then(pickFastest);
  return portable;
}

/**
 * The first of `candidates` that passes verification against `portable` (any
 * correct CRC-32), as a {@link Crc32}; `portable` itself when none does. A candidate passes when
 * it gives the check value of "123456789" (alone, and at an offset into a
 * larger buffer that is itself a view at an offset into its memory), 0 for
 * empty ranges, and the same values as `portable` on pseudo-random buffers
 * of 0, 1, 7, 263, 4096 and 65539 bytes, whole and at an offset, without
 * throwing.
 */
export function chooseCrc32(
  candidates: readonly NativeCrc32Candidate[],
  portable: Crc32,
): ChosenCrc32 {
  for (const candidate of candidates) {
    const crc32 = rangeCrc32(candidate.crc32);
    if (verifyNativeCrc32(crc32, portable)) return { name: candidate.name, crc32 };
  }
  return { name: PORTABLE_CRC32, crc32: portable };
}

/**
 * Calls `native` on `bytes[start, end)`, passed as a new view on the same
 * memory (nothing is copied). The view costs about 25 ns, as much as the
 * checksum of a small frame, and cannot be avoided: native functions take
 * whole buffers. `new Uint8Array(buffer, offset, length)` costs the same
 * as `subarray` on Bun and Node and a few ns less on Deno (bench/crc.ts);
 * unlike `subarray` it throws on a range outside `bytes`, which callers
 * never pass.
 */
function rangeCrc32(native: NativeCrc32): Crc32 {
  return (bytes, start, end) =>
    native(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start));
}

/** "123456789", the check input of the CRC catalogues. */
const CHECK_INPUT = [0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39];
/** CRC-32/ISO-HDLC's check value: the CRC of {@link CHECK_INPUT}. */
const CHECK_VALUE = 0xcbf43926;
/** Sizes of the pseudo-random buffers compared with hash-wasm. */
const COMPARED_SIZES = [0, 1, 7, 263, 4096, 65536 + 3];

/** Whether `crc32` computes CRC-32/ISO-HDLC as far as can be told (see {@link chooseCrc32}). */
function verifyNativeCrc32(crc32: Crc32, portable: Crc32): boolean {
  try {
    if (crc32(Uint8Array.from(CHECK_INPUT), 0, 9) !== CHECK_VALUE) return false;
    if (crc32(new Uint8Array(0), 0, 0) !== 0) return false;
    const memory = new Uint8Array(32).fill(0xa5);
    memory.set(CHECK_INPUT, 12);
    const view = memory.subarray(5, 30); // "123456789" at [7, 16) of the view
    if (crc32(view, 7, 16) !== CHECK_VALUE) return false;
    if (crc32(view, 7, 7) !== 0) return false;
    let seed = 0x9e3779b9;
    for (const size of COMPARED_SIZES) {
      const bytes = new Uint8Array(size + 5);
      for (let i = 0; i < bytes.length; i++) {
        // xorshift32: cheap and deterministic
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        bytes[i] = seed & 0xff;
      }
      if (crc32(bytes, 0, size) !== portable(bytes, 0, size)) return false;
      if (crc32(bytes, 3, 3 + size) !== portable(bytes, 3, 3 + size)) return false;
    }
    return true;
  } catch {
    return false;
  }
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
