/** The file-size rule: checking the option, and choosing from what the wal files show. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FileSizeMismatchError } from "../../mod.ts";
import {
  checkFileSize,
  chooseFileSize,
  MAX_FILE_SIZE,
  MIN_FILE_SIZE,
} from "../../src/wal/file_size.ts";

const BLOCK = 32768;
const MiB128 = 128 * 1024 * 1024;

test("checkFileSize: accepts multiples of 32768 from 32768 to 4 GiB", () => {
  assert.equal(MIN_FILE_SIZE, 32768);
  assert.equal(MAX_FILE_SIZE, 4294967296);
  for (const size of [BLOCK, 4 * BLOCK, MiB128, 2 ** 32 - BLOCK, 2 ** 32]) checkFileSize(size);
});

test("checkFileSize: refuses with a RangeError anything else, naming the value", () => {
  const bad: unknown[] = [0, -BLOCK, 1000, BLOCK + 1, 1.5 * BLOCK, NaN, Infinity, 2 ** 32 + BLOCK];
  for (const size of [...bad, 2 ** 40, "262144", null, 262144n]) {
    assert.throws(
      () => checkFileSize(size),
      (err: unknown) =>
        err instanceof RangeError &&
        err.message.startsWith("fileSize must be a multiple of 32768 from 32768 to 4294967296"),
      String(size),
    );
  }
});

test("chooseFileSize: without the option, a size some file shows is the largest file's size", () => {
  assert.equal(
    chooseFileSize("/d", { largest: 4 * BLOCK, largestFile: 3, known: true }, undefined),
    4 * BLOCK,
  );
});

test("chooseFileSize: without the option and no file showing a size, the default 128 MiB (or a larger file's size)", () => {
  assert.equal(chooseFileSize("/d", { largest: 0, largestFile: undefined, known: false }), MiB128);
  assert.equal(chooseFileSize("/d", { largest: 8 * BLOCK, largestFile: 0, known: false }), MiB128);
  assert.equal(
    chooseFileSize("/d", { largest: MiB128 + BLOCK, largestFile: 0, known: false }),
    MiB128 + BLOCK,
  );
});

test("chooseFileSize: an option at least as large as every file is taken as given", () => {
  const evidence = { largest: 4 * BLOCK, largestFile: 1, known: true };
  assert.equal(chooseFileSize("/d", evidence, 4 * BLOCK), 4 * BLOCK);
  assert.equal(chooseFileSize("/d", evidence, 8 * BLOCK), 8 * BLOCK);
});

test("chooseFileSize: an option smaller than a file is a FileSizeMismatchError with both sizes and the inferred one", () => {
  const err = (() => {
    try {
      chooseFileSize("/d", { largest: 4 * BLOCK, largestFile: 2, known: false }, 2 * BLOCK);
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof FileSizeMismatchError);
  assert.equal(err.dir, "/d");
  assert.equal(err.fileSize, 2 * BLOCK);
  assert.equal(err.file, "wal-00000000000000000002");
  assert.equal(err.fileSizeOnDisk, 4 * BLOCK);
  assert.equal(err.inferredFileSize, MiB128);
});
