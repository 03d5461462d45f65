/**
 * What a CRC-32 costs on each path this runtime has: hash-wasm (portable),
 * each native candidate of the ports layer (as the log calls it: on a range
 * of a larger buffer), and the one the log chooses. Prints ns per call on a
 * 263-byte range (a small frame) and MB/s on a 16 KiB range, the median of
 * 9 rounds; then what passing a range to a native function costs: a
 * `subarray` against a `new Uint8Array(buffer, offset, length)` view.
 *
 * Run: deno run -A bench/crc.ts | bun bench/crc.ts | node npm/bench/crc.js
 */
import {
  chooseCrc32,
  type Crc32,
  loadChosenCrc32,
  loadPortableCrc32,
  PORTABLE_CRC32,
} from "../src/format/crc.ts";
import { type NativeCrc32, nativeCrc32Candidates } from "../src/ports/native_crc.ts";
import { pseudoRandomBytes } from "../tests/helpers/temp.ts";
import { median } from "./harness.ts";

const globals = globalThis as {
  Deno?: { version: { deno: string } };
  Bun?: { version: string };
  process?: { version: string };
};
const runtime = globals.Deno !== undefined
  ? `deno ${globals.Deno.version.deno}`
  : globals.Bun !== undefined
  ? `bun ${globals.Bun.version}`
  : `node ${globals.process?.version}`;

/** Frames sit at varying offsets of a block: the ranges start at these. */
const OFFSETS = 64;
const memory = pseudoRandomBytes(OFFSETS * 7 + 16384, 0x2545f491);

let sink = 0;

/** Median over 9 rounds of the ns one call takes on a `length`-byte range. */
function nsPerCall(crc32: Crc32, length: number, calls: number): number {
  for (let i = 0; i < calls; i++) {
    sink ^= crc32(memory, (i % OFFSETS) * 7, (i % OFFSETS) * 7 + length);
  }
  const rounds: number[] = [];
  for (let r = 0; r < 9; r++) {
    const begin = performance.now();
    for (let i = 0; i < calls; i++) {
      const at = (i % OFFSETS) * 7;
      sink ^= crc32(memory, at, at + length);
    }
    rounds.push((performance.now() - begin) * 1e6 / calls);
  }
  return median(rounds);
}

function line(name: string, crc32: Crc32): string {
  const small = nsPerCall(crc32, 263, 200_000);
  const large = 16384 / nsPerCall(crc32, 16384, 4_000) * 1000; // bytes/ns = GB/s; MB/s
  return `  ${name.padEnd(16)} 263 B: ${small.toFixed(0).padStart(5)} ns/call   16 KiB: ${
    large.toFixed(0).padStart(6)
  } MB/s`;
}

const portable = await loadPortableCrc32();
const candidates = await nativeCrc32Candidates();
const chosen = await loadChosenCrc32(nativeCrc32Candidates);

console.log(`${runtime}: chosen ${chosen.name}`);
console.log(line(PORTABLE_CRC32, portable));
for (const candidate of candidates) {
  const { name, crc32 } = chooseCrc32([candidate], portable);
  console.log(
    line(candidate.name, crc32) +
      (name === candidate.name ? "" : " (fails verification: hash-wasm)"),
  );
}
console.log(line(`chosen`, chosen.crc32));

console.log("  passing a 263-byte range to a native function, ns/call:");
for (const { name, crc32 } of candidates) {
  const ways: [string, Crc32][] = [
    ["subarray", (bytes, start, end) => crc32(bytes.subarray(start, end))],
    [
      "new view",
      (bytes, start, end) =>
        crc32(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start)),
    ],
  ];
  const whole = memory.subarray(0, 263);
  const noView: NativeCrc32 = crc32;
  const figures = ways.map(([way, f]) => `${way} ${nsPerCall(f, 263, 200_000).toFixed(0)}`);
  figures.push(`no view (whole buffer) ${nsPerCall(() => noView(whole), 263, 200_000).toFixed(0)}`);
  console.log(`    ${name.padEnd(16)} ${figures.join(", ")}`);
}
if (sink === 0.5) console.log(sink); // keeps the results alive
