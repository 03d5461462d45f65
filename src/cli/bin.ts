#!/usr/bin/env node
/**
 * The `mrl` executable: `npx mrl ...`, `bunx mrl ...`, from JSR (this is the
 * package's `./cli` entry) `deno run --allow-read jsr:@mrl/core/cli ...`,
 * and in the repository `deno task mrl ...`. See main.ts for the commands.
 * Behaves like a Unix tool: output is written to descriptor 1 directly, each
 * write complete before the next (a full pipe
 * is waited out, so no runtime queues output in memory), and a reader that
 * goes away (EPIPE, e.g. `mrl read | head`) ends it quietly with status 0.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { writeSync } from "node:fs";
import process from "node:process";
import { run } from "./main.ts";

/** True for the error of writing to a pipe whose reader is gone. */
function isBrokenPipe(err: unknown): boolean {
  const e = err as { code?: string; name?: string } | undefined;
  return e?.code === "EPIPE" || e?.name === "BrokenPipe";
}

function brokenPipe(): never {
  process.exit(0);
}

process.stdout.on("error", (err: unknown) => {
  if (isBrokenPipe(err)) brokenPipe();
  throw err;
});

/** Writes all of `text` to stdout; waits while a non-blocking pipe is full (EAGAIN). */
async function writeOut(text: string | Uint8Array): Promise<void> {
  const data = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  for (let done = 0; done < data.length;) {
    try {
      done += writeSync(1, data, done, data.length - done);
    } catch (err) {
      if (isBrokenPipe(err)) brokenPipe();
      if ((err as { code?: string }).code !== "EAGAIN") throw err;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

try {
  process.exitCode = await run(process.argv.slice(2), {
    out: writeOut,
    err: (text) => process.stderr.write(text),
    isTty: process.stderr.isTTY === true,
    outIsTty: process.stdout.isTTY === true,
  });
} catch (err) {
  if (isBrokenPipe(err)) brokenPipe();
  throw err;
}
