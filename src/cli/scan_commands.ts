/**
 * The commands of `mrl` built on the streaming scan (`src/scan/`): `read`,
 * `dump` and `verify` read a log of any size in bounded memory, with a
 * progress bar from the first byte read.
 *
 * @module
 */
import { PositionOutOfRangeError, QueueNotFoundError } from "../errors.ts";
import { walFileName } from "../wal/file_name.ts";
import { checkFileSize } from "../validate.ts";
import { liveRecords } from "../scan/live.ts";
import { ScanSession } from "../scan/session.ts";
import type { ScanIssue } from "../scan/types.ts";
import { BLOCK_SIZE } from "../format/constants.ts";
import { integerOption, type Parsed, UsageError } from "./args.ts";
import { ChunkedOut, writeDump } from "./dump.ts";
import { type CliIo, OutputClosed } from "./io.ts";
import { Progress } from "./progress.ts";

/**
 * Opens the scan of the command's directory and runs its first pass, its
 * progress drawn on `progress` (with `markBlocks`, counting the blocks
 * holding data). Close the session when done.
 */
export function openScan(
  parsed: Parsed,
  progress: Progress,
  markBlocks = false,
): Promise<ScanSession> {
  const fileSize = integerOption(parsed, "file-size");
  if (fileSize !== undefined) checkFileSize(fileSize);
  return ScanSession.open(parsed.positionals[0], {
    fileSize,
    onProgress: (done, total) => progress.update(done, total),
  }, { firstPass: true, markBlocks });
}

/** `mrl read DIR QUEUE`: the records of one queue still in the log, streamed. */
export async function read(parsed: Parsed, io: CliIo): Promise<number> {
  const format = parsed.options.get("format") ?? "text";
  if (!["text", "json", "base64"].includes(format)) {
    throw new UsageError(`--format must be text, json or base64, got ${JSON.stringify(format)}`);
  }
  const start = integerOption(parsed, "start") ?? 0;
  const end = integerOption(parsed, "end", 2 ** 53) ?? Infinity; // exclusive: 2^53 reaches 2^53 - 1
  const queue = parsed.positionals[1];
  const progress = new Progress(io, "read 1/2");
  let session: ScanSession | undefined;
  try {
    session = await openScan(parsed, progress);
    const out = session.states.outOfRange.get(queue);
    if (out !== undefined) {
      throw new PositionOutOfRangeError(queue, out.position, walFileName(out.file));
    }
    if (!session.states.queues.has(queue)) throw new QueueNotFoundError(queue);
    const writer = new ChunkedOut(io);
    const decoder = new TextDecoder();
    progress.phase("read 2/2");
    progress.yieldToOutput();
    for await (const { position, payload } of liveRecords(session, (q) => q === queue)) {
      if (position < start) continue;
      if (position >= end) break;
      // Base64 goes straight into the output buffer: no string per record.
      if (format === "json") {
        await writer.write(`{"position":${position},"payload":"`);
        await writer.writeBase64(payload);
        await writer.write('"}\n');
      } else if (format === "base64") {
        await writer.write(`${position} `);
        await writer.writeBase64(payload);
        await writer.write("\n");
      } else {
        const text = decoder.decode(payload).replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
        await writer.write(`${position} ${text}\n`);
      }
    }
    progress.end();
    await writer.flush();
    return 0;
  } finally {
    progress.end();
    await session?.close();
  }
}

/** `mrl dump DIR`: every queue as one JSON document, streamed. */
export async function dump(parsed: Parsed, io: CliIo): Promise<number> {
  const progress = new Progress(io, "dump 1/2");
  let session: ScanSession | undefined;
  try {
    session = await openScan(parsed, progress);
    progress.phase("dump 2/2");
    progress.yieldToOutput();
    await writeDump(session, io);
    return 0;
  } finally {
    progress.end();
    await session?.close();
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
function describe(issue: ScanIssue, fileSize?: number): string {
  switch (issue.reason) {
    case "bytes-after-end":
    case "partial-block": {
      const what = issue.reason === "bytes-after-end"
        ? `${issue.bytes} byte(s) of data after the end of the log`
        : `${issue.bytes} byte(s) of data in a partial block (the file was cut inside a block)`;
      const kept = issue.salvageFile === undefined
        ? "a writable open keeps them in a salvage file"
        : `kept in ${issue.salvageFile}`;
      return `${what}, ${issue.frames} frame(s) with a good checksum: not replayed (${kept})`;
    }
    case "missing-file": {
      const empty = issue.emptyFiles.length === 0
        ? ""
        : ` (${issue.emptyFiles.join(", ")} present but without a whole block)`;
      return `${issue.files} wal file(s) missing before ${issue.next}${empty}: the records ` +
        `they held are lost (how many cannot be known), and ${issue.frames} frame(s) of ` +
        `records crossing the gap are dropped with them`;
    }
    case "cut-in-block":
      return `file cut inside a block: its last ${issue.bytes} byte(s) are not a whole ` +
        `${BLOCK_SIZE / 1024} KiB block (readers skip them; they hold only zeros)`;
    case "not-a-wal-file":
      return `named like a wal file but not one: ${issue.bytes} byte(s) and not one frame ` +
        `checks out (nothing in it is read)`;
    case "not-a-regular-file":
      return "named like a wal file but not a regular file (a directory, FIFO, socket, device, " +
        "or a symbolic link to nothing or to one of those): never opened, nothing in it is read";
    case "file-size-mismatch":
      return `${issue.bytes} bytes, larger than the file size ${fileSize} given: that log was ` +
        `written with a larger file size (or the file grew); run without --file-size`;
    default:
      return LOST[issue.reason];
  }
}

/**
 * `mrl verify DIR`: reads every byte of every wal file once and reports
 * each damaged spot. Exit 0 clean, 1 damaged, 2 unusable (not a directory,
 * not a log, unreadable). The verdict is the first line, so that
 * `mrl verify DIR | head -1` shows it; the status is the verdict even when
 * the reader of stdout goes away (see {@link OutputClosed}).
 */
export async function verify(parsed: Parsed, io: CliIo): Promise<number> {
  const progress = new Progress(io, "verify");
  let report;
  let filesRead = 0;
  let session: ScanSession | undefined;
  try {
    session = await openScan(parsed, progress);
    report = session.finish();
    const endFile = session.first!.end.fileNumber;
    const dir = session.dir;
    filesRead = session.files.filter((n) => n <= endFile && dir.sizeOf(n) >= BLOCK_SIZE).length;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    progress.end();
    return await verdict(io, 2, `unusable: ${(err as Error).message}\n`);
  } finally {
    progress.end();
    await session?.close();
  }
  const fileSize = integerOption(parsed, "file-size");
  const { issues, issueCount, records } = report;
  const status = issueCount === 0 ? 0 : 1;
  const lines = [
    `${filesRead} file(s), ${records} record(s) replayed, ` +
    `${issueCount === 0 ? "no damage" : `${issueCount} damaged spot(s)`}`,
  ];
  for (const issue of issues) {
    lines.push(`${issue.file} offset ${issue.offset}: ${describe(issue, fileSize)}`);
  }
  if (issueCount > issues.length) lines.push(`... and ${issueCount - issues.length} more`);
  return await verdict(io, status, lines.join("\n") + "\n");
}

/** Writes `text`; resolves to `status`, also when the reader of stdout went away. */
async function verdict(io: CliIo, status: number, text: string): Promise<number> {
  try {
    await io.out(text);
  } catch (err) {
    if (err instanceof OutputClosed) return status;
    throw err;
  }
  return status;
}
