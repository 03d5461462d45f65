/** The file-size rule: choosing from what the wal files show (the option is checked in validate.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FileSizeMismatchError } from "../../mod.ts";
import { chooseFileSize } from "../../src/wal/file_size.ts";

const BLOCK = 32768;
const MiB128 = 128 * 1024 * 1024;

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
