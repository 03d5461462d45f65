/**
 * CRC-32/ISO-HDLC of frames (src/format/crc.ts) and the runtime's native
 * CRC-32 functions (src/ports/native_crc.ts): the known values on the
 * portable path (hash-wasm) and on every native candidate, both paths equal
 * on pseudo-random data, which candidates this runtime offers and which one
 * the log uses, and the fallback to hash-wasm when a candidate is wrong.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  chooseCrc32,
  type Crc32,
  loadChosenCrc32,
  loadCrc32,
  loadPortableCrc32,
  PORTABLE_CRC32,
} from "../../src/format/crc.ts";
import {
  type NativeCrc32,
  type NativeCrc32Candidate,
  nativeCrc32Candidates,
} from "../../src/ports/native_crc.ts";
import { ascii } from "../helpers/frames.ts";
import { pseudoRandomBytes } from "../helpers/temp.ts";

const portable = await loadPortableCrc32();
const candidates = await nativeCrc32Candidates();

/** `bytes` placed at `offset` of a larger buffer, itself a view at offset 5 of its memory. */
function embedded(bytes: Uint8Array, offset: number): Uint8Array {
  const memory = new Uint8Array(5 + offset + bytes.length + 11).fill(0x5a);
  const view = memory.subarray(5);
  view.set(bytes, offset);
  return view;
}

/** hash-wasm as a native-style function: the CRC of the whole of `data`. */
const portableWhole: NativeCrc32 = (data) => portable(data, 0, data.length);

/** Each native candidate as the log calls it (on a range), once verified. */
const nativePaths: { name: string; crc32: Crc32 }[] = candidates.map((candidate) =>
  chooseCrc32([candidate], portable)
);

/** The known values every path must give: [input, CRC-32/ISO-HDLC]. */
const KNOWN: [string, Uint8Array, number][] = [
  ['"123456789" (the check value)', ascii("123456789"), 0xcbf43926],
  ["the empty input", new Uint8Array(0), 0],
  [
    '"The quick brown fox jumps over the lazy dog"',
    ascii("The quick brown fox jumps over the lazy dog"),
    0x414fa339,
  ],
  ["32 zero bytes", new Uint8Array(32), 0x190a55ad],
  ["32 bytes 0xff", new Uint8Array(32).fill(0xff), 0xff6cab0b],
  ["the bytes 0 to 255", Uint8Array.from({ length: 256 }, (_, i) => i), 0x29058c73],
];

// ---------------------------------------------------------------------------
// Which paths this runtime has

type Runtime = "deno" | "bun" | "node";
const runtime: Runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";

/** Whether this Node has `zlib.crc32` (added in 20.15.0 and 22.2.0). */
function nodeHasZlibCrc32(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major >= 23 || (major === 22 && minor >= 2) || (major === 20 && minor >= 15);
}

const EXPECTED_CANDIDATES: Record<Runtime, string[]> = {
  bun: ["Bun.hash.crc32", "node:zlib"],
  deno: ["node:zlib"],
  node: nodeHasZlibCrc32() ? ["node:zlib"] : [],
};
const EXPECTED_CHOICE: Record<Runtime, string> = {
  bun: "Bun.hash.crc32",
  deno: "node:zlib",
  node: nodeHasZlibCrc32() ? "node:zlib" : PORTABLE_CRC32,
};

test(`the native candidates on ${runtime} are ${EXPECTED_CANDIDATES[runtime].join(", ") || "none"}, best first`, () => {
  assert.deepEqual(candidates.map((c) => c.name), EXPECTED_CANDIDATES[runtime]);
});

test(`the log's CRC-32 on ${runtime} is ${EXPECTED_CHOICE[runtime]}`, async () => {
  const chosen = await loadChosenCrc32(nativeCrc32Candidates);
  assert.equal(chosen.name, EXPECTED_CHOICE[runtime]);
  // what open_log.ts asks for is that same function
  assert.equal(await loadCrc32(nativeCrc32Candidates), chosen.crc32);
});

test("every native candidate on this runtime passes verification", () => {
  assert.deepEqual(
    nativePaths.map((path) => path.name),
    candidates.map((c) => c.name),
  );
});

// ---------------------------------------------------------------------------
// Known values, on every path

for (
  const [name, crc32] of [
    [PORTABLE_CRC32, portable] as const,
    ...nativePaths.map((p) => [p.name, p.crc32] as const),
  ]
) {
  for (const [what, bytes, expected] of KNOWN) {
    test(`${name}: the CRC-32 of ${what} is 0x${expected.toString(16).padStart(8, "0")}`, () => {
      assert.equal(crc32(bytes, 0, bytes.length), expected);
    });
  }

  test(`${name}: a range at an offset of a view gives the CRC of the range's bytes alone`, () => {
    const view = embedded(ascii("123456789"), 7);
    assert.equal(crc32(view, 7, 16), 0xcbf43926);
  });

  test(`${name}: an empty range inside a buffer has CRC 0`, () => {
    assert.equal(crc32(pseudoRandomBytes(100, 1), 40, 40), 0);
  });

  test(`${name}: the result is an unsigned 32-bit integer (0xcbf43926, not its signed -873187034)`, () => {
    const crc = crc32(ascii("123456789"), 0, 9);
    assert.equal(crc, 3421780262);
    assert.equal(crc >>> 0, crc);
  });
}

// ---------------------------------------------------------------------------
// Both paths equal

/** Every size 0..300, the sizes around 4 KiB and 16 KiB, and large ones. */
const SIZES = [
  ...Array.from({ length: 301 }, (_, i) => i),
  4095,
  4096,
  4097,
  16383,
  16384,
  16385,
  32768 + 7,
  65536 + 3,
  1 << 20,
];
const OFFSETS = [0, 1, 2, 3, 5, 8, 13];

for (const { name, crc32 } of nativePaths) {
  test(`${name} and hash-wasm agree on pseudo-random ranges of ${SIZES.length} sizes (0 to 1 MiB) at ${OFFSETS.length} offsets`, () => {
    const differences: string[] = [];
    for (const size of SIZES) {
      const bytes = pseudoRandomBytes(size + 13 + 4, (size + 1) | 1);
      for (const offset of OFFSETS) {
        const native = crc32(bytes, offset, offset + size);
        const wasm = portable(bytes, offset, offset + size);
        if (native !== wasm) {
          differences.push(`size ${size} offset ${offset}: ${native} != ${wasm}`);
        }
      }
    }
    assert.deepEqual(differences, []);
  });
}

// ---------------------------------------------------------------------------
// Choosing: the first candidate that passes, else hash-wasm

/** What chooseCrc32 picks from `candidates`: the name, and whether the function is hash-wasm's. */
function choice(...list: NativeCrc32Candidate[]): { name: string; isPortable: boolean } {
  const chosen = chooseCrc32(list, portable);
  return { name: chosen.name, isPortable: chosen.crc32 === portable };
}

test("with no candidate, hash-wasm is chosen", () => {
  assert.deepEqual(choice(), { name: PORTABLE_CRC32, isPortable: true });
});

test("a correct candidate is chosen", () => {
  assert.deepEqual(choice({ name: "right", crc32: portableWhole }), {
    name: "right",
    isPortable: false,
  });
});

test("the first candidate that passes is chosen, skipping a wrong one before it", () => {
  const wrong: NativeCrc32 = () => 0;
  assert.deepEqual(
    choice(
      { name: "wrong", crc32: wrong },
      { name: "first right", crc32: portableWhole },
      { name: "second right", crc32: portableWhole },
    ),
    { name: "first right", isPortable: false },
  );
});

test("a candidate that returns the signed 32-bit value falls back to hash-wasm", () => {
  const signed: NativeCrc32 = (data) => portableWhole(data) | 0;
  assert.deepEqual(choice({ name: "signed", crc32: signed }), {
    name: PORTABLE_CRC32,
    isPortable: true,
  });
});

test("a candidate that reads the whole memory under a view falls back to hash-wasm", () => {
  const ignoresView: NativeCrc32 = (data) => portableWhole(new Uint8Array(data.buffer));
  assert.deepEqual(choice({ name: "ignores view", crc32: ignoresView }), {
    name: PORTABLE_CRC32,
    isPortable: true,
  });
});

test("a candidate wrong only on inputs over 4 KiB falls back to hash-wasm (compared up to 64 KiB + 3)", () => {
  const wrongWhenLong: NativeCrc32 = (data) =>
    data.length > 4096 ? portableWhole(data.subarray(1)) : portableWhole(data);
  assert.deepEqual(choice({ name: "wrong when long", crc32: wrongWhenLong }), {
    name: PORTABLE_CRC32,
    isPortable: true,
  });
});

test("a candidate that throws falls back to hash-wasm", () => {
  const throws: NativeCrc32 = () => {
    throw new TypeError("not supported");
  };
  assert.deepEqual(choice({ name: "throws", crc32: throws }), {
    name: PORTABLE_CRC32,
    isPortable: true,
  });
});

test("the runtime's own candidates made wrong (one bit flipped) fall back to hash-wasm", () => {
  const flipped = candidates.map((c) => ({
    name: c.name,
    crc32: ((data: Uint8Array) => (c.crc32(data) ^ 0x100) >>> 0) as NativeCrc32,
  }));
  assert.deepEqual(choice(...flipped), { name: PORTABLE_CRC32, isPortable: true });
});

test("a native function is called with one argument: exactly the range's bytes", () => {
  const calls: { argumentCount: number; bytes: number[] }[] = [];
  const spy: NativeCrc32 = (...args) => {
    calls.push({ argumentCount: args.length, bytes: Array.from(args[0]) });
    return portableWhole(args[0]);
  };
  const { crc32 } = chooseCrc32([{ name: "spy", crc32: spy }], portable);
  calls.length = 0; // drop the calls verification made
  assert.equal(crc32(embedded(ascii("abc"), 4), 4, 7), 0x352441c2);
  assert.deepEqual(calls, [{ argumentCount: 1, bytes: [0x61, 0x62, 0x63] }]);
});

// ---------------------------------------------------------------------------
// Loading

test("loadCrc32 without a finder gives hash-wasm", async () => {
  assert.equal(await loadCrc32(), portable);
});

test("loadCrc32 asks a finder once and keeps its choice", async () => {
  let asked = 0;
  const finder = () => {
    asked++;
    return Promise.resolve([{ name: "right", crc32: portableWhole }]);
  };
  const first = await loadCrc32(finder);
  const second = await loadCrc32(finder);
  assert.equal(asked, 1);
  assert.equal(second, first);
  assert.equal((await loadChosenCrc32(finder)).name, "right");
});

test("loadChosenCrc32 with a finder offering only a wrong candidate gives hash-wasm", async () => {
  const finder = () => Promise.resolve([{ name: "wrong", crc32: (() => 1) as NativeCrc32 }]);
  assert.deepEqual(await loadChosenCrc32(finder), { name: PORTABLE_CRC32, crc32: portable });
});

test("a finder that rejects gives hash-wasm", async () => {
  const finder = () => Promise.reject(new Error("no native module"));
  assert.deepEqual(await loadChosenCrc32(finder), { name: PORTABLE_CRC32, crc32: portable });
});

test("the native candidates are looked up once", async () => {
  assert.equal(await nativeCrc32Candidates(), candidates);
});
