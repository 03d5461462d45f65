/**
 * Crash tests with real processes: a child appends with the always/fsync (or
 * always/flush) policy and prints each acknowledged append; it is killed with
 * SIGKILL at seeded random moments. After each kill the log reopens with
 * every acknowledged record intact, each queue gap-free from its start, and
 * the next child continues at the right position.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { MultiRecordLog } from "../../mod.ts";
import { tempDir } from "../helpers/temp.ts";
import { prng } from "../helpers/model.ts";
import { CRASH_QUEUES, crashPayload } from "./crash_payload.ts";
import { scriptCommand, sibling } from "../helpers/run_script.ts";

const child = sibling(import.meta.url, "crash_child.ts");
const command = scriptCommand(child);

/** Runs the child until it has acknowledged something and `ms` more have passed, then SIGKILLs it. */
function runAndKill(
  dir: string,
  action: string,
  seed: number,
  ms: number,
  mode = "",
): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(command[0], [...command.slice(1), dir, action, String(seed), mode], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let armed = false;
    const guard = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      if (!armed && /\n(q\d|stream) \d+ \d+\n/.test("\n" + out)) {
        armed = true;
        setTimeout(() => proc.kill("SIGKILL"), ms);
      }
    });
    proc.stderr.on("data", (chunk) => (err += chunk));
    proc.on("error", reject);
    proc.on("close", (code, signal) => {
      clearTimeout(guard);
      if (signal !== "SIGKILL") reject(new Error(`child ended by itself (code ${code}): ${err}`));
      else {resolvePromise(
          out.split("\n").filter((line) => /^(q\d|quiet|stream) \d+ \d+$|^trunc -?\d+$/.test(line)),
        );}
    });
  });
}

async function crashRounds(
  action: "fsync" | "flush",
  seed: number,
  rounds: number,
  payloads: "memory" | "disk" = "memory",
): Promise<void> {
  const random = prng(seed);
  const dir = await tempDir();
  const acknowledged = new Map(CRASH_QUEUES.map((q) => [q, -1]));
  try {
    for (let round = 0; round < rounds; round++) {
      const acks = await runAndKill(
        dir.path,
        action,
        seed * 100 + round,
        10 + Math.floor(random() * 150),
        payloads === "disk" ? "disk" : "",
      );
      assert.ok(acks.length > 0, `round ${round}: the child acknowledged nothing`);
      for (const line of acks) {
        const [queue, first, count] = line.split(" ").map((x, i) => (i === 0 ? x : Number(x))) as [
          string,
          number,
          number,
        ];
        // Appending continues right after what the previous round left (and after this round's earlier appends).
        assert.equal(
          first,
          acknowledged.get(queue)! + 1,
          `round ${round}: ${queue} continued at the right position`,
        );
        acknowledged.set(queue, first + count - 1);
      }
      const log = await MultiRecordLog.open(dir.path, { fileSize: 32768 * 8, payloads });
      try {
        for (const queue of CRASH_QUEUES) {
          const records = [...log.range(queue)];
          const positions = records.map((r) => r.position);
          assert.deepEqual(
            positions,
            positions.map((_, i) => i),
            `round ${round}: ${queue} is gap-free from 0`,
          );
          assert.ok(
            positions.length - 1 >= acknowledged.get(queue)!,
            `round ${round}: ${queue} lost acknowledged records (has ${positions.length}, acknowledged up to ${
              acknowledged.get(queue)
            })`,
          );
          for (const r of records) assert.deepEqual(r.payload, crashPayload(queue, r.position));
          // Whatever survived beyond the acknowledgements is where the next child starts.
          acknowledged.set(queue, positions.length - 1);
        }
      } finally {
        await log.close();
      }
    }
  } finally {
    await dir.cleanup();
  }
}

test("crash: SIGKILL at random moments under always/fsync loses no acknowledged record (6 rounds)", async () => {
  await crashRounds("fsync", 11, 6);
});

test("crash: SIGKILL at random moments under always/flush loses no acknowledged record (6 rounds)", async () => {
  await crashRounds("flush", 23, 6);
});

test("crash (disk mode): SIGKILL at random moments under always/flush loses no acknowledged record, read back from the files (6 rounds)", async () => {
  await crashRounds("flush", 37, 6, "disk");
});

test("crash: SIGKILL while compaction relocates a quiet queue, round after round, loses nothing acknowledged (8 rounds)", async () => {
  const random = prng(37);
  const dir = await tempDir();
  let quietAcked = false;
  let streamNext = 0; // next stream position the previous rounds left
  let truncated = -1; // highest truncation asked for (it may have taken effect before the kill)
  try {
    for (let round = 0; round < 8; round++) {
      const acks = await runAndKill(
        dir.path,
        "fsync",
        900 + round,
        30 + Math.floor(random() * 200),
        "compaction",
      );
      for (const line of acks) {
        const [what, a, b] = line.split(" ");
        if (what === "quiet") quietAcked = true;
        else if (what === "trunc") truncated = Math.max(truncated, Number(a));
        else {
          assert.equal(
            Number(a),
            streamNext,
            `round ${round}: stream continued at the right position`,
          );
          streamNext = Number(a) + Number(b);
        }
      }
      const log = await MultiRecordLog.open(dir.path, { fileSize: 32768 * 2 });
      try {
        if (quietAcked) {
          assert.deepEqual([...log.range("quiet")].map((r) => [r.position, [...r.payload]]), [[0, [
            ...crashPayload("q9", 0),
          ]]]);
        }
        const stream = [...log.range("stream")];
        const positions = stream.map((r) => r.position);
        assert.ok(
          positions.length > 0 || streamNext === 0 || truncated >= streamNext - 1,
          `round ${round}: stream emptied`,
        );
        assert.deepEqual(
          positions,
          positions.map((_, i) => positions[0] + i),
          `round ${round}: stream is gap-free`,
        );
        for (let p = truncated + 1; p < streamNext; p++) {
          assert.ok(positions.includes(p), `round ${round}: acknowledged stream record ${p} lost`);
        }
        for (const r of stream) assert.deepEqual(r.payload, crashPayload("q8", r.position));
        streamNext = Math.max(streamNext, (log.lastPosition("stream") ?? -1) + 1);
      } finally {
        await log.close();
      }
    }
  } finally {
    await dir.cleanup();
  }
});
