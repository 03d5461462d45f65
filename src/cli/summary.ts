/**
 * `mrl summary`: the queues (first and last position, records, bytes,
 * oldest wal file), then the wal files (size, blocks holding data, the
 * queues retaining records in each), as tables or, with `--json`, as one
 * JSON document.
 *
 * Streamed like the other commands (`src/scan/`): a first pass keeps
 * positions only, a second counts the surviving records without copying a
 * payload, so memory is a few numbers per queue and per (queue, wal file)
 * whatever the size of the log. In tables, queue names longer than
 * {@link NAME_WIDTH} characters are shortened (and control characters
 * escaped) so that one long name cannot widen every row; `--json` gives
 * them whole.
 *
 * @module
 */
import { FileSizeMismatchError, PositionOutOfRangeError } from "../errors.ts";
import { walFileName } from "../wal/file_name.ts";
import { BLOCK_SIZE } from "../format/constants.ts";
import { DONE, LiveItems, NEED_INPUT } from "../scan/live.ts";
import type { ScanSession } from "../scan/session.ts";
import type { FileIssue } from "../scan/types.ts";
import { integerOption, type Parsed } from "./args.ts";
import { ChunkedOut } from "./dump.ts";
import type { CliIo } from "./io.ts";
import { Progress } from "./progress.ts";
import { openScan } from "./scan_commands.ts";

/** Longest queue name a table shows whole, in characters (code points). */
export const NAME_WIDTH = 64;

/** What the second pass counts for one queue. */
interface QueueTotals {
  records: number;
  bytes: number;
  first: number;
  firstFile: number;
}

/** Control characters (and the backslash, which escapes them) in a name. */
// deno-lint-ignore no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f\\]/g;

/** A queue name as a table cell: control characters escaped, shortened past {@link NAME_WIDTH}. */
export function tableName(name: string): string {
  const escaped = name.replace(
    UNPRINTABLE,
    (c) => c === "\\" ? "\\\\" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  if (escaped.length <= NAME_WIDTH) return escaped;
  const chars = [...escaped];
  if (chars.length <= NAME_WIDTH) return escaped;
  const marker = `…[${[...name].length}-chars]`;
  return chars.slice(0, NAME_WIDTH - marker.length).join("") + marker;
}

/** `mrl summary DIR [--json]`. */
export async function summary(parsed: Parsed, io: CliIo): Promise<number> {
  const progress = new Progress(io, "summary 1/2");
  let session: ScanSession | undefined;
  try {
    session = await openScan(parsed, progress, true);
    const report = session.finish(); // "not a log" when no wal file holds a good frame
    // A --file-size smaller than a file contradicts the log, as for an open (verify reports it).
    const larger = report.issues.find((i): i is FileIssue => i.reason === "file-size-mismatch");
    if (larger !== undefined) {
      const largest = Math.max(...session.files.map((n) => session!.dir.sizeOf(n)));
      const blocks = (size: number) => size - (size % BLOCK_SIZE);
      throw new FileSizeMismatchError(
        parsed.positionals[0],
        integerOption(parsed, "file-size")!,
        larger.file,
        blocks(larger.bytes),
        blocks(largest),
      );
    }
    progress.phase("summary 2/2");
    const states = session.states;
    const totals = new Map<string, QueueTotals>();
    for (const name of states.queues.keys()) {
      totals.set(name, { records: 0, bytes: 0, first: 0, firstFile: 0 });
    }
    const retained = new Map<number, Map<string, number>>();
    const items = new LiveItems(session, () => true);
    try {
      let fileNumber = -1;
      let inFile = new Map<string, number>();
      for (;;) {
        const step = items.next();
        if (step === NEED_INPUT) {
          await items.fill();
          continue;
        }
        if (step === DONE) break;
        const queue = items.queue;
        const bytes = items.end - items.begin;
        const t = totals.get(queue)!;
        if (t.records++ === 0) {
          t.first = items.position;
          t.firstFile = items.file;
        }
        t.bytes += bytes;
        if (items.file !== fileNumber) {
          fileNumber = items.file;
          inFile = retained.get(fileNumber) ?? new Map();
          retained.set(fileNumber, inFile);
        }
        inFile.set(queue, (inFile.get(queue) ?? 0) + bytes);
      }
    } finally {
      await items.close();
    }
    progress.end();
    progress.yieldToOutput();
    const names = [...totals.keys()].sort();
    const outOfRange = [...states.outOfRange.keys()].sort().map((name) => {
      const out = states.outOfRange.get(name)!;
      return {
        name,
        message: new PositionOutOfRangeError(name, out.position, walFileName(out.file)).message,
      };
    });
    const last = (name: string) => {
      const next = states.queues.get(name)!.next;
      return next === 0 ? undefined : next - 1;
    };
    const files = session.files.map((n) => ({
      name: walFileName(n),
      size: session!.dir.sizeOf(n),
      blocks: Math.ceil(session!.dir.sizeOf(n) / BLOCK_SIZE),
      blocksWithData: session!.blocksWithData(n),
      retained: [...(retained.get(n) ?? new Map<string, number>())].sort(([a], [b]) =>
        a < b ? -1 : 1
      ),
    }));
    const out = new ChunkedOut(io);
    if (parsed.flags.has("json")) {
      await out.write('{"queues":{');
      for (const [i, name] of names.entries()) {
        const t = totals.get(name)!;
        await out.write(
          `${i === 0 ? "" : ","}${JSON.stringify(name)}:${
            JSON.stringify({
              first: t.records === 0 ? null : t.first,
              last: last(name) ?? null,
              records: t.records,
              bytes: t.bytes,
              oldest_file: t.records === 0 ? null : walFileName(t.firstFile),
            })
          }`,
        );
      }
      await out.write('},"out_of_range":{');
      for (const [i, { name, message }] of outOfRange.entries()) {
        await out.write(`${i === 0 ? "" : ","}${JSON.stringify(name)}:${JSON.stringify(message)}`);
      }
      await out.write('},"files":[');
      for (const [i, f] of files.entries()) {
        await out.write(
          `${i === 0 ? "" : ","}{"name":"${f.name}","size":${f.size},"blocks":${f.blocks},` +
            `"blocks_with_data":${f.blocksWithData},"retained":{`,
        );
        for (const [j, [queue, bytes]] of f.retained.entries()) {
          await out.write(`${j === 0 ? "" : ","}${JSON.stringify(queue)}:${bytes}`);
        }
        await out.write("}}");
      }
      await out.write(`],"not_regular_files":${JSON.stringify(session.dir.notFiles)}}\n`);
      await out.flush();
      return 0;
    }
    const rows = [["queue", "first", "last", "records", "bytes", "oldest file"]];
    for (const name of names) {
      const t = totals.get(name)!;
      rows.push([
        tableName(name),
        t.records === 0 ? "-" : String(t.first),
        String(last(name) ?? "-"),
        String(t.records),
        String(t.bytes),
        t.records === 0 ? "-" : String(t.firstFile),
      ]);
    }
    await out.write(table(rows));
    // Queues whose positions a number cannot name (PositionOutOfRangeError): named, not read.
    for (const { name, message } of outOfRange) await out.write(`${tableName(name)}: ${message}\n`);
    const fileRows = [["file", "size", "blocks with data", "retained by (queue: bytes)"]];
    for (const f of files) {
      fileRows.push([
        f.name,
        String(f.size),
        `${f.blocksWithData} of ${f.blocks}`,
        f.retained.map(([queue, bytes]) => `${tableName(queue)}: ${bytes}`).join(", ") || "-",
      ]);
    }
    for (const name of session.dir.notFiles) {
      fileRows.push([name, "-", "-", "not a regular file (directory, FIFO, ...): never opened"]);
    }
    await out.write("\n" + table(fileRows));
    await out.flush();
    return 0;
  } finally {
    progress.end();
    await session?.close();
  }
}

/** Rows as columns two spaces apart, each as wide as its widest cell (the last one not padded). */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => rows.reduce((w, r) => Math.max(w, r[i].length), 0));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join(
    "\n",
  ) + "\n";
}
