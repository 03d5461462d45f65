/** The checks of what users pass (validate.ts): each refusal is an InvalidArgumentError naming the argument. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../mod.ts";
import { checkFileSize, MAX_FILE_SIZE, MIN_FILE_SIZE } from "../../src/validate.ts";

const BLOCK = 32768;
const MiB128 = 128 * 1024 * 1024;

test("checkFileSize: accepts multiples of 32768 from 32768 to 4 GiB", () => {
  assert.equal(MIN_FILE_SIZE, 32768);
  assert.equal(MAX_FILE_SIZE, 4294967296);
  for (const size of [BLOCK, 4 * BLOCK, MiB128, 2 ** 32 - BLOCK, 2 ** 32]) checkFileSize(size);
});

test("checkFileSize: refuses anything else with an InvalidArgumentError naming fileSize and the value", () => {
  const bad: unknown[] = [0, -BLOCK, 1000, BLOCK + 1, 1.5 * BLOCK, NaN, Infinity, 2 ** 32 + BLOCK];
  for (const size of [...bad, 2 ** 40, "262144", null, 262144n]) {
    assert.throws(
      () => checkFileSize(size),
      (err: unknown) =>
        err instanceof InvalidArgumentError && err.code === "INVALID_ARGUMENT" &&
        err.argument === "fileSize" && err.kind === (typeof size === "number" ? "range" : "type") &&
        err.message.startsWith("fileSize must be a multiple of 32768 from 32768 to 4294967296"),
      String(size),
    );
  }
});
