/**
 * Child process of the ownership test (not a test itself): opens the log in
 * DIR, prints "ready", and holds it until killed.
 */
import { writeSync } from "node:fs";
import process from "node:process";
import { MultiRecordLog } from "../../mod.ts";

const log = await MultiRecordLog.open(process.argv[2]);
writeSync(1, `ready ${process.pid}\n`);
setInterval(() => log.listQueues(), 1000);
