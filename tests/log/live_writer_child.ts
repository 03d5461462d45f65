/**
 * Child process of the live-writer tests (not a test itself): writes to the
 * log in DIR (tests/helpers/live_log.ts, LiveWriter) until its stdin closes
 * or two minutes pass, and keeps PROGRESS, a JSON file replaced atomically,
 * up to date: `acked` (last positions whose appends resolved, written after
 * they resolve) and `truncating` (the truncation of "busy" about to be made,
 * written before it is made).
 */
import { renameSync, writeFileSync } from "node:fs";
import process from "node:process";
import { LiveWriter } from "../helpers/live_log.ts";

const [dir, progress] = process.argv.slice(2);
// Never outlive the test: stop when its end of stdin closes (it exited), or after two minutes.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
const deadline = Date.now() + 120_000;
const save = ({ acked, truncating }: LiveWriter) => {
  writeFileSync(`${progress}.tmp`, JSON.stringify({ acked, truncating }));
  renameSync(`${progress}.tmp`, progress);
};
await (await LiveWriter.start(dir, save, () => Date.now() < deadline)).finished();
process.exit(0);
