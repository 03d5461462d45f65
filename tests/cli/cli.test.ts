/** The `mrl` command-line tool, run in-process (and once through its executable). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MultiRecordLog } from "../../mod.ts";
import {
  copyWal,
  fixtureFileSize,
  fixtureNames,
  FIXTURES_DIR,
  readExpected,
} from "../helpers/fixtures.ts";
import { repoRoot } from "../helpers/repo.ts";
import { runMrl as mrl, write300 } from "../helpers/cli.ts";
import { bytes, tempDir } from "../helpers/temp.ts";
import { scriptCommand, sibling } from "../helpers/run_script.ts";

const fixture = (name: string) => join(FIXTURES_DIR, name, "wal");
const fileSizeArgs = (name: string) => {
  const size = fixtureFileSize(name);
  return size === undefined ? [] : ["--file-size", String(size)];
};

for (const name of await fixtureNames()) {
  test(`mrl dump: the Rust fixture ${name} dumps its expected.json byte for byte (and a newline)`, async () => {
    const { code, out } = await mrl(["dump", fixture(name), ...fileSizeArgs(name)]);
    assert.equal(code, 0);
    assert.equal(out, await readFile(join(FIXTURES_DIR, name, "expected.json"), "utf8") + "\n");
    assert.deepEqual(JSON.parse(out), await readExpected(name));
  });
}

test("mrl verify: a clean log exits 0 and says so", async () => {
  const { code, out } = await mrl(["verify", fixture("multi-queue")]);
  assert.equal(code, 0);
  assert.match(out, /^1 file\(s\), \d+ record\(s\) replayed, no damage\n$/);
});

test("mrl verify: each damaged spot is reported with its file, offset and what is lost; exit 1", async () => {
  const { code, out } = await mrl(["verify", fixture("corrupted-middle")]);
  assert.equal(code, 1);
  const lines = out.trim().split("\n");
  // The verdict first (`mrl verify DIR | head -1` shows it), then each spot.
  assert.match(lines[0], /^1 file\(s\), \d+ record\(s\) replayed, \d+ damaged spot\(s\)$/);
  assert.match(
    lines[1],
    /^wal-00000000000000000000 offset \d+: checksum mismatch: one frame dropped/,
  );
  assert.ok(
    lines.some((l) =>
      /offset \d+: bad frame header: the rest of its 32 KiB block is skipped/.test(l)
    ),
  );
  const torn = await mrl(["verify", fixture("torn-tail")]);
  assert.equal(torn.code, 1);
  assert.match(torn.out, /checksum mismatch/);
});

test("mrl verify: data after the end of the log (a zeroed block) is damage: each file with offset, bytes and frames; exit 1", async () => {
  const dir = await tempDir();
  try {
    await write300(dir.path);
    const wal = join(dir.path, "wal-00000000000000000000");
    const data = new Uint8Array(await readFile(wal));
    data.fill(0, 32768, 65536);
    await writeFile(wal, data);
    const { code, out } = await mrl(["verify", dir.path, "--file-size", "131072"]);
    assert.equal(code, 1);
    const after = "of data after the end of the log";
    const kept = "not replayed (a writable open keeps them in a salvage file)";
    assert.equal(
      out,
      [
        "1 file(s), 32 record(s) replayed, 3 damaged spot(s)",
        `wal-00000000000000000000 offset 65536: 65536 byte(s) ${after}, 66 frame(s) with a good checksum: ${kept}`,
        `wal-00000000000000000001 offset 0: 131072 byte(s) ${after}, 131 frame(s) with a good checksum: ${kept}`,
        `wal-00000000000000000002 offset 0: 47238 byte(s) ${after}, 47 frame(s) with a good checksum: ${kept}`,
        "",
      ].join("\n"),
    );
    assert.deepEqual((await readdir(dir.path)).filter((n) => n.startsWith("salvage-")), []);
  } finally {
    await dir.cleanup();
  }
});

test("mrl verify: a wal file cut inside a block is damage: the partial block with offset, bytes and frames; exit 1", async () => {
  const dir = await tempDir();
  try {
    await write300(dir.path);
    await truncate(join(dir.path, "wal-00000000000000000002"), 32768 + 10000);
    const { code, out } = await mrl(["verify", dir.path, "--file-size", "131072"]);
    assert.equal(code, 1);
    assert.equal(
      out,
      "3 file(s), 286 record(s) replayed, 1 damaged spot(s)\n" +
        "wal-00000000000000000002 offset 32768: 10000 byte(s) of data in a partial block (the file " +
        "was cut inside a block), 10 frame(s) with a good checksum: not replayed (a writable open " +
        "keeps them in a salvage file)\n",
    );
  } finally {
    await dir.cleanup();
  }
});

test("mrl verify: a log that cannot be opened is unusable: exit 2", async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir.path, "not-a-dir"), "x");
    const { code, out } = await mrl(["verify", join(dir.path, "not-a-dir")]);
    assert.equal(code, 2);
    assert.match(out, /^unusable: .*not a directory/);
  } finally {
    await dir.cleanup();
  }
});

test("mrl summary: a table of queues (first, last, records, bytes, oldest file), then the files", async () => {
  const { code, out } = await mrl(["summary", fixture("multi-queue")]);
  assert.equal(code, 0);
  assert.equal(
    out,
    [
      "queue  first  last  records  bytes  oldest file",
      "a      4      12    9        38     0",
      "b      101    101   1        16     0",
      "c      0      0     1        8      0",
      "",
      "file                      size   blocks with data  retained by (queue: bytes)",
      "wal-00000000000000000000  32768  1 of 1            a: 38, b: 16, c: 8",
      "",
    ].join("\n"),
  );
});

test("mrl summary: --file-size reads logs written with another file size", async () => {
  const { code, out } = await mrl(["summary", fixture("rolling-gc"), "--file-size", "131072"]);
  assert.equal(code, 0);
  assert.match(out, /^r1 +21 +40 +20 /m);
  assert.match(out, /^wal-00000000000000000004 +131072 +4 of 4 +r1: 54011, r2: 11$/m);
  assert.match(out, /^wal-00000000000000000002 +131072 +4 of 4 +r1: \d+$/m);
});

test("mrl summary: lists the wal files the log reads, in file-number order, and no other file", async () => {
  const dir = await tempDir();
  try {
    await write300(dir.path);
    for (
      const name of [
        "wal-00000000000000000001.tmp",
        "wal-1",
        "xwal-00000000000000000001",
        "wal-compaction.tmp",
        "salvage-wal-00000000000000000000-offset-65536",
        // 20 digits, but a number beyond 2^53 - 1: the log does not read it as a wal file.
        "wal-99999999999999999999",
      ]
    ) {
      await writeFile(join(dir.path, name), new Uint8Array(32768).fill(1));
    }
    const { code, out } = await mrl(["summary", dir.path, "--file-size", "131072"]);
    assert.equal(code, 0);
    const files = out.split("\n\n")[1].trim().split("\n").slice(1).map((l) => l.split(" ")[0]);
    assert.deepEqual(files, [
      "wal-00000000000000000000",
      "wal-00000000000000000001",
      "wal-00000000000000000002",
    ]);
    assert.match(out, /^wal-00000000000000000001 +131072 +4 of 4 /m);
  } finally {
    await dir.cleanup();
  }
});

test("mrl read: text, json and base64 lines, with --start and --end", async () => {
  const text = await mrl(["read", fixture("positions"), "p", "--start", "10", "--end", "13"]);
  assert.deepEqual(text, { code: 0, out: "10 ten\n11 \n12 twelve\n", err: "" });
  const json = await mrl(["read", fixture("positions"), "p", "--format", "json", "--end", "1"]);
  assert.deepEqual(json.out, '{"position":0,"payload":"emVybw=="}\n');
  const base64 = await mrl(["read", fixture("basic"), "events", "--format=base64", "--start=5"]);
  assert.deepEqual(base64.out, "5 YWZ0ZXItcmVvcGVu\n");
});

test("mrl read: newlines in text payloads are escaped, so each record is one line", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path);
    await log.createQueue("q");
    await log.appendRecord("q", bytes("two\nlines \\ here"));
    await log.close();
    assert.equal((await mrl(["read", dir.path, "q"])).out, "0 two\\nlines \\\\ here\n");
  } finally {
    await dir.cleanup();
  }
});

test("mrl: --help for the tool and each command", async () => {
  const top = await mrl(["--help"]);
  assert.equal(top.code, 0);
  assert.match(top.out, /mrl summary DIR/);
  for (const command of ["summary", "read", "dump", "verify"]) {
    const { code, out } = await mrl([command, "--help"]);
    assert.equal(code, 0);
    assert.match(out, new RegExp(`^usage: mrl ${command} `));
  }
});

test("mrl: bad arguments print a usage line and exit 2", async () => {
  const cases = [
    [],
    ["frobnicate", "x"],
    ["dump"],
    ["dump", "a", "b"],
    ["read", fixture("basic")],
    ["read", fixture("basic"), "events", "--format", "xml"],
    ["read", fixture("basic"), "events", "--start", "-1"],
    ["summary", fixture("basic"), "--verbose"],
    ["summary", fixture("basic"), "--file-size"],
    ["dump", fixture("basic"), "--file-size", "1000"],
  ];
  for (const args of cases) {
    const { code, out, err } = await mrl(args);
    assert.equal(code, 2, args.join(" "));
    assert.match(out + err, /usage: mrl|fileSize must be/, args.join(" "));
  }
});

test("mrl: no arguments print the usage to stderr, nothing to stdout, and exit 2", async () => {
  const { code, out, err } = await mrl([]);
  assert.equal(code, 2);
  assert.equal(out, "");
  assert.match(err, /^usage: mrl summary\|read\|dump\|verify DIR/);
});

test("mrl --version prints the package's version (deno.json's) and exits 0", async () => {
  const { code, out } = await mrl(["--version"]);
  assert.equal(code, 0);
  const { version } = JSON.parse(await readFile(join(repoRoot(), "deno.json"), "utf8"));
  assert.equal(out, `mrl ${version}\n`);
});

test("mrl: a missing queue is reported, exit 2", async () => {
  const { code, err } = await mrl(["read", fixture("basic"), "nope"]);
  assert.equal(code, 2);
  assert.match(err, /queue "nope" does not exist/);
});

test("mrl: never changes a byte or a file of the log it inspects", async () => {
  const dir = await tempDir();
  try {
    await copyWal("torn-tail", dir.path);
    const snapshot = async () => {
      const out: Record<string, string> = {};
      for (const f of (await readdir(dir.path)).sort()) {
        out[f] = (await readFile(join(dir.path, f))).toString("base64");
      }
      return out;
    };
    const before = await snapshot();
    for (
      const args of [["summary", dir.path], ["dump", dir.path], ["verify", dir.path], [
        "read",
        dir.path,
        "s1",
      ]]
    ) {
      await mrl(args);
    }
    assert.deepEqual(await snapshot(), before);
  } finally {
    await dir.cleanup();
  }
});

test("mrl: a progress bar goes to stderr only when it is a terminal", async () => {
  const quiet = await mrl(["summary", fixture("basic")], false);
  assert.equal(quiet.err, "");
  const tty = await mrl(["summary", fixture("basic")], true);
  assert.match(tty.err, /^\rsummary 1\/2 \[[#.]{24}\] /);
});

test("mrl: the executable runs on this runtime and sets the exit status", async () => {
  const command = scriptCommand(sibling(import.meta.url, "..", "..", "src", "cli", "bin.ts"));
  const result = await new Promise<{ code: number; out: string }>((done) => {
    execFile(command[0], [...command.slice(1), "verify", fixture("torn-tail")], (err, stdout) => {
      done({ code: err ? Number((err as { code?: number }).code) : 0, out: stdout });
    });
  });
  assert.equal(result.code, 1);
  assert.match(result.out, /checksum mismatch/);
});

test("mrl: a --file-size smaller than the wal files exits 2 naming both sizes", async () => {
  const { code, out, err } = await mrl(["summary", fixture("rolling-gc"), "--file-size", "32768"]);
  assert.equal(code, 2);
  assert.equal(out, "");
  assert.match(err, /^mrl summary: fileSize 32768 contradicts .* is 131072 bytes/);
});

test("mrl read: --end 9007199254740992 (2^53) reads the record at 2^53 - 1; one more is a usage error", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 65536 });
    await log.createQueue("q");
    await log.appendRecord("q", bytes("top"), { position: Number.MAX_SAFE_INTEGER });
    await log.close();
    const ok = await mrl(["read", dir.path, "q", "--end", "9007199254740992"]);
    assert.equal(ok.code, 0);
    assert.equal(ok.out, "9007199254740991 top\n");
    const over = await mrl(["read", dir.path, "q", "--end", "9007199254740993"]);
    assert.equal(over.code, 2);
    assert.match(over.err, /--end must be an integer from 0 to 9007199254740992/);
  } finally {
    await dir.cleanup();
  }
});

test("mrl summary: a queue whose positions are out of range is named with the reason; the others are listed", async () => {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, { fileSize: 65536 });
    await log.createQueue("big");
    await log.createQueue("ok");
    await log.appendRecord("big", bytes("x"), { position: Number.MAX_SAFE_INTEGER });
    await log.appendRecord("ok", bytes("y"));
    await log.close();
    // Make the record of "big" say 2^53 + 1 (bits 0 and 53): patch its item position and frame CRC.
    const path = join(dir.path, "wal-00000000000000000000");
    const data = new Uint8Array(await readFile(path));
    const text = new TextDecoder("latin1").decode(data);
    const at = text.indexOf(
      "\u0004\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u001f\u0000\u0003\u0000big",
    );
    assert.ok(at > 7, "append record of big");
    const frameStart = at - 7;
    const length = data[frameStart + 4] | (data[frameStart + 5] << 8);
    for (const offset of [at + 1, at + 14]) data.set([1, 0, 0, 0, 0, 0, 0x20, 0], offset);
    const { loadCrc32 } = await import("../../src/format/crc.ts");
    const crc = (await loadCrc32())(data, frameStart + 6, frameStart + 7 + length);
    new DataView(data.buffer).setUint32(frameStart, crc, true);
    await writeFile(path, data);
    const { code, out } = await mrl(["summary", dir.path]);
    assert.equal(code, 0);
    assert.match(out, /^ok +0 +0 +1 +1 +0$/m);
    assert.match(
      out,
      /^big: queue "big" holds position 9007199254740993 \(in wal-00000000000000000000\)/m,
    );
  } finally {
    await dir.cleanup();
  }
});
