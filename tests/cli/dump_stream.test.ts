/**
 * `mrl dump` streams: the document it writes is the one built from the log
 * as an open loads it, whatever the batches its queues are read in.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { MultiRecordLog } from "../../mod.ts";
import { writeDump } from "../../src/cli/dump.ts";
import { ScanSession } from "../../src/scan/session.ts";
import { tempDir } from "../helpers/temp.ts";

/** The document as `JSON.stringify({ queues }, null, 1)` gives it, from an open log. */
async function expectedDump(dir: string): Promise<string> {
  const log = await MultiRecordLog.open(dir, { readOnly: true });
  try {
    const queues: Record<string, { last_position: number | null; records: [number, string][] }> =
      {};
    for (const name of log.listQueues().sort()) {
      queues[name] = {
        last_position: log.lastPosition(name) ?? null,
        records: [...log.range(name)].map((r) => [
          r.position,
          Buffer.from(r.payload).toString("base64"),
        ]),
      };
    }
    return JSON.stringify({ queues }, null, 1) + "\n";
  } finally {
    await log.close();
  }
}

async function dumpWith(dir: string, bufferBytes: number): Promise<string> {
  const session = await ScanSession.open(dir, {}, { firstPass: true });
  const chunks: string[] = [];
  try {
    await writeDump(session, {
      out: (t) => {
        chunks.push(typeof t === "string" ? t : new TextDecoder().decode(t));
      },
      err: () => {},
      isTty: false,
    }, bufferBytes);
  } finally {
    await session.close();
  }
  return chunks.join("");
}

/** A log of 6 queues over many small files: truncations, a deletion, a re-creation, jumps, a queue emptied. */
async function writeMixedLog(dir: string): Promise<void> {
  const log = await MultiRecordLog.open(dir, { fileSize: 2 * 32768, compaction: false });
  const names = ["a", "b", "c", "d", "é", "empty"];
  for (const q of names) await log.createQueue(q);
  for (let i = 0; i < 400; i++) {
    const q = names[i % 5];
    const size = (i * 37) % 3000;
    await log.appendRecords(q, [new Uint8Array(size).fill(i & 0xff), new Uint8Array(3).fill(i)]);
    if (i === 120) await log.truncate("a", 30);
    if (i === 200) {
      await log.deleteQueue("c");
      await log.createQueue("c");
    }
    if (i === 250) await log.appendRecord("d", new Uint8Array([1]), { position: 1000 });
    if (i === 300) await log.truncate("b", 10_000);
  }
  await log.appendRecord("empty", new Uint8Array([7]));
  await log.truncate("empty", 0);
  await log.close();
}

test("mrl dump: the streamed document equals the one built from the open log, in one batch or one queue a batch", async () => {
  const dir = await tempDir();
  try {
    await writeMixedLog(dir.path);
    const expected = await expectedDump(dir.path);
    assert.equal(await dumpWith(dir.path, 64 * 1024 * 1024), expected);
    assert.equal(await dumpWith(dir.path, 1), expected);
    assert.equal(await dumpWith(dir.path, 300_000), expected);
  } finally {
    await dir.cleanup();
  }
});

test("mrl dump: a log without queues dumps an empty queues object", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("q");
    await log.deleteQueue("q");
    await log.close();
    assert.equal(await dumpWith(dir.path, 1), '{\n "queues": {}\n}\n');
    assert.equal(await expectedDump(dir.path), '{\n "queues": {}\n}\n');
  } finally {
    await dir.cleanup();
  }
});
