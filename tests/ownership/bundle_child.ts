/**
 * Child of the bundling test (not a test itself): opens the log in the
 * directory named by the first argument (with `{ lock: false }` when the
 * second is "unlocked") and prints the lock it holds, or the error's code.
 */
import process from "node:process";
import { MultiRecordLog } from "../../mod.ts";

const [dir, mode] = process.argv.slice(2);
try {
  const log = await MultiRecordLog.open(dir, mode === "unlocked" ? { lock: false } : {});
  console.log(`lockKind ${log.lockKind}`);
  await log.close();
} catch (err) {
  console.log(`error ${(err as { code?: string }).code}`);
}
