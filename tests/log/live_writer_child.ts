/**
 * Child process of the read-only test (not a test itself): writes to the log
 * in DIR until killed, appending to "quiet" (never truncated: compaction
 * relocates it again and again) and "busy" (truncated to its last 3
 * records: its files are collected), and keeps PROGRESS, a JSON file
 * replaced atomically, up to date: `acked` (last positions whose appends
 * resolved, written after they resolve) and `truncating` (the truncation of
 * "busy" about to be made, written before it is made).
 */
import { renameSync, writeFileSync } from "node:fs";
import process from "node:process";
import { MultiRecordLog } from "../../mod.ts";
import { LIVE_FILE_SIZE, livePayload } from "../helpers/live_log.ts";

const [dir, progress] = process.argv.slice(2);
// Never outlive the test: stop when its end of stdin closes (it exited), or after two minutes.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
const deadline = Date.now() + 120_000;
const log = await MultiRecordLog.open(dir, {
  fileSize: LIVE_FILE_SIZE,
  compaction: { maxPinnedFiles: 1 },
});
await log.createQueue("quiet");
await log.createQueue("busy");
const acked = { quiet: -1, busy: -1 };
let truncating = -1;
const save = () => {
  writeFileSync(`${progress}.tmp`, JSON.stringify({ acked, truncating }));
  renameSync(`${progress}.tmp`, progress);
};
for (let i = 0; Date.now() < deadline; i++) {
  if (i % 8 === 0) {
    acked.quiet = (await log.appendRecord("quiet", livePayload("quiet", acked.quiet + 1)))
      .lastPosition!;
  }
  acked.busy = (await log.appendRecord("busy", livePayload("busy", acked.busy + 1))).lastPosition!;
  save();
  if (acked.busy >= 3) {
    truncating = acked.busy - 3;
    save();
    await log.truncate("busy", truncating);
  }
}
process.exit(0);
