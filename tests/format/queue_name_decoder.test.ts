/** Queue names read from record bytes: strict UTF-8, the last one remembered. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { QueueNameDecoder } from "../../src/format/queue_name_decoder.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

test("queue name decoder: decodes the name between start and end", () => {
  const names = new QueueNameDecoder();
  const record = new Uint8Array([9, 9, ...utf8("événements"), 9]);
  assert.equal(names.decode(record, 2, record.length - 1), "événements");
});

test("queue name decoder: the same name again, at another offset of another buffer, is the same string", () => {
  const names = new QueueNameDecoder();
  assert.equal(names.decode(utf8("xqueue"), 1, 6), "queue");
  assert.equal(names.decode(utf8("queuey"), 0, 5), "queue");
  assert.equal(names.decode(utf8("other"), 0, 5), "other");
  assert.equal(names.decode(utf8("queue"), 0, 5), "queue");
});

test("queue name decoder: bytes that are not UTF-8 give undefined and leave the last name in place", () => {
  const names = new QueueNameDecoder();
  assert.equal(names.decode(utf8("q"), 0, 1), "q");
  assert.equal(names.decode(new Uint8Array([0xc3, 0x28]), 0, 2), undefined);
  assert.equal(names.decode(new Uint8Array([0xff]), 0, 1), undefined);
  assert.equal(names.decode(utf8("q"), 0, 1), "q");
});

test("queue name decoder: an empty name is the empty string", () => {
  assert.equal(new QueueNameDecoder().decode(new Uint8Array(4), 2, 2), "");
});
