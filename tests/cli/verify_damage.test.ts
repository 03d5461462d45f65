/** `mrl verify`: the exit status and the line for each kind of damage, run in-process. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { copyWal } from "../helpers/fixtures.ts";
import { tempDir } from "../helpers/temp.ts";
import { runMrl, write300 } from "../helpers/cli.ts";
import { writeAcrossThreeFiles } from "../helpers/log.ts";

const verify = (...args: string[]) => runMrl(["verify", ...args]);

const WAL0 = "wal-00000000000000000000";

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await body(dir.path);
  } finally {
    await dir.cleanup();
  }
}

test("mrl verify: a directory of other files and no wal file is not a log: exit 2", async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, "passwd"), "root:x:0:0\n");
    await mkdir(join(dir, "ssh"));
    const { code, out } = await verify(dir);
    assert.equal(code, 2);
    assert.match(out, /^unusable: not a log: none of its 2 entries is a wal file/);
  });
});

test("mrl verify: an empty directory is not a log: exit 2", async () => {
  await withDir(async (dir) => {
    const { code, out } = await verify(dir);
    assert.equal(code, 2);
    assert.match(out, /^unusable: not a log: it is empty/);
  });
});

test("mrl verify: a junk file named like a wal file, alone, is not a log: exit 2", async () => {
  await withDir(async (dir) => {
    const junk = new Uint8Array(3 * 32768);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 0xff;
    await writeFile(join(dir, WAL0), junk);
    const { code, out } = await verify(dir);
    assert.equal(code, 2);
    assert.match(out, /^unusable: not a log: no frame of its wal file\(s\) checks out \(wal-0+\)/);
  });
});

test("mrl verify: a junk file named like a wal file beside a log is damage: exit 1", async () => {
  await withDir(async (dir) => {
    await write300(dir);
    await writeFile(join(dir, "wal-00000000000000000007"), new Uint8Array(32768).fill(0xee));
    const { code, out } = await verify(dir);
    assert.equal(code, 1);
    assert.match(
      out,
      /^wal-00000000000000000007 offset 0: named like a wal file but not one: 32768 byte\(s\)/m,
    );
  });
});

test("mrl verify: a wal file cut to 300 bytes (every record gone) is damage: exit 1", async () => {
  await withDir(async (dir) => {
    await copyWal("basic", dir);
    await truncate(join(dir, WAL0), 300);
    const { code, out } = await verify(dir);
    assert.equal(code, 1);
    assert.match(out, /^0 file\(s\), 0 record\(s\) replayed, 1 damaged spot\(s\)\n/);
    assert.match(out, /\nwal-0+ offset 0: 287 byte\(s\) of data in a partial block/);
  });
});

test("mrl verify: a file cut inside a block of zeros is damage: exit 1", async () => {
  await withDir(async (dir) => {
    await write300(dir);
    await truncate(join(dir, "wal-00000000000000000002"), 3 * 32768 + 100);
    const { code, out } = await verify(dir);
    assert.equal(code, 1);
    assert.match(
      out,
      /^wal-00000000000000000002 offset 98304: file cut inside a block: its last 100 byte\(s\)/m,
    );
  });
});

test("mrl verify: a frame with a bad checksum is damage, with the record lost: exit 1", async () => {
  await withDir(async (dir) => {
    await write300(dir);
    const path = join(dir, WAL0);
    const data = new Uint8Array(await readFile(path));
    data[5000] ^= 0xff;
    await writeFile(path, data);
    const { code, out } = await verify(dir);
    assert.equal(code, 1);
    assert.match(out, /^3 file\(s\), 300 record\(s\) replayed, 1 damaged spot\(s\)\n/);
    assert.match(out, /\nwal-0+ offset \d+: checksum mismatch: one frame dropped/);
  });
});

test("mrl verify: non-zero bytes after the end of the log are damage: exit 1", async () => {
  await withDir(async (dir) => {
    await write300(dir);
    await writeFile(join(dir, "wal-00000000000000000003"), new Uint8Array(32768).fill(1));
    const { code, out } = await verify(dir);
    assert.equal(code, 1);
    assert.match(out, /^wal-00000000000000000003 offset 0: 32768 byte\(s\) of data after the end/m);
  });
});

test("mrl verify: a wal file larger than --file-size is damage (file-size mismatch): exit 1", async () => {
  await withDir(async (dir) => {
    await write300(dir);
    await truncate(join(dir, "wal-00000000000000000002"), 8 * 32768);
    const { code, out } = await verify(dir, "--file-size", String(4 * 32768));
    assert.equal(code, 1);
    assert.match(
      out,
      /^wal-00000000000000000002 offset 0: 262144 bytes, larger than the file size 131072 given/m,
    );
  });
});

test("mrl verify: a wal file numbered above 2^53 - 1 makes the log unusable, named: exit 2", async () => {
  await withDir(async (dir) => {
    await write300(dir);
    await writeFile(join(dir, "wal-18446744073709551615"), new Uint8Array(32768).fill(7));
    const { code, out } = await verify(dir);
    assert.equal(code, 2);
    assert.match(
      out,
      /^unusable: wal file wal-18446744073709551615 is numbered above 2\^53 - 1.*\(in wal-18446744073709551615\)\n$/,
    );
  });
});

test("mrl verify: a deleted middle wal file is damage, even where the frames around it add up to a record: exit 1", async () => {
  await withDir(async (dir) => {
    await writeAcrossThreeFiles(dir);
    await rm(join(dir, "wal-00000000000000000001"));
    const { code, out } = await verify(dir);
    assert.equal(code, 1);
    assert.equal(
      out,
      "2 file(s), 2 record(s) replayed, 1 damaged spot(s)\n" +
        "wal-00000000000000000001 offset 0: 1 wal file(s) missing before " +
        "wal-00000000000000000002: the records they held are lost (how many cannot be known), " +
        "and 5 frame(s) of records crossing the gap are dropped with them\n",
    );
  });
});

test("mrl verify: an empty wal file between files with data is damage: exit 1", async () => {
  await withDir(async (dir) => {
    await writeAcrossThreeFiles(dir);
    await truncate(join(dir, "wal-00000000000000000001"), 0);
    const { code, out } = await verify(dir);
    assert.equal(code, 1);
    assert.match(
      out,
      /^2 file\(s\), 2 record\(s\) replayed, 1 damaged spot\(s\)\nwal-00000000000000000001 offset 0: 1 wal file\(s\) missing before wal-00000000000000000002 \(wal-00000000000000000001 present but without a whole block\): .* 5 frame\(s\)/,
    );
  });
});

test("mrl verify: a clean log of several files exits 0", async () => {
  await withDir(async (dir) => {
    await write300(dir);
    const { code, out } = await verify(dir);
    assert.equal(code, 0);
    assert.equal(out, "3 file(s), 301 record(s) replayed, no damage\n");
  });
});
