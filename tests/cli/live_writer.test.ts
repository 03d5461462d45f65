/**
 * `mrl verify`, `dump` and `summary` against a directory whose writer
 * appends, truncates, collects and compacts meanwhile (in this process, and
 * in a child process): a wal file collected under the scan is treated as a
 * read-only open treats it (the records it held were truncated or copied
 * meanwhile), and every run completes with a correct report: no damage, no
 * exit 2, each queue contiguous with the right payloads up to at least what
 * was acknowledged before the run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { runMrl as mrl } from "../helpers/cli.ts";
import { livePayload, LiveWriter, LiveWriterProcess } from "../helpers/live_log.ts";
import { tempDir } from "../helpers/temp.ts";

type Acked = { quiet: number; busy: number };

/**
 * Runs verify, dump, summary and summary --json once each on `dir` and
 * checks them: `acked` was acknowledged before, `truncated()` is the highest
 * truncation of "busy" made (or about to be made) once a command is over.
 */
async function checkCommands(
  dir: string,
  acked: () => Promise<Acked>,
  truncated: () => Promise<number>,
  what: string,
): Promise<void> {
  const verify = await mrl(["verify", dir]);
  assert.deepEqual(
    { code: verify.code, err: verify.err },
    { code: 0, err: "" },
    `${what}: verify said ${verify.out}`,
  );
  assert.match(verify.out, /^\d+ file\(s\), \d+ record\(s\) replayed, no damage\n$/, what);

  const before = await acked();
  const dump = await mrl(["dump", dir]);
  const truncatedAfter = await truncated();
  assert.deepEqual({ code: dump.code, err: dump.err }, { code: 0, err: "" }, what);
  const queues = JSON.parse(dump.out).queues as Record<
    string,
    { last_position: number | null; records: [number, string][] }
  >;
  for (const queue of ["quiet", "busy"] as const) {
    const records = queues[queue].records;
    const positions = records.map(([p]) => p);
    const first = positions[0] ?? (queues[queue].last_position ?? -1) + 1;
    assert.deepEqual(positions, positions.map((_, i) => first + i), `${what}: ${queue} contiguous`);
    if (queue === "quiet") assert.equal(first, 0, `${what}: quiet starts at ${first}`);
    else assert.ok(first <= truncatedAfter + 1, `${what}: busy starts at ${first}`);
    const last = positions.at(-1) ?? first - 1;
    assert.ok(last >= before[queue], `${what}: ${queue} ends at ${last}, acked ${before[queue]}`);
    for (const [position, base64] of records) {
      assert.deepEqual(
        new Uint8Array(Buffer.from(base64, "base64")),
        livePayload(queue, position),
        `${what}: ${queue} at ${position}`,
      );
    }
  }

  const summary = await mrl(["summary", dir]);
  assert.deepEqual({ code: summary.code, err: summary.err }, { code: 0, err: "" }, what);
  assert.match(summary.out, /^quiet +0 +\d+ +\d+ +\d+ +\d+$/m, what);
  const json = await mrl(["summary", dir, "--json"]);
  assert.deepEqual({ code: json.code, err: json.err }, { code: 0, err: "" }, what);
  const parsed = JSON.parse(json.out);
  assert.equal(parsed.queues.quiet.first, 0, what);
  assert.equal(parsed.queues.quiet.records, parsed.queues.quiet.last + 1, what);
}

test("mrl verify, dump and summary while a writer in this process appends, truncates, collects and compacts: every run completes, correct, with no damage", async () => {
  const dir = await tempDir();
  try {
    const writer = await LiveWriter.start(dir.path);
    try {
      for (let round = 0; round < 20; round++) {
        await checkCommands(
          dir.path,
          () => Promise.resolve({ ...writer.acked }),
          () => Promise.resolve(writer.truncating),
          `round ${round}`,
        );
        // Each round against a directory the writer collected in since the last one.
        const seen = writer.collections;
        for (let turn = 0; turn < 5000 && writer.collections === seen; turn++) {
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
    } finally {
      await writer.stop();
    }
    assert.ok(
      writer.collections >= 20,
      `${writer.collections} collections while the commands ran`,
    );
  } finally {
    await dir.cleanup();
  }
});

test(
  "mrl verify, dump and summary while a writer process appends, truncates, collects and compacts: every run completes, correct, with no damage",
  { timeout: 120_000 },
  async () => {
    const dir = await tempDir();
    const writer = new LiveWriterProcess(dir.path);
    try {
      const start = await writer.started();
      for (let round = 0; round < 15; round++) {
        await checkCommands(
          dir.path,
          async () => (await writer.progress())!.acked,
          async () => (await writer.progress())!.truncating,
          `round ${round}`,
        );
      }
      const end = (await writer.progress())!;
      writer.assertRunning();
      assert.ok(end.acked.busy > start.acked.busy, "the writer wrote while the commands ran");
    } finally {
      await writer.kill();
      await dir.cleanup();
    }
  },
);
