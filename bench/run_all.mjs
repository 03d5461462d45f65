#!/usr/bin/env node
// `deno task bench`: runs the benchmarks on Deno, Bun and Node (the npm build,
// on the newest supported Node line), one after the other, then prints the
// tables and writes bench/results/all.json. Arguments name workloads (e.g.
// `w0 w3`; `w1` is an alias of w0); none runs them all, w0 first.
//
// w0 is the Rust crate's own append benchmark (its scope), w7 the open and
// the recovery (each runtime runs `$MRL_ORACLE fill` and `recover` itself,
// right after its own figure). When MRL_ORACLE
// names the `mrl-oracle` program, `$MRL_ORACLE bench N` measures the Rust
// crate in the same run (before ours), and the w0 table shows its MiB/s and,
// per runtime, ours with the ratio to it in brackets. Without MRL_ORACLE the
// table shows ours only. BENCH_ITER sets the iterations of both (default 9
// for w0).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// MRL_ORACLE may be a path relative to where this was started (or a name on PATH); the paths
// below are relative to the repository root.
const oracleEnv = process.env.MRL_ORACLE;
const oracle = oracleEnv?.includes("/") ? resolve(oracleEnv) : oracleEnv;
process.chdir(join(dirname(fileURLToPath(import.meta.url)), ".."));

const local = (...parts) => join("node_modules", ...parts);
const bin = (name) => (existsSync(local(".bin", name)) ? local(".bin", name) : name);

/** The newest supported Node line, installed by npm ci as the alias `node26` (see scripts/test.mjs). */
function newestNode() {
  for (const candidate of [local(".bin", "node26"), local("node26", "bin", "node")]) {
    if (existsSync(candidate)) return candidate;
  }
  console.warn(
    "warning: node_modules/node26 is missing (npm ci installs it): Node runs on the machine's `node`",
  );
  return "node";
}

/** "2.9.6" from "deno 2.9.6 (...)", "v26.12.1", "1.4.5". */
function versionOf(command) {
  const out = spawnSync(command, ["--version"], { encoding: "utf8" });
  return /(\d+\.\d+\.\d+)/.exec(out.stdout ?? "")?.[1] ?? "?";
}

const ALIASES = { w1: "w0" };
const DEFAULT = ["w0", "w2", "w3", "w4", "w6", "w7"];
// Each workload runs in a process of its own, so that memory figures start from a clean baseline.
const given = process.argv.slice(2).map((a) => ALIASES[a] ?? a);
const workloads = given.length > 0 ? [...new Set(given)] : DEFAULT;
const unknown = workloads.filter((w) => !DEFAULT.includes(w));
if (unknown.length > 0) {
  console.error(`unknown workload ${unknown.join(", ")}: use ${DEFAULT.join(", ")} (w1 = w0)`);
  process.exit(2);
}

const iterEnv = Number(process.env.BENCH_ITER);
const oracleIterations = Number.isInteger(iterEnv) && iterEnv > 0 ? iterEnv : 9;
if (oracle && !workloads.includes("w0") && !workloads.includes("w7")) {
  console.warn("note: MRL_ORACLE is only used by w0 and w7, which are not among the workloads");
}

const build = spawnSync(bin("deno"), ["run", "-A", "scripts/build_npm.ts", "--no-test"], {
  stdio: "inherit",
});
if (build.status !== 0) process.exit(1);

const node = newestNode();
const runs = [
  ["deno", [bin("deno"), "run", "-A", "--v8-flags=--expose-gc", "bench/run.ts"]],
  ["bun", [bin("bun"), "bench/run.ts"]],
  ["node", [node, "--expose-gc", "npm/bench/run.js"]],
];
const versions = Object.fromEntries(runs.map(([runtime, [command]]) => [
  runtime,
  versionOf(command),
]));
mkdirSync(join("bench", "results"), { recursive: true });
const loadBefore = loadavg();

/** The Rust crate's figures (`mrl-oracle bench N`, one JSON line per combo), or [] without MRL_ORACLE. */
function runOracle() {
  if (!oracle || !workloads.includes("w0")) return [];
  console.log(`\n===== rust (${oracle} bench ${oracleIterations}) =====`);
  const run = spawnSync(oracle, ["bench", String(oracleIterations)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (run.error || run.status !== 0) {
    console.error(`mrl-oracle failed: ${run.error?.message ?? `exit ${run.status}`}`);
    process.exit(1);
  }
  const lines = run.stdout.split("\n").filter((line) => line.trim() !== "");
  const rows = lines.map((line) => JSON.parse(line));
  for (const line of lines) console.log(line);
  if (rows.length === 0) {
    console.error("mrl-oracle printed no result");
    process.exit(1);
  }
  return rows;
}

const rust = runOracle();
const all = [];
for (const [runtime, [command, ...rest]] of runs) {
  for (const workload of workloads) {
    console.log(`\n===== ${runtime} ${versions[runtime]} ${workload} =====`);
    const out = join("bench", "results", `${runtime}-${workload}.json`);
    const run = spawnSync(command, [...rest, workload], {
      stdio: "inherit",
      env: { ...process.env, BENCH_OUT: out, ...(oracle ? { MRL_ORACLE: oracle } : {}) },
    });
    if (run.status !== 0) {
      console.error(`${runtime}: benchmark ${workload} failed (exit ${run.status})`);
      process.exit(1);
    }
    const results = JSON.parse(readFileSync(out, "utf8")).results;
    all.push(...results.map((r) => ({ ...r, version: versions[runtime] })));
  }
}
const loadAfter = loadavg();

const sameCombo = (a, b) =>
  a.policy === b.policy && a.record_size === b.record_size && a.batch === b.batch &&
  a.total_bytes === b.total_bytes;
const rustOf = (combo) => rust.find((r) => sameCombo(r, combo));
const round = (x) => (x >= 10 ? String(Math.round(x)) : x.toFixed(2));

// all.json: every result; the Rust rows as results of the runtime "rust"
// (median and max in MiB/s, from its median and min time), and ours with
// their ratio to it.
for (const r of all) {
  const reference = r.combo && rustOf(r.combo);
  if (reference) r.ratio_to_rust = Math.round((r.median / reference.mib_per_s) * 1000) / 1000;
}
const rustResults = rust.map((r) => ({
  runtime: "rust",
  workload: all.find((ours) => ours.combo && sameCombo(ours.combo, r))?.workload ??
    `w0 ${r.policy} ${r.record_size} B x${r.batch}`,
  unit: "MiB/s",
  median: Math.round(r.mib_per_s * 1000) / 1000,
  max: Math.round((r.total_bytes / 1048576 / r.min_s) * 1000) / 1000,
  samples: oracleIterations,
  note: "mrl-oracle bench",
  oracle: r,
}));
writeFileSync(
  join("bench", "results", "all.json"),
  JSON.stringify([...rustResults, ...all], null, 2),
);

/** Prints a Markdown table; the columns listed in `right` are aligned right (figures). */
const table = (header, rows, right) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const pad = (c, i) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]));
  const line = (cells) => "| " + cells.map(pad).join(" | ") + " |";
  const rule = (w, i) => (right.includes(i) ? "-".repeat(w - 1) + ":" : "-".repeat(w));
  console.log(line(header));
  console.log("| " + widths.map(rule).join(" | ") + " |");
  for (const row of rows) console.log(line(row));
};
const runtimes = runs.map(([runtime]) => runtime);
const heading = (runtime) => `${runtime[0].toUpperCase()}${runtime.slice(1)} ${versions[runtime]}`;

const w0 = all.filter((r) => r.combo && r.runtime === runtimes[0]);
if (w0.length > 0) {
  const withRust = rust.length > 0;
  console.log(
    `\nw0, the crate's scope: MiB/s, median of ${w0[0].samples}${
      withRust ? "; in brackets, the ratio to the Rust crate (mrl-oracle, same run)" : ""
    }\n`,
  );
  const rows = w0.map((row) => {
    const reference = rustOf(row.combo);
    const cells = runtimes.map((runtime) => {
      const ours = all.find((r) => r.runtime === runtime && r.workload === row.workload);
      if (!ours) return "";
      return reference
        ? `${round(ours.median)} (${(ours.median / reference.mib_per_s).toFixed(2)})`
        : round(ours.median);
    });
    return [
      row.workload.replace(/^w0 /, ""),
      ...(withRust ? [reference ? round(reference.mib_per_s) : ""] : []),
      ...cells,
    ];
  });
  const header = [
    "w0 policy, record, per append",
    ...(withRust ? ["Rust"] : []),
    ...runtimes.map(heading),
  ];
  table(header, rows, header.map((_, i) => i).slice(1));
}

// w0 against the bare writeSync floor of each runtime, measured in the same iterations.
if (w0.some((r) => r.floor !== undefined)) {
  console.log(
    "\nw0 against the bare writeSync floor of the same runtime (no library: the same bytes, one " +
      "write per append, measured alternately with ours): floor MiB/s; in brackets, ours ÷ floor\n",
  );
  const rows = w0.map((row) => [
    row.workload.replace(/^w0 /, ""),
    ...runtimes.map((runtime) => {
      const ours = all.find((r) => r.runtime === runtime && r.workload === row.workload);
      if (!ours?.floor) return "";
      return `${round(ours.floor)} (${(ours.median / ours.floor).toFixed(2)})`;
    }),
  ]);
  const header = ["w0 policy, record, per append", ...runtimes.map(heading)];
  table(header, rows, header.map((_, i) => i).slice(1));
}

// w7 with MRL_ORACLE: each runtime's figure beside the crate's, measured in the same process.
const w7 = all.filter((r) => r.rust !== undefined);
const w7Names = [...new Set(w7.map((r) => r.workload))];
if (w7Names.length > 0) {
  console.log(
    "\nw7, open and recovery: median; in brackets, the speed ratio to the Rust crate " +
      "(mrl-oracle recover, measured right after ours in the same process; > 1: faster)\n",
  );
  const rows = w7Names.map((w) => {
    const first = w7.find((r) => r.workload === w);
    const cells = runtimes.map((runtime) => {
      const ours = w7.find((r) => r.runtime === runtime && r.workload === w);
      if (!ours) return "";
      const speed = ours.unit === "µs" ? ours.rust / ours.median : ours.median / ours.rust;
      return `${round(ours.median)} (${speed.toFixed(2)})`;
    });
    return [w.replace(/^w7 /, ""), first.unit, round(first.rust), ...cells];
  });
  const header = ["w7 row", "unit", `Rust (beside ${runtimes[0]})`, ...runtimes.map(heading)];
  table(header, rows, header.map((_, i) => i).slice(2));
}

const others = all.filter((r) => !r.combo && r.rust === undefined);
const names = [...new Set(others.map((r) => r.workload))];
if (names.length > 0) {
  console.log("");
  table(
    ["workload", "unit", ...runtimes.map(heading), "note"],
    names.map((w) => {
      const any = others.find((r) => r.workload === w);
      const cell = (rt) =>
        String(others.find((r) => r.workload === w && r.runtime === rt)?.median ?? "");
      return [w, any.unit, ...runtimes.map(cell), any.note ?? ""];
    }),
    runtimes.map((_, i) => i + 2),
  );
}
const load = (l) => l.map((x) => x.toFixed(2)).join(" ");
console.log(
  `\nload average (1, 5, 15 min): ${load(loadBefore)} before, ${load(loadAfter)} after; ` +
    "written bench/results/all.json",
);
