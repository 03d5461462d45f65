/**
 * Child process of the persist tests (not a test itself): opens the log in
 * DIR with an interval policy whose timer is armed for a minute, appends one
 * record, prints "appended" and returns without closing. The timer must not
 * keep the process alive: it should exit at once.
 */
import process from "node:process";
import { MultiRecordLog } from "../../mod.ts";

const [dir] = process.argv.slice(2);
const log = await MultiRecordLog.open(dir, {
  persistPolicy: { kind: "interval", intervalMs: 60_000, action: "flush", timer: true },
});
await log.createQueue("q");
await log.appendRecord("q", new Uint8Array([1]));
console.log("appended");
