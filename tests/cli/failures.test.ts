/**
 * `mrl` when things go wrong around it: the reader of stdout going away
 * keeps the status (verify's verdict), a full disk under stdout, entries
 * named like wal files that are not regular files (a FIFO is never opened),
 * directories that are not logs. Every failure is one line on stderr and a
 * non-zero status; no stack trace.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, open, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../../src/cli/main.ts";
import { OutputClosed } from "../../src/cli/io.ts";
import { FIXTURES_DIR } from "../helpers/fixtures.ts";
import { runMrl as mrl, write300 } from "../helpers/cli.ts";
import { scriptCommand, sibling } from "../helpers/run_script.ts";
import { tempDir } from "../helpers/temp.ts";

/** The command that runs the `mrl` executable on this runtime. */
const mrlCommand = scriptCommand(sibling(import.meta.url, "..", "..", "src", "cli", "bin.ts"));
const TORN = join(FIXTURES_DIR, "torn-tail", "wal");
const FIFO_NAME = "wal-00000000000000000009";

/**
 * Runs the executable with `args`, stdout going to `stdout` ("pipe": a pipe
 * whose reader goes away at once; or a descriptor); its status and stderr.
 */
function runBin(
  args: string[],
  stdout: "closed-pipe" | number,
): Promise<{ code: number | null; err: string }> {
  const child = spawn(mrlCommand[0], [...mrlCommand.slice(1), ...args], {
    stdio: ["ignore", stdout === "closed-pipe" ? "pipe" : stdout, "pipe"],
  });
  if (stdout === "closed-pipe") child.stdout!.destroy(); // like `| head` that is already gone
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  return new Promise((done) => child.on("close", (code) => done({ code, err })));
}

test("mrl verify | head -1 on a damaged log: the reader gone before the report, the status is still 1 (the verdict)", async () => {
  const { code, err } = await runBin(["verify", TORN], "closed-pipe");
  assert.equal(err, "");
  assert.equal(code, 1);
});

test("mrl verify: the verdict is the status when stdout's reader goes away at the first write (in-process)", async () => {
  for (const [dir, status] of [[TORN, 1], [join(FIXTURES_DIR, "basic", "wal"), 0]] as const) {
    let writes = 0;
    const code = await run(["verify", dir], {
      out: () => {
        writes++;
        throw new OutputClosed();
      },
      err: () => assert.fail("nothing on stderr"),
      isTty: false,
    });
    assert.equal(writes, 1);
    assert.equal(code, status, dir);
  }
});

test("mrl with stdout on a full disk (/dev/full, ENOSPC): one line on stderr, status 2", async (t) => {
  if (!existsSync("/dev/full")) {
    t.skip("needs /dev/full");
    return;
  }
  const full = await open("/dev/full", "w");
  try {
    for (const command of ["dump", "summary", "verify", "read"]) {
      const args = command === "read" ? [command, TORN, "s1"] : [command, TORN];
      const { code, err } = await runBin(args, full.fd);
      assert.equal(code, 2, `${command}: ${err}`);
      assert.match(err, new RegExp(`^mrl ${command}: cannot write to stdout: .*(ENOSPC|space)`));
      assert.equal(err.split("\n").length, 2, `one line: ${err}`); // the line, then ""
    }
  } finally {
    await full.close();
  }
});

test("mrl: a missing directory is one line on stderr and status 2 (executable)", async () => {
  const { code, err } = await runBin(["summary", "/nonexistent/mrl-dir"], "closed-pipe");
  assert.equal(code, 2);
  assert.match(err, /^mrl summary: .*\/nonexistent\/mrl-dir.*\n$/);
  assert.equal(err.split("\n").length, 2, err);
});

/** `fn` with a directory holding a log of 3 files and `extra` named like wal file 9. */
async function withLogAnd(
  extra: (path: string) => Promise<void>,
  fn: (dir: string) => Promise<void>,
  log = true,
): Promise<void> {
  const dir = await tempDir();
  try {
    if (log) await write300(dir.path);
    await extra(join(dir.path, FIFO_NAME));
    await fn(dir.path);
  } finally {
    await dir.cleanup();
  }
}

const mkfifo = (path: string) => {
  execFileSync("mkfifo", [path]);
  return Promise.resolve();
};
const mkdirAt = (path: string) => mkdir(path);

const danglingLink = (path: string) => symlink(`${path}-missing`, path);

const NOT_REGULAR = `${FIFO_NAME} offset 0: named like a wal file but not a regular file ` +
  "(a directory, FIFO, socket, device, or a symbolic link to nothing or to one of those): " +
  "never opened, nothing in it is read";

for (
  const [kind, make] of [
    ["a FIFO", mkfifo],
    ["a directory", mkdirAt],
    ["a dangling symbolic link", danglingLink],
  ] as const
) {
  test(`mrl verify: ${kind} named like a wal file beside a log is damage, never opened: exit 1`, {
    timeout: 30_000, // a FIFO opened for reading would block forever
  }, async () => {
    await withLogAnd(make, async (dir) => {
      const { code, out, err } = await mrl(["verify", dir]);
      assert.equal(err, "");
      assert.equal(code, 1);
      assert.equal(
        out,
        `3 file(s), 301 record(s) replayed, 1 damaged spot(s)\n${NOT_REGULAR}\n`,
      );
    });
  });

  test(
    `mrl summary and dump: ${kind} named like a wal file is listed, never opened; the log is read`,
    {
      timeout: 30_000,
    },
    async () => {
      await withLogAnd(make, async (dir) => {
        const summary = await mrl(["summary", dir]);
        assert.equal(summary.err, "");
        assert.equal(summary.code, 0);
        assert.match(summary.out, /^q +0 +299 +300 +300000 +0$/m);
        assert.match(
          summary.out,
          new RegExp(
            `^${FIFO_NAME} +- +- +not a regular file \\(directory, FIFO, \\.\\.\\.\\): never opened$`,
            "m",
          ),
        );
        const json = JSON.parse((await mrl(["summary", dir, "--json"])).out);
        assert.deepEqual(json.not_regular_files, [FIFO_NAME]);
        const dump = await mrl(["dump", dir]);
        assert.equal(dump.code, 0);
        assert.equal(JSON.parse(dump.out).queues.q.records.length, 300);
      });
    },
  );

  test(
    `mrl verify and summary: ${kind} named like a wal file alone is not a log: one line, exit 2`,
    {
      timeout: 30_000,
    },
    async () => {
      await withLogAnd(make, async (dir) => {
        const why =
          `not a log: its entries named like wal files are not regular files (${FIFO_NAME})`;
        const verify = await mrl(["verify", dir]);
        assert.equal(verify.code, 2);
        assert.match(verify.out, new RegExp(`^unusable: ${why.replace(/[()]/g, "\\$&")}`));
        const summary = await mrl(["summary", dir]);
        assert.equal(summary.code, 2);
        assert.equal(summary.out, "");
        assert.match(summary.err, new RegExp(`^mrl summary: ${why.replace(/[()]/g, "\\$&")}.*\n$`));
      }, false);
    },
  );
}

test("mrl summary: a directory that is not a log (no wal file) exits 2 with one line, like verify", async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir.path, "notes.txt"), "hello");
    const summary = await mrl(["summary", dir.path]);
    assert.deepEqual(summary, {
      code: 2,
      out: "",
      err: `mrl summary: not a log: none of its 1 entries is a wal file; a log directory holds ` +
        `wal files (wal- and 20 digits), check the path (in ${dir.path})\n`,
    });
    const verify = await mrl(["verify", dir.path]);
    assert.equal(verify.code, 2);
    assert.match(verify.out, /^unusable: not a log: none of its 1 entries is a wal file/);
  } finally {
    await dir.cleanup();
  }
});

test("mrl: an unexpected failure inside a command is one line on stderr and status 2, no stack trace", async () => {
  let err = "";
  const code = await run(["summary", join(FIXTURES_DIR, "basic", "wal")], {
    out: () => {
      throw new Error("EIO: i/o error, write\n    at somewhere (file.js:1:1)");
    },
    err: (t) => {
      err += t;
    },
    isTty: false,
  });
  assert.equal(code, 2);
  assert.equal(err, "mrl summary: EIO: i/o error, write at somewhere (file.js:1:1)\n");
});
