#!/usr/bin/env node
/**
 * The `mrl` executable: `npx mrl ...`, `bunx mrl ...`, from JSR (this is the
 * package's `./cli` entry) `deno run --allow-read jsr:@mrl/core/cli ...`,
 * and in the repository `deno task mrl ...`. See main.ts for the commands.
 * Behaves like a Unix tool: output is written to descriptor 1 directly, each
 * write complete before the next (a full pipe
 * is waited out, so no runtime queues output in memory); a reader that goes
 * away (EPIPE, e.g. `mrl verify DIR | head -1`) ends output quietly and the
 * status is the one the command would have had (verify's verdict); any
 * other failure, writing to stdout included (ENOSPC on /dev/full), is one
 * line on stderr and status 2.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { writeSync } from "node:fs";
import process from "node:process";
import { OutputClosed, OutputFailed } from "./io.ts";
import { run } from "./main.ts";

/** True for the error of writing to a pipe whose reader is gone. */
function isBrokenPipe(err: unknown): boolean {
  const e = err as { code?: string; name?: string } | undefined;
  return e?.code === "EPIPE" || e?.name === "BrokenPipe";
}

// Nothing is written through these streams' buffers but stderr's messages: a
// reader gone from either is no reason to crash.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});

/** Writes all of `text` to stdout; waits while a non-blocking pipe is full (EAGAIN). */
async function writeOut(text: string | Uint8Array): Promise<void> {
  const data = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  for (let done = 0; done < data.length;) {
    try {
      done += writeSync(1, data, done, data.length - done);
    } catch (err) {
      if (isBrokenPipe(err)) throw new OutputClosed();
      if ((err as { code?: string }).code !== "EAGAIN") throw new OutputFailed(err);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

process.exitCode = await run(process.argv.slice(2), {
  out: writeOut,
  err: (text) => process.stderr.write(text),
  isTty: process.stderr.isTTY === true,
  outIsTty: process.stdout.isTTY === true,
});
