/**
 * Quick start: create queues, append, truncate, close, reopen, and print
 * what came back from disk. Run it with `npm run example`
 * (or `deno run -A examples/quickstart.ts`).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MultiRecordLog } from "../mod.ts";

const dir = await mkdtemp(join(tmpdir(), "mrl-quickstart-"));
const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

// 1. Write: two queues sharing one log.
const log = await MultiRecordLog.open(dir);
await log.createQueue("orders");
await log.createQueue("clicks");
await log.appendRecords("orders", [encode("order #1"), encode("order #2"), encode("order #3")]);
await log.appendRecord("clicks", encode("click on /home"));
await log.appendRecord("clicks", encode("click on /cart"));

// 2. The first two orders were handed on: drop positions <= 1.
const { evictedRecords } = await log.truncate("orders", 1);
console.log(`truncated ${evictedRecords} orders`);
await log.close();

// 3. Reopen: everything comes back from the files on disk.
const reopened = await MultiRecordLog.open(dir);
for (const queue of reopened.listQueues()) {
  console.log(`queue ${queue} (last position ${reopened.lastPosition(queue)}):`);
  for (const { position, payload } of reopened.range(queue)) {
    console.log(`  ${position}: ${decode(payload)}`);
  }
}
// Appending continues where the queue left off.
const { lastPosition } = await reopened.appendRecord("orders", encode("order #4"));
console.log(`appended order #4 at position ${lastPosition}`);
await reopened.close();
await rm(dir, { recursive: true });
