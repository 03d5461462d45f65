/**
 * Child process of the crash test (not a test itself). Opens the log in DIR
 * with the given policy and appends to four queues concurrently, forever;
 * after each append resolves it writes "queue first count" to stdout,
 * synchronously, so that a SIGKILL loses no acknowledgement already printed.
 *
 *   crash_child DIR fsync|flush SEED            four queues appending
 *   crash_child DIR fsync|flush SEED compaction a quiet queue and a streaming one, small files,
 *                                               compaction as eager as it gets ("trunc P" before each truncation)
 */
import { writeSync } from "node:fs";
import process from "node:process";
import { MultiRecordLog } from "../../mod.ts";
import { CRASH_QUEUES, crashPayload } from "./crash_payload.ts";

const [dir, action, seedText, mode] = process.argv.slice(2);

const pause = new Int32Array(new SharedArrayBuffer(4));
/**
 * Prints a line synchronously. On a busy machine the parent may read its end of the pipe late;
 * a full pipe is EAGAIN (stdout is non-blocking), so wait a millisecond and try again.
 */
function say(line: string): void {
  for (;;) {
    try {
      writeSync(1, line);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "EAGAIN") throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
let seed = Number(seedText) | 1;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};

const persistPolicy = { kind: "always", action: action === "fsync" ? "fsync" : "flush" } as const;

if (mode === "compaction") {
  const log = await MultiRecordLog.open(dir, {
    persistPolicy,
    fileSize: 32768 * 2,
    compaction: { maxPinnedFiles: 1 },
  });
  for (const queue of ["quiet", "stream"]) {
    if (!log.queueExists(queue)) await log.createQueue(queue);
  }
  if (log.lastPosition("quiet") === undefined) {
    await log.appendRecord("quiet", crashPayload("q9", 0));
    say("quiet 0 1\n");
  }
  say("ready\n");
  let next = (log.lastPosition("stream") ?? -1) + 1;
  for (let i = 0;; i++) {
    const count = 1 + Math.floor(random() * 3);
    await log.appendRecords(
      "stream",
      Array.from({ length: count }, (_, j) => crashPayload("q8", next + j)),
    );
    say(`stream ${next} ${count}\n`);
    next += count;
    if (i % 4 === 3) {
      say(`trunc ${next - 6}\n`); // before the call: it may take effect even if killed now
      await log.truncate("stream", next - 6);
    }
  }
}

// mode "disk": payloads stay in the wal files (disk mode); the records written are the same.
const payloads = mode === "disk" ? "disk" : "memory";
const log = await MultiRecordLog.open(dir, { persistPolicy, fileSize: 32768 * 8, payloads });
for (const queue of CRASH_QUEUES) if (!log.queueExists(queue)) await log.createQueue(queue);
say("ready\n");

await Promise.all(CRASH_QUEUES.map(async (queue) => {
  let next = (log.lastPosition(queue) ?? -1) + 1;
  for (;;) {
    const count = 1 + Math.floor(random() * 3);
    const payloads = Array.from({ length: count }, (_, i) => crashPayload(queue, next + i));
    await log.appendRecords(queue, payloads);
    say(`${queue} ${next} ${count}\n`);
    next += count;
  }
}));
