/**
 * `mrl`: inspects a log directory (also ones Quickwit's Rust crate wrote),
 * always read-only.
 *
 *   mrl summary DIR                     queues, then wal files
 *   mrl read DIR QUEUE [--start N] [--end N] [--format text|json|base64]
 *   mrl dump DIR                        every queue as one JSON document
 *   mrl verify DIR                      damaged spots; exit 0 clean, 1 damaged, 2 unusable
 *
 * Every command takes --file-size N (bytes per wal file; by default worked out
 * from the wal files as `MultiRecordLog.open` does without `fileSize`: needed
 * only for a log whose single file may have been cut short) and --help.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { MrlError, MultiRecordLog, type RecoveryIssue } from "../../mod.ts";
import { integerOption, parseArgs, type Parsed, UsageError } from "./args.ts";
import { scanFiles } from "./files.ts";
import type { CliIo } from "./io.ts";

interface Command {
  usage: string;
  help: string;
  options: readonly string[];
  positionals: number;
  run(parsed: Parsed, io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  summary: {
    usage: "mrl summary DIR [--file-size N]",
    help: "Lists the queues (first and last position, records, bytes, oldest wal file),\n" +
      "then the wal files: size, how many 32 KiB blocks hold data, and which queues\n" +
      "retain records written in it (they keep it from being deleted), with their bytes.",
    options: ["file-size"],
    positionals: 1,
    run: summary,
  },
  read: {
    usage: "mrl read DIR QUEUE [--start N] [--end N] [--format text|json|base64] [--file-size N]",
    help: "Prints the records of QUEUE with start <= position < end, one a line:\n" +
      '  text    "POSITION PAYLOAD" (payload as UTF-8, newlines escaped)\n' +
      '  json    {"position":N,"payload":"<base64>"}\n' +
      '  base64  "POSITION <base64>"',
    options: ["start", "end", "format", "file-size"],
    positionals: 2,
    run: read,
  },
  dump: {
    usage: "mrl dump DIR [--file-size N]",
    help: 'Prints one JSON document: {"queues": {NAME: {"last_position": N|null,\n' +
      '"records": [[position, base64], ...]}}}, queue names sorted.',
    options: ["file-size"],
    positionals: 1,
    run: dump,
  },
  verify: {
    usage: "mrl verify DIR [--file-size N]",
    help: "Scans every wal file and reports each damaged spot (file, offset, what is\n" +
      "wrong, what is lost), data after the end of the log and in partial blocks\n" +
      "included (replay does not read it). Exit status: 0 clean, 1 damaged, 2 unusable.",
    options: ["file-size"],
    positionals: 1,
    run: verify,
  },
};

const USAGE = "usage: mrl summary|read|dump|verify DIR [...] [--file-size N] (mrl COMMAND --help)";

/** Runs `mrl` with `args`; resolves to the exit status. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(`${USAGE}\n\n${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join("\n")}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`mrl: unknown command ${JSON.stringify(name)}\n${USAGE}\n`);
    return 2;
  }
  let parsed: Parsed;
  try {
    parsed = parseArgs(rest, command.options);
    if (parsed.help) {
      io.out(`usage: ${command.usage}\n\n${command.help}\n`);
      return 0;
    }
    if (parsed.positionals.length !== command.positionals) {
      throw new UsageError(
        `expected ${command.positionals} argument(s), got ${parsed.positionals.length}`,
      );
    }
    integerOption(parsed, "file-size");
    return await command.run(parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`mrl ${name}: ${err.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    if (err instanceof MrlError || err instanceof RangeError) {
      io.err(`mrl ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function openLog(parsed: Parsed): Promise<MultiRecordLog> {
  return MultiRecordLog.open(parsed.positionals[0], {
    readOnly: true,
    fileSize: integerOption(parsed, "file-size"),
  });
}

async function summary(parsed: Parsed, io: CliIo): Promise<number> {
  const log = await openLog(parsed);
  try {
    const rows = [["queue", "first", "last", "records", "bytes", "oldest file"]];
    const queues = log.summary().queues;
    for (const name of Object.keys(queues).sort()) {
      let records = 0;
      let bytes = 0;
      for (const r of log.range(name)) {
        records++;
        bytes += r.payload.length;
      }
      const q = queues[name];
      rows.push([
        name,
        records === 0 ? "-" : String(q.start),
        String(log.lastPosition(name) ?? "-"),
        String(records),
        String(bytes),
        q.fileNumber === undefined ? "-" : String(q.fileNumber),
      ]);
    }
    io.out(table(rows));
    // Queues whose positions a number cannot name (PositionOutOfRangeError): named, not read.
    for (const name of log.listQueues().filter((n) => !Object.hasOwn(queues, n)).sort()) {
      try {
        log.range(name);
      } catch (err) {
        io.out(`${name}: ${(err as Error).message}\n`);
      }
    }
    const files = await scanFiles(parsed.positionals[0], io);
    const pins = log.summary().files;
    const fileRows = [["file", "size", "blocks with data", "retained by (queue: bytes)"]];
    for (const f of files) {
      const retained = Object.entries(pins[f.name]?.queues ?? {})
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([queue, bytes]) => `${queue}: ${bytes}`);
      fileRows.push([
        f.name,
        String(f.size),
        `${f.blocksWithData} of ${f.blocks}`,
        retained.join(", ") || "-",
      ]);
    }
    io.out("\n" + table(fileRows));
    return 0;
  } finally {
    await log.close();
  }
}

async function read(parsed: Parsed, io: CliIo): Promise<number> {
  const format = parsed.options.get("format") ?? "text";
  if (!["text", "json", "base64"].includes(format)) {
    throw new UsageError(`--format must be text, json or base64, got ${JSON.stringify(format)}`);
  }
  const start = integerOption(parsed, "start");
  const end = integerOption(parsed, "end", 2 ** 53); // exclusive: 2^53 reaches the record at 2^53 - 1
  const log = await openLog(parsed);
  try {
    const decoder = new TextDecoder();
    const lines: string[] = [];
    for (const { position, payload } of log.range(parsed.positionals[1], { start, end })) {
      const base64 = () =>
        Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("base64");
      if (format === "json") lines.push(JSON.stringify({ position, payload: base64() }));
      else if (format === "base64") lines.push(`${position} ${base64()}`);
      else {lines.push(
          `${position} ${decoder.decode(payload).replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}`,
        );}
      if (lines.length >= 1024) io.out(lines.splice(0).join("\n") + "\n");
    }
    if (lines.length > 0) io.out(lines.join("\n") + "\n");
    return 0;
  } finally {
    await log.close();
  }
}

async function dump(parsed: Parsed, io: CliIo): Promise<number> {
  const log = await openLog(parsed);
  try {
    const queues: Record<string, { last_position: number | null; records: [number, string][] }> =
      {};
    for (const name of log.listQueues().sort()) {
      queues[name] = {
        last_position: log.lastPosition(name) ?? null,
        records: [...log.range(name)].map((r) => [
          r.position,
          Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength).toString(
            "base64",
          ),
        ]),
      };
    }
    io.out(JSON.stringify({ queues }, null, 1) + "\n");
    return 0;
  } finally {
    await log.close();
  }
}

const LOST: Record<string, string> = {
  "bad-frame": "bad frame header: the rest of its 32 KiB block is skipped, with the records in it",
  "bad-checksum": "checksum mismatch: one frame dropped, and the record it belongs to",
  "unterminated-record": "record cut short: 1 record dropped",
  "orphan-frame": "frame of a record whose start is lost: that record is dropped",
  "malformed-record": "record does not decode: 1 record dropped",
  "position-in-past": "append below its queue's position: the queue was reset to the newer records",
};

/** What a damaged spot means, in words. */
function describe(issue: RecoveryIssue): string {
  if (issue.reason !== "bytes-after-end" && issue.reason !== "partial-block") {
    return LOST[issue.reason];
  }
  const what = issue.reason === "bytes-after-end"
    ? `${issue.bytes} byte(s) of data after the end of the log`
    : `${issue.bytes} byte(s) of data in a partial block (the file was cut inside a block)`;
  const kept = issue.salvageFile === undefined
    ? "a writable open keeps them in a salvage file"
    : `kept in ${issue.salvageFile}`;
  return `${what}, ${issue.frames} frame(s) with a good checksum: not replayed (${kept})`;
}

async function verify(parsed: Parsed, io: CliIo): Promise<number> {
  let log: MultiRecordLog;
  try {
    log = await openLog(parsed);
  } catch (err) {
    io.out(`unusable: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    await scanFiles(parsed.positionals[0], io);
    const { issues, issueCount, filesRead, recordsReplayed } = log.recovery;
    for (const issue of issues) {
      io.out(`${issue.file} offset ${issue.offset}: ${describe(issue)}\n`);
    }
    if (issueCount > issues.length) io.out(`... and ${issueCount - issues.length} more\n`);
    io.out(
      `${filesRead} file(s), ${recordsReplayed} record(s) replayed, ` +
        `${issueCount === 0 ? "no damage" : `${issueCount} damaged spot(s)`}\n`,
    );
    return issueCount === 0 ? 0 : 1;
  } finally {
    await log.close();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join(
    "\n",
  ) + "\n";
}
