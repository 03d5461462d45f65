/**
 * `mrl`: inspects a log directory (also ones Quickwit's Rust crate wrote),
 * always read-only.
 *
 *   mrl summary DIR [--json]            queues, then wal files
 *   mrl read DIR QUEUE [--start N] [--end N] [--format text|json|base64]
 *   mrl dump DIR                        every queue as one JSON document
 *   mrl verify DIR                      damaged spots; exit 0 clean, 1 damaged, 2 unusable
 *   mrl --version
 *
 * Every command streams the log (`src/scan/`): memory stays bounded
 * whatever its size. Every failure is one line on stderr and a non-zero
 * status.
 *
 * Every command takes --file-size N (bytes per wal file; by default worked out
 * from the wal files as `MultiRecordLog.open` does without `fileSize`: needed
 * only for a log whose single file may have been cut short) and --help.
 *
 * @module
 */
import { integerOption, parseArgs, type Parsed, UsageError } from "./args.ts";
import { type CliIo, OutputClosed } from "./io.ts";
import { dump, read, verify } from "./scan_commands.ts";
import { summary } from "./summary.ts";
import { VERSION } from "./version.ts";

interface Command {
  usage: string;
  help: string;
  options: readonly string[];
  /** Options that take no value. */
  flags?: readonly string[];
  positionals: number;
  run(parsed: Parsed, io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  summary: {
    usage: "mrl summary DIR [--json] [--file-size N]",
    help: "Lists the queues (first and last position, records, bytes, oldest wal file),\n" +
      "then the wal files: size, how many 32 KiB blocks hold data, and which queues\n" +
      "retain records written in it (they keep it from being deleted), with their bytes.\n" +
      "Queue names longer than 64 characters are shortened in the tables (their length\n" +
      "in brackets); --json prints one JSON document with every name whole. Streamed:\n" +
      "memory stays bounded whatever the size of the log. A directory with no wal file\n" +
      "is not a log (exit 2).",
    options: ["file-size"],
    flags: ["json"],
    positionals: 1,
    run: summary,
  },
  read: {
    usage: "mrl read DIR QUEUE [--start N] [--end N] [--format text|json|base64] [--file-size N]",
    help: "Prints the records of QUEUE with start <= position < end, one a line, as the log\n" +
      "reads them (memory stays bounded: a first pass keeps positions only):\n" +
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
      '"records": [[position, base64], ...]}}}, queue names sorted. Streamed: memory\n' +
      "stays bounded whatever the size of the log.",
    options: ["file-size"],
    positionals: 1,
    run: dump,
  },
  verify: {
    usage: "mrl verify DIR [--file-size N]",
    help: "Reads every byte of every wal file once and reports each damaged spot (file,\n" +
      "offset, what is wrong, what is lost): bad frames and checksums, records lost, data\n" +
      "after the end of the log and in partial blocks (replay does not read it), files\n" +
      "cut inside a block, files larger than --file-size, files named like wal files\n" +
      "that are not. A directory with no wal file (or only such impostors) is not a log.\n" +
      "Exit status: 0 clean, 1 damaged, 2 unusable (not a log, not a directory).",
    options: ["file-size"],
    positionals: 1,
    run: verify,
  },
};

const USAGE =
  "usage: mrl summary|read|dump|verify DIR [...] [--file-size N] (mrl COMMAND --help)\n" +
  "       mrl --version";

/**
 * Runs `mrl` with `args`; resolves to the exit status. Every failure is one
 * line on stderr and a non-zero status (2); the reader of stdout going away
 * ends output quietly with the status the command would have had (see
 * {@link OutputClosed}).
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  try {
    return await runCommand(args, io);
  } catch (err) {
    if (err instanceof OutputClosed) return 0;
    io.err(`mrl${args[0] === undefined ? "" : ` ${args[0]}`}: ${oneLine(err)}\n`);
    return 2;
  }
}

/** An error's message on one line. */
function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, " ");
}

async function runCommand(args: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  const usage = `${USAGE}\n\n${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join("\n")}\n`;
  if (name === undefined) {
    io.err(usage);
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    await io.out(usage);
    return 0;
  }
  if (name === "--version" || name === "-V") {
    await io.out(`mrl ${VERSION}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.err(`mrl: unknown command ${JSON.stringify(name)}\n${USAGE}\n`);
    return 2;
  }
  let parsed: Parsed;
  try {
    parsed = parseArgs(rest, command.options, command.flags);
    if (parsed.help) {
      await io.out(`usage: ${command.usage}\n\n${command.help}\n`);
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
    throw err;
  }
}
