#!/usr/bin/env node
/**
 * The `mrl` executable: `deno task mrl ...`, `npx mrl ...`, `bunx mrl ...`.
 * See main.ts for the commands.
 *
 * @module
 */
import process from "node:process";
import { run } from "./main.ts";

process.exitCode = await run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTty: process.stderr.isTTY === true,
});
