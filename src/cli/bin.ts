#!/usr/bin/env node
/**
 * The `mrl` executable: `deno task mrl ...`, `npx mrl ...`, `bunx mrl ...`.
 * See main.ts for the commands. Behaves like a Unix tool: output waits when
 * stdout is full, and a reader that goes away (EPIPE, e.g. `mrl read | head`)
 * ends it quietly with status 0.
 *
 * @module
 */
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

try {
  process.exitCode = await run(process.argv.slice(2), {
    out(text) {
      try {
        if (process.stdout.write(text)) return;
      } catch (err) {
        if (isBrokenPipe(err)) brokenPipe();
        throw err;
      }
      return new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()));
    },
    err: (text) => process.stderr.write(text),
    isTty: process.stderr.isTTY === true,
  });
} catch (err) {
  if (isBrokenPipe(err)) brokenPipe();
  throw err;
}
