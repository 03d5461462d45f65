/**
 * Child process of the crash test (not a test itself). Opens the log in DIR
 * with the given policy and appends to four queues concurrently, forever;
 * after each append resolves it writes "queue first count" to stdout,
 * synchronously, so that a SIGKILL loses no acknowledgement already printed.
 *
 *   crash_child DIR fsync|flush SEED
 */
import { writeSync } from "node:fs";
import process from "node:process";
import { MultiRecordLog } from "../../mod.ts";
import { CRASH_QUEUES, crashPayload } from "./crash_payload.ts";

const [dir, action, seedText] = process.argv.slice(2);
let seed = Number(seedText) | 1;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};

const log = await MultiRecordLog.open(dir, {
  persistPolicy: { kind: "always", action: action === "fsync" ? "fsync" : "flush" },
  fileSize: 32768 * 8,
});
for (const queue of CRASH_QUEUES) if (!log.queueExists(queue)) await log.createQueue(queue);
writeSync(1, "ready\n");

await Promise.all(CRASH_QUEUES.map(async (queue) => {
  let next = (log.lastPosition(queue) ?? -1) + 1;
  for (;;) {
    const count = 1 + Math.floor(random() * 3);
    const payloads = Array.from({ length: count }, (_, i) => crashPayload(queue, next + i));
    await log.appendRecords(queue, payloads);
    writeSync(1, `${queue} ${next} ${count}\n`);
    next += count;
  }
}));
