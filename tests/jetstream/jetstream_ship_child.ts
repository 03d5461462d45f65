/**
 * Child process of the JetStream crash test (not a test itself): opens the
 * log in DIR and ships its queue "q" to the stream on subject "records" of
 * the nats-server on 127.0.0.1:PORT, in batches of 100. Prints "ready" once
 * connected. With MODE "finish" it stops once the queue is empty, prints
 * "done RECORDS DUPLICATES" and exits; with "kill" it also appends records
 * (20 at a time, the payloads of their positions) until killed, printing
 * "acked LAST" after each append resolved.
 */
import process from "node:process";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { MultiRecordLog } from "../../mod.ts";
import { shipToJetStream } from "../../jetstream.ts";
import { payloads } from "./records.ts";

const [dir, port, mode] = process.argv.slice(2);
// Never outlive the test: stop when its end of stdin closes (it exited), or after two minutes.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(3), 120_000).unref();

const log = await MultiRecordLog.open(dir);
const nc = await connect({ servers: `127.0.0.1:${port}` });
const js = jetstream(nc, { timeout: 30_000 });
const stop = new AbortController();
const shipping = shipToJetStream(log, "q", js, {
  subject: "records",
  signal: stop.signal,
  maxBatch: 100,
});
process.stdout.write("ready\n");
if (mode === "finish") {
  while (log.range("q").next().done !== true) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  stop.abort();
  const { records, duplicates } = await shipping;
  await log.close();
  await nc.close();
  process.stdout.write(`done ${records} ${duplicates}\n`);
  process.exit(0);
}
for (;;) {
  const first = (log.lastPosition("q") ?? -1) + 1;
  const { lastPosition } = await log.appendRecords("q", payloads(first, 20));
  process.stdout.write(`acked ${lastPosition}\n`);
  await new Promise((resolve) => setTimeout(resolve, 2));
}
