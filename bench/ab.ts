/**
 * A/B: this tree's library against another checkout's, in ONE process,
 * alternating iteration by iteration (ABBA order), so that a machine whose
 * speed drifts from minute to minute (this project's shared machines move by
 * 20-30%, at times 2x) slows both sides alike. Use it for before/after
 * figures; whole runs of `run_all.mjs` taken minutes apart cannot show a
 * change under about 30%.
 *
 *   deno run -A bench/ab.ts OTHER [open] [w0] [recovery]
 *   bun bench/ab.ts OTHER ...
 *   node npm/bench/ab.js OTHER ...        (both trees built: deno run -A scripts/build_npm.ts --no-test)
 *
 * OTHER is the other checkout (e.g. `git worktree add /tmp/before <commit>`,
 * with its node_modules linked to this one's); its `mod.ts` is loaded, or
 * its `npm/mod.js` on Node. Prints, per row, the medians of both and
 * other ÷ this (above 1: this tree is faster).
 *
 * Rows: `open` (a fresh directory; the reopen of an empty log), `w0` (the
 * crate's scope: open + create + 4 MiB of appends, 1 MiB under fsync),
 * `recovery` (the open of a 256 MiB log of 256 B records in 8 queues,
 * written once by this tree's library; BENCH_AB_RECOVERY_MIB sets the size).
 * Environment: BENCH_ITER (iterations per side, default 9), BENCH_DIR.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { MultiRecordLog, type OpenOptions } from "../mod.ts";
import { median, now, RUNTIME } from "./harness.ts";
import { CRATE_SCOPE, crateComboName } from "./workloads.ts";

interface Library {
  open(dir: string, options?: OpenOptions): Promise<MultiRecordLog>;
}

const [otherTree, ...chosen] = process.argv.slice(2);
if (otherTree === undefined) {
  console.error("usage: bench/ab.ts OTHER_TREE [open] [w0] [recovery]");
  process.exit(2);
}
const otherPath = resolve(otherTree, RUNTIME === "node" ? "npm/mod.js" : "mod.ts");
const other = (await import(pathToFileURL(otherPath).href)).MultiRecordLog as Library;
const mine: Library = MultiRecordLog;
const rows = chosen.length > 0 ? chosen : ["open", "w0", "recovery"];
const iterations = Number(process.env.BENCH_ITER ?? 9);
const base = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "mrl-ab-"));
let fresh = 0;
const freshDir = () => {
  const dir = join(base, `d${fresh++}`);
  mkdirSync(dir);
  return dir;
};

/** Times `run` on both libraries, alternating ABBA; prints the row. */
async function compare(
  name: string,
  unit: "ms" | "µs",
  run: (lib: Library) => Promise<number>,
): Promise<void> {
  const times: Record<"other" | "mine", number[]> = { other: [], mine: [] };
  for (let i = 0; i < iterations; i++) {
    const order = i % 2 === 0 ? (["other", "mine"] as const) : (["mine", "other"] as const);
    for (const side of order) times[side].push(await run(side === "other" ? other : mine));
  }
  const scale = unit === "µs" ? 1000 : 1;
  const a = median(times.other) * scale;
  const b = median(times.mine) * scale;
  console.log(
    `${name.padEnd(34)} other ${a.toFixed(2).padStart(9)} ${unit}  this ${
      b.toFixed(2).padStart(9)
    } ${unit}  other/this ${(a / b).toFixed(2)}`,
  );
}

try {
  console.log(`${RUNTIME}: this tree against ${otherPath}, median of ${iterations} per side`);
  if (rows.includes("open")) {
    await compare("open of a fresh directory", "µs", async (lib) => {
      const dir = freshDir();
      const t = now();
      const log = await lib.open(dir);
      const ms = now() - t;
      await log.close();
      return ms;
    });
    const empty = { other: freshDir(), mine: freshDir() };
    await (await other.open(empty.other)).close();
    await (await mine.open(empty.mine)).close();
    await compare("reopen of an empty log", "µs", async (lib) => {
      const t = now();
      const log = await lib.open(lib === other ? empty.other : empty.mine);
      const ms = now() - t;
      await log.close();
      return ms;
    });
  }
  if (rows.includes("w0")) {
    for (const combo of CRATE_SCOPE) {
      const payloads = Array.from({ length: combo.batch }, () => new Uint8Array(combo.record_size));
      const options: OpenOptions = combo.policy === "fsync"
        ? { persistPolicy: { kind: "always", action: "fsync" } }
        : {};
      await compare(crateComboName(combo), "ms", async (lib) => {
        const dir = freshDir();
        const t = now();
        const log = await lib.open(dir, options);
        await log.createQueue("q");
        for (
          let written = 0;
          written < combo.total_bytes;
          written += combo.batch * combo.record_size
        ) {
          await log.appendRecords("q", payloads);
        }
        const ms = now() - t;
        await log.close();
        rmSync(dir, { recursive: true, force: true });
        return ms;
      });
    }
  }
  if (rows.includes("recovery")) {
    const mib = Number(process.env.BENCH_AB_RECOVERY_MIB ?? 256);
    const dir = freshDir();
    const writer = await mine.open(dir, { persistPolicy: { kind: "never" } });
    const queues = Array.from({ length: 8 }, (_, i) => `queue-${i}`);
    for (const q of queues) await writer.createQueue(q);
    const batch = Array.from({ length: 16 }, () => new Uint8Array(256).fill(7));
    for (let written = 0, i = 0; written < mib * 1024 * 1024; i++, written += 16 * 256) {
      await writer.appendRecords(queues[i % 8], batch);
    }
    await writer.close();
    await compare(`recovery ${mib} MiB of 256 B records`, "ms", async (lib) => {
      const t = now();
      const log = await lib.open(dir);
      const ms = now() - t;
      await log.close();
      return ms;
    });
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
