/**
 * Wal file names (docs/FORMAT.md, "File names"): `wal-` + the file number
 * as 20 zero-padded decimal digits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  isUnnumberableWalFileName,
  joinPath,
  parseWalFileName,
  walFileName,
} from "../../src/wal/file_name.ts";

test("walFileName: file 0 is wal-00000000000000000000", () => {
  assert.equal(walFileName(0), "wal-00000000000000000000");
});

test("walFileName: the number is written as 20 zero-padded decimal digits", () => {
  assert.equal(walFileName(1), "wal-00000000000000000001");
  assert.equal(walFileName(42), "wal-00000000000000000042");
  assert.equal(walFileName(2 ** 32), "wal-00000000004294967296");
  assert.equal(walFileName(Number.MAX_SAFE_INTEGER), "wal-00009007199254740991");
});

test("walFileName: names sort lexicographically in file-number order", () => {
  const numbers = [0, 1, 9, 10, 99, 100, 2 ** 32, Number.MAX_SAFE_INTEGER];
  const names = numbers.map(walFileName);
  assert.deepEqual([...names].reverse().sort(), names);
});

test("parseWalFileName: parses back every name walFileName writes", () => {
  const numbers = [0, 1, 7, 10, 12345, 2 ** 32 - 1, 2 ** 32, 2 ** 48 + 3, Number.MAX_SAFE_INTEGER];
  assert.deepEqual(numbers.map((n) => parseWalFileName(walFileName(n))), numbers);
});

test("parseWalFileName: reads the Rust crate's names as written (leading zeros)", () => {
  assert.equal(parseWalFileName("wal-00000000000000000000"), 0);
  assert.equal(parseWalFileName("wal-00000000000000000017"), 17);
  assert.equal(parseWalFileName("wal-00000000001000000000"), 1_000_000_000);
});

test("parseWalFileName: rejects a wrong prefix", () => {
  for (
    const name of [
      "WAL-00000000000000000001",
      "wal_00000000000000000001",
      "log-00000000000000000001",
      "xwal-0000000000000000001",
      "wal000000000000000000001",
    ]
  ) {
    assert.equal(parseWalFileName(name), undefined, name);
  }
});

test("parseWalFileName: rejects a wrong length (not exactly 20 digits)", () => {
  for (
    const name of [
      "",
      "wal-",
      "wal-1",
      "wal-0000000000000000001", // 19 digits
      "wal-000000000000000000001", // 21 digits
      "wal-00000000000000000001.tmp",
      "wal-00000000000000000001 ",
    ]
  ) {
    assert.equal(parseWalFileName(name), undefined, JSON.stringify(name));
  }
});

test("parseWalFileName: rejects non-digit characters among the 20", () => {
  for (
    const name of [
      "wal-0000000000000000000a",
      "wal-000000000000000000-1",
      "wal-+0000000000000000001",
      "wal- 0000000000000000001",
      "wal-0000000000000000001.",
      "wal-0000000000000001e+3",
      "wal-0x000000000000000001",
      "wal-0000000000000000000\uff11", // FULLWIDTH DIGIT ONE
    ]
  ) {
    assert.equal(parseWalFileName(name), undefined, JSON.stringify(name));
  }
});

test("parseWalFileName: rejects u64 numbers above Number.MAX_SAFE_INTEGER", () => {
  assert.equal(parseWalFileName("wal-00009007199254740991"), Number.MAX_SAFE_INTEGER);
  for (
    const name of [
      "wal-00009007199254740992", // 2^53
      "wal-00009007199254740993", // 2^53 + 1 (would round to 2^53)
      "wal-18446744073709551615", // u64::MAX
      "wal-99999999999999999999",
    ]
  ) {
    assert.equal(parseWalFileName(name), undefined, name);
  }
});

test("isUnnumberableWalFileName: true for wal names the Rust crate reads (u64) above 2^53 - 1, and only those", () => {
  for (
    const name of [
      "wal-00009007199254740992", // 2^53
      "wal-18446744073709551615", // u64::MAX
    ]
  ) {
    assert.equal(isUnnumberableWalFileName(name), true, name);
  }
  for (
    const name of [
      "wal-00009007199254740991", // 2^53 - 1: an ordinary wal file
      "wal-00000000000000000000",
      "wal-18446744073709551616", // u64::MAX + 1: not a wal file for the crate either
      "wal-99999999999999999999",
      "wal-1844674407370955161x",
      "wal-018446744073709551615",
    ]
  ) {
    assert.equal(isUnnumberableWalFileName(name), false, name);
  }
});

test("joinPath: joins a directory and a file name with exactly one slash", () => {
  assert.equal(
    joinPath("/data/wal", "wal-00000000000000000000"),
    "/data/wal/wal-00000000000000000000",
  );
  assert.equal(
    joinPath("/data/wal/", "wal-00000000000000000000"),
    "/data/wal/wal-00000000000000000000",
  );
  assert.equal(joinPath("rel", "x"), "rel/x");
});
