/**
 * The runtime's own CRC-32, offered to the core as candidates, best first:
 * `Bun.hash.crc32` (looked up only when Bun is the runtime), then `crc32`
 * from `node:zlib` (Deno, Bun, Node >= 20.15 / 22.2). Both compute
 * CRC-32/ISO-HDLC in native code, faster than WebAssembly. Nothing here is trusted: the core (`format/crc.ts`) checks a
 * candidate against known values and against hash-wasm before using it. A
 * function or module that is absent gives no candidate, never an error.
 *
 * @module
 */

/** A native CRC-32: of the whole of `data`, continuing from the CRC `value` (0 when omitted). */
export type NativeCrc32 = (data: Uint8Array, value?: number) => number;

/** A native CRC-32 function and where it comes from. */
export interface NativeCrc32Candidate {
  /** Where the function comes from: "Bun.hash.crc32" or "node:zlib". */
  readonly name: string;
  /** The function, called with one argument (the bytes to checksum). */
  readonly crc32: NativeCrc32;
}

let found: Promise<readonly NativeCrc32Candidate[]> | undefined;

/** The runtime's native CRC-32 functions, best first; looked up once, possibly none. */
export function nativeCrc32Candidates(): Promise<readonly NativeCrc32Candidate[]> {
  found ??= lookUp();
  return found;
}

async function lookUp(): Promise<readonly NativeCrc32Candidate[]> {
  const candidates: NativeCrc32Candidate[] = [];
  const bun = bunCrc32();
  if (bun !== undefined) candidates.push({ name: "Bun.hash.crc32", crc32: bun });
  const zlib = await zlibCrc32();
  if (zlib !== undefined) candidates.push({ name: "node:zlib", crc32: zlib });
  return candidates;
}

/** `Bun.hash.crc32(data, seed?)`, when Bun is the runtime and has it. */
function bunCrc32(): NativeCrc32 | undefined {
  try {
    const bun = (globalThis as { Bun?: { hash?: { crc32?: unknown } } }).Bun;
    const crc32 = bun?.hash?.crc32;
    return typeof crc32 === "function" ? crc32 as NativeCrc32 : undefined;
  } catch {
    return undefined;
  }
}

/** `crc32(data, value?)` of `node:zlib`, when the runtime has that module and function. */
async function zlibCrc32(): Promise<NativeCrc32 | undefined> {
  try {
    const zlib: { crc32?: unknown } = await import("node:zlib");
    return typeof zlib.crc32 === "function" ? zlib.crc32 as NativeCrc32 : undefined;
  } catch {
    return undefined;
  }
}
