/**
 * `mrl` at scale: builds a log of 2 GiB (8 queues, payloads of 100 B to
 * 16 KiB, batches of 32 records; queues 1 to 7 are truncated to keep about
 * their newest 100 MiB, queue 0 never is, so every wal file stays) and runs
 * `mrl verify`, `mrl dump > /dev/null`, `mrl read` (one queue) and
 * `mrl summary` on it on
 * Deno, Bun and Node, printing for each the median wall time of the runs
 * (3 by default), the throughput (log bytes / time) and the maximum
 * resident memory over the runs (from /usr/bin/time). Figures only;
 * nothing is asserted.
 *
 * Run: deno run -A bench/cli_scale.ts [DIR] [--gib N] [--runs N]
 * (builds DIR, default /tmp/mrl-scale, unless it already holds the log.
 * Node runs npm/src/cli/bin.js, or $MRL_NODE_BIN: build it first with
 * scripts/build_npm.ts --no-test.)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { MultiRecordLog } from "../mod.ts";
import { parseWalFileName } from "../src/wal/file_name.ts";

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { gib: { type: "string", default: "2" }, runs: { type: "string", default: "3" } },
  allowPositionals: true,
});
const dir = positionals[0] ?? "/tmp/mrl-scale";
const target = Number(values.gib) * 1024 ** 3;
const runs = Number(values.runs);
const root = new URL("..", import.meta.url).pathname;

function logBytes(): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).filter((n) => parseWalFileName(n) !== undefined).reduce(
    (sum, n) => sum + statSync(join(dir, n)).size,
    0,
  );
}

async function build(): Promise<void> {
  const log = await MultiRecordLog.open(dir, {
    persistPolicy: { kind: "never" },
    compaction: false,
  });
  const queues = Array.from({ length: 8 }, (_, i) => `queue-${i}`);
  for (const q of queues) if (!log.listQueues().includes(q)) await log.createQueue(q);
  const sizes = [100, 400, 1000, 3000, 16000];
  const payloads = sizes.map((s, i) => new Uint8Array(s).fill(97 + i));
  const written = new Map(queues.map((q) => [q, 0]));
  let bytes = 0;
  let step = 0;
  const keep = 100 * 1024 * 1024;
  const kept = new Map(queues.map((q) => [q, [] as [number, number][]]));
  while (bytes < target) {
    const q = queues[step % queues.length];
    const size = sizes[(step * 7 + (step >> 3)) % sizes.length];
    const batch = Array.from({ length: 32 }, () => payloads[sizes.indexOf(size)]);
    const { lastPosition } = await log.appendRecords(q, batch);
    bytes += 32 * (size + 12) + 20;
    const list = kept.get(q)!;
    list.push([lastPosition!, 32 * size]);
    written.set(q, written.get(q)! + 32 * size);
    if (q !== "queue-0" && written.get(q)! > keep) {
      let drop = 0;
      while (written.get(q)! - drop > keep && list.length > 1) drop += list.shift()![1];
      written.set(q, written.get(q)! - drop);
      await log.truncate(q, list[0][0] - 32);
    }
    step++;
  }
  await log.close();
}

if (logBytes() < target * 0.95) {
  const t0 = performance.now();
  await build();
  console.log(
    `built ${dir}: ${(logBytes() / 2 ** 30).toFixed(2)} GiB in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s`,
  );
}
const total = logBytes();
const runtimes: [string, string[]][] = [
  ["deno", [join(root, "node_modules/.bin/deno"), "run", "-A", join(root, "src/cli/bin.ts")]],
  ["bun", [join(root, "node_modules/.bin/bun"), join(root, "src/cli/bin.ts")]],
  ["node26", [
    join(root, "node_modules/node26/bin/node"),
    process.env.MRL_NODE_BIN ?? join(root, "npm/src/cli/bin.js"),
  ]],
];
const commands: [string, string[]][] = [
  ["verify", ["verify", dir]],
  ["dump", ["dump", dir]],
  ["read", ["read", dir, "queue-3", "--format", "base64"]],
  ["summary", ["summary", dir]],
];
console.log(`log: ${dir}, ${(total / 2 ** 30).toFixed(2)} GiB; median of ${runs} runs`);
console.log("runtime  command  exit  median s  MB/s (log bytes)  max RSS MiB");
for (const [runtime, command] of runtimes) {
  if (!existsSync(command[command.length - 1])) {
    console.log(`${runtime}: skipped (${command[command.length - 1]} missing)`);
    continue;
  }
  for (const [name, args] of commands) {
    const times: number[] = [];
    const rss: number[] = [];
    let code = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = spawnSync("/usr/bin/time", ["-f", "%M", ...command, ...args], {
        stdio: ["ignore", "ignore", "pipe"],
        maxBuffer: 1 << 26,
      });
      times.push((performance.now() - t0) / 1000);
      code = r.status ?? -1;
      const lines = r.stderr.toString().trim().split("\n");
      rss.push(Number(lines[lines.length - 1]) / 1024);
    }
    times.sort((a, b) => a - b);
    rss.sort((a, b) => a - b);
    const median = times[times.length >> 1];
    console.log(
      [
        runtime.padEnd(7),
        name.padEnd(7),
        String(code).padEnd(4),
        median.toFixed(2).padStart(8),
        (total / median / 1e6).toFixed(0).padStart(16),
        rss[rss.length - 1].toFixed(0).padStart(12),
      ]
        .join("  "),
    );
  }
}
