/**
 * Child process of the ownership race tests (not a test itself). Reads
 * commands on stdin, one a line, and answers each on stdout:
 * - `open DIR ID`: opens the log in DIR for writing; as owner it appends ID to
 *   queue "owners" (fsynced) and answers `owner ID`, else `locked ID` (or
 *   `error ID MESSAGE`).
 * - `close`: closes the log it owns, if any, and answers `closed`.
 * It exits when stdin ends.
 */
import { writeSync } from "node:fs";
import process from "node:process";
import { createInterface } from "node:readline";
import { LogLockedError, MultiRecordLog } from "../../mod.ts";

let log: MultiRecordLog | undefined;

for await (const line of createInterface({ input: process.stdin })) {
  const [command, dir, id] = line.split(" ");
  if (command === "open") {
    try {
      log = await MultiRecordLog.open(dir, { persistPolicy: { kind: "always", action: "fsync" } });
      if (!log.listQueues().includes("owners")) await log.createQueue("owners");
      await log.appendRecord("owners", new TextEncoder().encode(id));
      writeSync(1, `owner ${id}\n`);
    } catch (err) {
      if (err instanceof LogLockedError) writeSync(1, `locked ${id}\n`);
      else writeSync(1, `error ${id} ${String(err).replaceAll("\n", " ")}\n`);
    }
  } else if (command === "close") {
    await log?.close();
    log = undefined;
    writeSync(1, "closed\n");
  }
}
await log?.close();
