/**
 * `mrl` as a Unix tool: a progress bar on stderr when it is a terminal (the
 * terminal check and the clock injected), and a reader that goes away
 * (EPIPE) ending the executable quietly with status 0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import process from "node:process";
import { MultiRecordLog } from "../../mod.ts";
import { run } from "../../src/cli/main.ts";
import { formatBytes } from "../../src/cli/progress.ts";
import { tempDir } from "../helpers/temp.ts";
import { scriptCommand, sibling } from "../helpers/run_script.ts";

/** The command that runs the `mrl` executable on this runtime. */
const mrlCommand = scriptCommand(sibling(import.meta.url, "..", "..", "src", "cli", "bin.ts"));

async function writeLog(dir: string, records: number): Promise<void> {
  const log = await MultiRecordLog.open(dir, { fileSize: 4 * 32768 });
  await log.createQueue("q");
  for (let i = 0; i < records; i += 10) {
    await log.appendRecords("q", Array.from({ length: 10 }, () => new Uint8Array(1000).fill(98)));
  }
  await log.close();
}

test("mrl verify: under a terminal, a progress bar with bytes, rate and time left, then cleared", async () => {
  const dir = await tempDir();
  try {
    await writeLog(dir.path, 300);
    let err = "";
    let clock = 0;
    const code = await run(["verify", dir.path], {
      out: () => {},
      err: (t) => {
        err += t;
      },
      isTty: true,
      now: () => (clock += 1000),
    });
    assert.equal(code, 0);
    const frames = err.split("\r").filter((f) => f.trim() !== "");
    // From the first read: bytes and total at once; the rate and time left from the second.
    assert.match(frames[0], /^verify \[[#.]{24}\] [\d.]+ KiB \/ 384\.0 KiB {2}0 B\/s {2}-:-- left/);
    assert.match(
      frames[1],
      /^verify \[[#.]{24}\] [\d.]+ KiB \/ 384\.0 KiB {2}[\d.]+ KiB\/s {2}\d+:\d\d left/,
    );
    // The total counts the end's block twice (read again by the look past the end).
    assert.match(frames.at(-1)!, /^verify \[#{24}\] ([\d.]+ KiB) \/ \1 {2}.*0:00 left/);
    assert.match(err, /\r +\r$/);
  } finally {
    await dir.cleanup();
  }
});

test("mrl verify: no progress bar when stderr is not a terminal", async () => {
  const dir = await tempDir();
  try {
    await writeLog(dir.path, 10);
    let err = "";
    await run(["verify", dir.path], {
      out: () => {},
      err: (t) => {
        err += t;
      },
      isTty: false,
    });
    assert.equal(err, "");
  } finally {
    await dir.cleanup();
  }
});

test("mrl progress: sizes in binary units with one decimal", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(2 * 1024 ** 3), "2.0 GiB");
});

test("mrl read | head: the reader going away (EPIPE) ends mrl quietly with status 0", async () => {
  const dir = await tempDir();
  try {
    await writeLog(dir.path, 2000);
    const child = spawn(mrlCommand[0], [...mrlCommand.slice(1), "read", dir.path, "q"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    // Like head -1: read the first chunk, then close the pipe.
    await new Promise<void>((done) => child.stdout.once("data", () => done()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
    assert.equal(err, "");
    assert.equal(code, 0);
  } finally {
    await dir.cleanup();
  }
});

test("mrl read: with stdout the terminal too, the bar is cleared for good before the first line", async () => {
  const dir = await tempDir();
  try {
    await writeLog(dir.path, 300);
    const screen: string[] = [];
    let clock = 0;
    const code = await run(["read", dir.path, "q", "--format", "base64"], {
      out: (t) => {
        screen.push(typeof t === "string" ? t : new TextDecoder().decode(t));
      },
      err: (t) => {
        screen.push(`<err>${t}`);
      },
      isTty: true,
      outIsTty: true,
      now: () => (clock += 1000),
    });
    assert.equal(code, 0);
    const firstOut = screen.findIndex((s) => !s.startsWith("<err>"));
    assert.ok(firstOut > 0, "a bar during the first pass");
    assert.match(screen[firstOut - 1], /^<err>\r +\r$/);
    assert.equal(screen.slice(firstOut).filter((s) => s.startsWith("<err>")).length, 0);
  } finally {
    await dir.cleanup();
  }
});

test("mrl verify under a pseudo-terminal (util-linux script): the bar is drawn on it, then cleared before the report", async (t) => {
  const { existsSync } = await import("node:fs");
  if (!existsSync("/usr/bin/script")) {
    t.skip("needs /usr/bin/script (util-linux) for a pseudo-terminal");
    return;
  }
  const root = process.cwd();
  const fixture = resolve(root, "tests", "fixtures", "rust-mrecordlog", "torn-tail", "wal");
  const line = [...mrlCommand, "verify", fixture].map((a) => `'${a}'`).join(" ");
  const child = spawn("/usr/bin/script", ["-qfec", line, "/dev/null"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let screen = "";
  child.stdout.on("data", (d) => (screen += d));
  const code = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
  assert.equal(code, 1);
  assert.match(screen, /^\rverify \[[#.]{24}\] [\d.]+ KiB \/ [\d.]+ KiB {2}/);
  assert.match(
    screen,
    /\r +\r1 file\(s\), \d+ record\(s\) replayed, \d+ damaged spot\(s\)\r?\nwal-0+ offset 180075: checksum mismatch/,
  );
});
