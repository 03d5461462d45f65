/**
 * The file a record belongs to (docs/FORMAT.md, "Replay semantics": the file
 * in which reading stood when the record began, the Rust crate's rule) is
 * the same for the scan (`scanLog`, `mrl dump`) as for the library
 * (`summary().files`, which decides what garbage collection may delete).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog, type ScanEntry, scanLog } from "../../mod.ts";
import { copyWal, fixtureFileSize, fixtureNames } from "../helpers/fixtures.ts";
import { inTempDir } from "../helpers/temp.ts";

/** Payload bytes per wal file and queue, as "file queue bytes" lines (sorted). */
type Attribution = string[];

/** What the scan says: the surviving records, each with the file it reports. */
async function scanned(path: string, fileSize?: number): Promise<Attribution> {
  const bytes = new Map<string, number>();
  for await (const e of scanLog(path, { live: true, fileSize })) {
    if (e.kind !== "record") continue;
    const key = `${e.file} ${e.queue}`;
    bytes.set(key, (bytes.get(key) ?? 0) + e.payload.length);
  }
  return [...bytes].map(([key, n]) => `${key} ${n}`).sort();
}

/** What replay says: `summary().files`. */
async function replayed(path: string, fileSize?: number): Promise<Attribution> {
  const log = await MultiRecordLog.open(path, { fileSize, readOnly: true });
  try {
    const lines: string[] = [];
    for (const [file, { queues }] of Object.entries(log.summary().files)) {
      for (const [queue, n] of Object.entries(queues)) {
        if (n > 0) lines.push(`${file} ${queue} ${n}`);
      }
    }
    return lines.sort();
  } finally {
    await log.close();
  }
}

for (const name of await fixtureNames()) {
  test(`file attribution: the scan reports, for every record of Rust fixture ${name}, the file replay attributes it to`, async () => {
    await inTempDir(async (path) => {
      await copyWal(name, path);
      const fileSize = fixtureFileSize(name);
      const scan = await scanned(path, fileSize);
      assert.deepEqual(scan, await replayed(path, fileSize));
    });
  });
}

const FILE_SIZE = 4 * 32_768;

test("file attribution: a record whose first frame opens a file belongs to the file before, for the scan as for replay", async () => {
  await inTempDir(async (path) => {
    const log = await MultiRecordLog.open(path, { fileSize: FILE_SIZE });
    await log.createQueue("q"); // a 19-byte frame
    // One FULL frame filling the rest of block 0 (7 + 24 + payload), then one per block.
    await log.appendRecord("q", new Uint8Array(32_768 - 19 - 7 - 24));
    for (let i = 0; i < 3; i++) await log.appendRecord("q", new Uint8Array(32_768 - 7 - 24));
    await log.appendRecord("q", new Uint8Array(100)); // its frame opens wal-1, at offset 0
    await log.appendRecord("q", new Uint8Array(140_000)); // begins in wal-1, ends in wal-2
    await log.appendRecord("q", new Uint8Array(200)); // begins where that one ended, in wal-2
    await log.close();
    const entries: ScanEntry[] = [];
    for await (const e of scanLog(path, { fileSize: FILE_SIZE })) entries.push(e);
    const records = entries.filter((e) => e.kind === "record");
    assert.deepEqual(records.map((e) => [e.position, e.file, e.offset]), [
      [0, "wal-00000000000000000000", 19],
      [1, "wal-00000000000000000000", 32_768],
      [2, "wal-00000000000000000000", 65_536],
      [3, "wal-00000000000000000000", 98_304],
      [4, "wal-00000000000000000000", 0], // its first frame is at offset 0 of wal-1
      [5, "wal-00000000000000000001", 131],
      [6, "wal-00000000000000000002", 9_118],
    ]);
    assert.deepEqual(await scanned(path, FILE_SIZE), await replayed(path, FILE_SIZE));
    assert.deepEqual(await scanned(path, FILE_SIZE), [
      `wal-00000000000000000000 q ${32_768 - 50 + 3 * (32_768 - 31) + 100}`,
      "wal-00000000000000000001 q 140000",
      "wal-00000000000000000002 q 200",
    ]);
  });
});
