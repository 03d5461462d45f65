/**
 * Helper for the cross-runtime test (not a test itself): run by Deno, Bun or
 * Node (compiled), it writes a log or dumps one as JSON.
 *
 *   roundtrip_tool write DIR NAME   writes the deterministic contents for NAME into DIR
 *   roundtrip_tool dump DIR [disk]  prints every queue as JSON on stdout (read in disk mode with "disk")
 */
import process from "node:process";
import { Buffer } from "node:buffer";
import { MultiRecordLog } from "../../mod.ts";

/** What `write` puts in a log, the same on every runtime. */
export async function writeContents(dir: string, name: string): Promise<void> {
  const log = await MultiRecordLog.open(dir, { fileSize: 32768 * 4 });
  const queues = [`${name}-small`, `${name}-日本語-🚀`, `${name}-big`];
  for (const queue of queues) await log.createQueue(queue);
  const encode = (text: string) => new TextEncoder().encode(text);
  for (let i = 0; i < 50; i++) await log.appendRecord(queues[0], encode(`${name} record ${i}`));
  await log.appendRecords(queues[1], [encode("ü"), new Uint8Array(0), encode("three")]);
  const big = new Uint8Array(200_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + name.length) & 0xff;
  await log.appendRecord(queues[2], big);
  await log.appendRecord(queues[2], encode("after big"), { position: 100 });
  await log.truncate(queues[0], 9);
  await log.close();
}

/** Every queue of the log in `dir`, as JSON-friendly data. */
export async function dumpContents(
  dir: string,
  payloads: "memory" | "disk" = "memory",
): Promise<Record<string, [number, string][]>> {
  const log = await MultiRecordLog.open(dir, { fileSize: 32768 * 4, payloads });
  const out: Record<string, [number, string][]> = {};
  for (const queue of log.listQueues().sort()) {
    out[queue] = [...log.range(queue)].map((
      r,
    ) => [r.position, Buffer.from(r.payload).toString("base64")]);
  }
  await log.close();
  return out;
}

const [command, dir, name] = process.argv.slice(2);
if (command === "write") {
  await writeContents(dir, name);
} else if (command === "dump") {
  process.stdout.write(
    JSON.stringify(await dumpContents(dir, name === "disk" ? "disk" : "memory")),
  );
} else if (command !== undefined) {
  console.error("usage: roundtrip_tool write DIR NAME | dump DIR");
  process.exit(2);
}
