/** The disk payload store: refs say where payloads lie, and reads go to its source. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DiskPayloads, MAX_FILES_SPANNED } from "../../src/memory/disk_payloads.ts";

/** A store whose source records what it is asked for and answers with `length` bytes of 7. */
function store(): { payloads: DiskPayloads; asked: [number, number, number][] } {
  const asked: [number, number, number][] = [];
  const payloads = new DiskPayloads({
    read(file, offset, length) {
      asked.push([file, offset, length]);
      return new Uint8Array(length).fill(7);
    },
  });
  return { payloads, asked };
}

test("disk payloads: a ref reads back the file and offset it was stored with", () => {
  const { payloads, asked } = store();
  const refs = new Float64Array(3);
  const located = {
    files: new Float64Array([0, 3, 3]),
    offsets: new Float64Array([17, 0, 4_294_967_295 - 10]),
  };
  payloads.appendAll(
    [new Uint8Array(5), new Uint8Array(1), new Uint8Array(10)],
    0,
    3,
    refs,
    0,
    located,
  );
  assert.deepEqual(payloads.payload(refs[0], 5, 0), new Uint8Array(5).fill(7));
  payloads.payload(refs[1], 1, 0);
  payloads.payload(refs[2], 10, 2);
  assert.deepEqual(asked, [[0, 17, 5], [3, 0, 1], [3, 4_294_967_285, 10]]);
});

test("disk payloads: files past 2^21 are found again from the queue's oldest file", () => {
  const { payloads, asked } = store();
  const first = MAX_FILES_SPANNED - 3;
  const files = [first, MAX_FILES_SPANNED - 1, MAX_FILES_SPANNED, MAX_FILES_SPANNED + 5];
  const located = { files: new Float64Array(files), offsets: new Float64Array([1, 2, 3, 4]) };
  const refs = new Float64Array(4);
  payloads.appendRanges(
    new Uint8Array(0),
    new Float64Array(4),
    new Uint32Array(4),
    0,
    4,
    refs,
    0,
    located,
  );
  for (const ref of refs) payloads.payload(ref, 1, first);
  assert.deepEqual(asked.map(([file]) => file), files);
  // The same refs, when the oldest file is one 2^21 files later (the queue moved on).
  asked.length = 0;
  payloads.payload(refs[3], 1, MAX_FILES_SPANNED + 4);
  assert.deepEqual(asked, [[MAX_FILES_SPANNED + 5, 4, 1]]);
});

test("disk payloads: an empty payload reads nothing, and moved payloads get their new refs", () => {
  const { payloads, asked } = store();
  const refs = new Float64Array(2);
  payloads.appendAll(
    [new Uint8Array(0), new Uint8Array(3)],
    0,
    2,
    refs,
    0,
    { files: new Float64Array([-1, 4]), offsets: new Float64Array([-1, 100]) },
  );
  assert.equal(payloads.payload(refs[0], 0, 4).length, 0);
  payloads.moved(0, 2, refs, 0, {
    files: new Float64Array([-1, 9]),
    offsets: new Float64Array([-1, 7]),
  });
  payloads.payload(refs[1], 3, 9);
  assert.deepEqual(asked, [[9, 7, 3]]);
  assert.equal(payloads.inMemory, false);
  assert.equal(payloads.allocatedBytes, 0);
});
