/**
 * The JetStream sink's batch publishing, seen through a recording publisher
 * (the behaviour against a real server is in jetstream*.test.ts): pipelined
 * publishes, acks awaited together, duplicates counted, failures reported
 * once the whole batch settled.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { JetStreamAck, JetStreamPublisher } from "../../jetstream.ts";
import { publishBatch } from "../../src/jetstream/sink.ts";
import { payloads } from "./records.ts";

interface PendingAck {
  resolve(ack: JetStreamAck): void;
  reject(err: unknown): void;
}

/** A publisher that records each publish and leaves its ack to the test. */
function recordingPublisher() {
  const calls: { subject: string; msgID: string; ack: PendingAck }[] = [];
  const js: JetStreamPublisher = {
    publish(subject, _payload, { msgID }) {
      return new Promise<JetStreamAck>((resolve, reject) => {
        calls.push({ subject, msgID, ack: { resolve, reject } });
      });
    },
  };
  return { js, calls };
}

const records = (first: number, count: number) =>
  payloads(first, count).map((payload, i) => ({ position: first + i, payload }));

test("jetstream sink: every publish of a batch goes out before any ack arrives, with its message id", async () => {
  const { js, calls } = recordingPublisher();
  const batch = publishBatch(js, "orders", "orders-v2", records(40, 3));
  assert.deepEqual(calls.map(({ subject, msgID }) => [subject, msgID]), [
    ["orders", "orders-v2:40"],
    ["orders", "orders-v2:41"],
    ["orders", "orders-v2:42"],
  ]);
  calls[2].ack.resolve({ duplicate: true });
  calls[0].ack.resolve({ duplicate: false });
  calls[1].ack.resolve({ duplicate: true });
  assert.equal(await batch, 2);
});

test("jetstream sink: a failed ack rejects the batch only once every ack settled", async () => {
  const { js, calls } = recordingPublisher();
  let settled = false;
  const batch = publishBatch(js, "s", "q", records(0, 3)).finally(() => (settled = true));
  batch.catch(() => {});
  calls[0].ack.reject(new Error("timeout 0"));
  calls[1].ack.reject(new Error("timeout 1"));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(settled, false);
  calls[2].ack.resolve({ duplicate: false });
  await assert.rejects(batch, { message: "timeout 0" });
});

test("jetstream sink: an empty batch publishes nothing and resolves with no duplicates", async () => {
  const { js, calls } = recordingPublisher();
  assert.equal(await publishBatch(js, "s", "q", []), 0);
  assert.deepEqual(calls, []);
});
