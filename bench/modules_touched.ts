/**
 * How many of the library's modules one operation runs code in: an open of
 * a log with one queue and one record, then one `appendRecord` (and, for
 * comparison, a second one in the same turn), measured with V8's precise
 * coverage (a module counts when any of its functions ran, its top level
 * excluded: module evaluation happens at import, before the measurement).
 *
 * Run on Node, on the npm build: `node npm/bench/modules_touched.js`
 * (after `deno run -A scripts/build_npm.ts --no-test`).
 */
import { Session } from "node:inspector/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MultiRecordLog } from "../mod.ts";

const tree = resolve(fileURLToPath(import.meta.url), "..", "..");
const session = new Session();
session.connect();
await session.post("Profiler.enable");

/** The library modules (below the tree, bench/ excluded) in which a function ran during `work`. */
async function touched(work: () => Promise<unknown>): Promise<string[]> {
  await session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: false });
  await session.post("Profiler.takePreciseCoverage"); // resets the counts
  await work();
  const { result } = await session.post("Profiler.takePreciseCoverage");
  await session.post("Profiler.stopPreciseCoverage");
  const names = new Set<string>();
  for (const script of result) {
    if (!script.url.startsWith("file:")) continue;
    const path = relative(tree, fileURLToPath(script.url));
    if (path.startsWith("..") || path.startsWith("bench") || path.includes("node_modules")) {
      continue;
    }
    // Function 0 is the module's top level; any other function that ran counts.
    if (script.functions.some((f, i) => i > 0 && f.ranges[0].count > 0)) names.add(path);
  }
  return [...names].sort();
}

const dir = mkdtempSync(join(tmpdir(), "mrl-modules-"));
try {
  const first = await MultiRecordLog.open(dir);
  await first.createQueue("q");
  await first.appendRecord("q", new Uint8Array(16));
  await first.close();
  let log!: MultiRecordLog;
  const open = await touched(async () => log = await MultiRecordLog.open(dir));
  const append = await touched(() => log.appendRecord("q", new Uint8Array(16)));
  const twoInOneTurn = await touched(() =>
    Promise.all([
      log.appendRecord("q", new Uint8Array(16)),
      log.appendRecord("q", new Uint8Array(16)),
    ])
  );
  await log.close();
  console.log(`open: ${open.length} modules\n  ${open.join("\n  ")}`);
  console.log(`one append: ${append.length} modules\n  ${append.join("\n  ")}`);
  console.log(`two appends in one turn: ${twoInOneTurn.length} modules`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
