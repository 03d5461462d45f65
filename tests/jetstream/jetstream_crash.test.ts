/**
 * shipToJetStream when the shipping process dies: a child ships a log to a
 * real `nats-server -js`, appending to it meanwhile, and is SIGKILLed at
 * seeded random moments, several rounds; a last child ships the rest. The stream then holds every record
 * exactly once, in position order (re-sent batches are dropped by the
 * stream's duplicate detection). Skipped when nats-server is not on the PATH.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { MultiRecordLog } from "../../mod.ts";
import { tempDir } from "../helpers/temp.ts";
import { prng } from "../helpers/model.ts";
import {
  connectTo,
  createStream,
  NatsServer,
  readStream,
  skipWithoutNats,
  streamMessages,
} from "./nats_server.ts";
import { assertEachOnceInOrder, payloads } from "./records.ts";
import { scriptCommand, sibling } from "../helpers/run_script.ts";

const child = sibling(import.meta.url, "jetstream_ship_child.ts");
const command = scriptCommand(child);

const PREFILLED = 3_000;
const ROUNDS = 5;

/**
 * Runs the child; with `killAfterMs`, SIGKILLs it that long after it acked
 * its first append and resolves with the last position it acked, else
 * resolves with its "done" line.
 */
function runChild(dir: string, port: number, killAfterMs?: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const mode = killAfterMs === undefined ? "finish" : "kill";
    const proc = spawn(command[0], [...command.slice(1), dir, String(port), mode], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const guard = setTimeout(() => proc.kill("SIGKILL"), 90_000);
    let armed = false;
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      if (killAfterMs !== undefined && !armed && /^acked \d+\n/m.test(out)) {
        armed = true;
        setTimeout(() => proc.kill("SIGKILL"), killAfterMs);
      }
    });
    proc.stderr.on("data", (chunk) => (err += chunk));
    proc.on("error", reject);
    proc.on("close", (code, signal) => {
      clearTimeout(guard);
      if (killAfterMs !== undefined && signal === "SIGKILL") {
        resolvePromise([...out.matchAll(/^acked (\d+)$/gm)].pop()?.[1] ?? "none");
      } else if (killAfterMs === undefined && code === 0) {
        resolvePromise(out.split("\n").find((line) => line.startsWith("done ")) ?? "");
      } else reject(new Error(`child ended with ${code ?? signal}: ${out}\n${err}`));
    });
  });
}

test(
  "jetstream (b): the shipper SIGKILLed at random moments, then restarted: each record once, in order",
  {
    skip: skipWithoutNats,
    timeout: 300_000,
  },
  async () => {
    const random = prng(16);
    const server = await NatsServer.start();
    const dir = await tempDir();
    const nc = await connectTo(server);
    try {
      await createStream(nc, "RECORDS", "records", 30_000);
      const log = await MultiRecordLog.open(dir.path);
      await log.createQueue("q");
      for (let first = 0; first < PREFILLED; first += 1_000) {
        await log.appendRecords("q", payloads(first, 1_000));
      }
      await log.close();

      let acked = PREFILLED - 1;
      for (let round = 0; round < ROUNDS; round++) {
        const last = await runChild(dir.path, server.port, 50 + Math.floor(random() * 400));
        assert.match(last, /^\d+$/, `round ${round}: the child acked no append`);
        assert.ok(Number(last) > acked, `round ${round}: acked ${last} after ${acked}`);
        acked = Number(last);
      }
      const done = await runChild(dir.path, server.port);
      assert.match(done, /^done \d+ \d+$/);

      // Every acked append survived the kills, and the stream holds the log's records up to its last.
      const reopened = await MultiRecordLog.open(dir.path);
      const records = reopened.lastPosition("q")! + 1;
      assert.ok(records > acked, `the log ends at ${records - 1}, ${acked} was acked`);
      assert.deepEqual([...reopened.range("q")], []);
      await reopened.close();
      assert.equal(await streamMessages(nc, "RECORDS"), records);
      assertEachOnceInOrder(await readStream(nc, "RECORDS"), records, "q");
    } finally {
      await nc.close().catch(() => {});
      await server.dispose();
      await dir.cleanup();
    }
  },
);
