/** Queue names read from record bytes: strict UTF-8, the last 32 distinct names remembered. */
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

test("queue name decoder: names of interleaved queues are decoded once each, however often they recur", () => {
  const names = new QueueNameDecoder();
  const records = Array.from({ length: 8 }, (_, q) => utf8(`xqueue-${q}`));
  for (let round = 0; round < 3; round++) {
    for (let q = 0; q < 8; q++) {
      assert.equal(names.decode(records[q], 1, records[q].length), `queue-${q}`);
    }
  }
  assert.equal(names.decodes, 8);
});

test("queue name decoder: past 32 distinct names the oldest is forgotten and decoded again, still right", () => {
  const names = new QueueNameDecoder();
  for (let q = 0; q < 33; q++) {
    assert.equal(names.decode(utf8(`q${q}`), 0, `q${q}`.length), `q${q}`);
  }
  assert.equal(names.decodes, 33);
  assert.equal(names.decode(utf8("q32"), 0, 3), "q32");
  assert.equal(names.decode(utf8("q1"), 0, 2), "q1");
  assert.equal(names.decodes, 33);
  assert.equal(names.decode(utf8("q0"), 0, 2), "q0");
  assert.equal(names.decodes, 34);
});

test("queue name decoder: a name that is a prefix of a remembered one is not taken for it", () => {
  const names = new QueueNameDecoder();
  assert.equal(names.decode(utf8("queue-10"), 0, 8), "queue-10");
  assert.equal(names.decode(utf8("queue-1"), 0, 7), "queue-1");
  assert.equal(names.decode(utf8("queue-10"), 0, 7), "queue-1");
  assert.equal(names.decodes, 2);
});
