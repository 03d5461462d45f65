/**
 * `mrl summary` at the edges: a huge queue name among many queues (tables
 * shorten it, --json keeps it whole), names that are properties of every
 * plain object (`__proto__`, `constructor`, ...), names with control
 * characters.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MultiRecordLog } from "../../mod.ts";
import { NAME_WIDTH, tableName } from "../../src/cli/summary.ts";
import { runMrl as mrl } from "../helpers/cli.ts";
import { bytes, tempDir } from "../helpers/temp.ts";

/** A log in a fresh directory with `queues`, each holding one record (its name's first 10 bytes). */
async function withQueues(queues: string[], fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    const log = await MultiRecordLog.open(dir.path, {
      fileSize: 32768 * 64,
      persistPolicy: { kind: "never" },
    });
    for (const name of queues) {
      await log.createQueue(name);
      await log.appendRecord(name, bytes(name.slice(0, 10)));
    }
    await log.close();
    await fn(dir.path);
  } finally {
    await dir.cleanup();
  }
}

test("mrl summary: a 65,535-character queue name among 1,000 queues is shortened in the tables (length marked); --json keeps it whole", async () => {
  const huge = "x".repeat(65535);
  const names = [
    huge,
    ...Array.from({ length: 1000 }, (_, i) => `queue-${String(i).padStart(4, "0")}`),
  ];
  await withQueues(names, async (dir) => {
    const { code, out, err } = await mrl(["summary", dir]);
    assert.equal(err, "");
    assert.equal(code, 0);
    const [queueTable, fileTable] = out.split("\n\n");
    const rows = queueTable.split("\n");
    assert.equal(rows.length, 1 + 1001);
    const short = "x".repeat(NAME_WIDTH - "…[65535-chars]".length) + "…[65535-chars]";
    assert.equal([...short].length, NAME_WIDTH);
    assert.deepEqual(rows.at(-1)!.split(/ +/), [short, "0", "0", "1", "10", "0"]);
    assert.match(rows[1], /^queue-0000 +0 +0 +1 +10 +0$/);
    // Every row as wide as the widest shortened name and the numbers, not as the huge name.
    assert.ok(Math.max(...rows.map((r) => [...r].length)) <= NAME_WIDTH + 50, rows[0]);
    assert.ok(fileTable.includes(`${short}: 10`));
    assert.ok(!out.includes("x".repeat(NAME_WIDTH)));
    assert.ok(out.length < 200_000, `${out.length} characters of output`);

    const json = await mrl(["summary", dir, "--json"]);
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.out);
    assert.deepEqual(parsed.queues[huge], {
      first: 0,
      last: 0,
      records: 1,
      bytes: 10,
      oldest_file: "wal-00000000000000000000",
    });
    assert.equal(Object.keys(parsed.queues).length, 1001);
    assert.equal(parsed.files[0].retained[huge], 10);
  });
});

test("mrl summary: tables show a name of at most 64 characters whole, escape control characters, and never split a surrogate pair", () => {
  const exact = "é".repeat(NAME_WIDTH);
  assert.equal(tableName(exact), exact);
  assert.equal(tableName("a\nb\tc\\d"), "a\\x0ab\\x09c\\\\d");
  const emoji = "😀".repeat(100); // 200 UTF-16 units, 100 characters
  const shown = tableName(emoji);
  assert.equal(shown, "😀".repeat(NAME_WIDTH - "…[100-chars]".length) + "…[100-chars]");
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(shown), "no lone high surrogate");
});

/** Names that are also properties of every plain object. */
const PROTOTYPE_NAMES = ["__proto__", "constructor", "hasOwnProperty", "toString", "valueOf"];

test("mrl summary, --json, dump and read: queues named __proto__, constructor, toString, ... are listed like any other", async () => {
  await withQueues(PROTOTYPE_NAMES, async (dir) => {
    const { code, out } = await mrl(["summary", dir]);
    assert.equal(code, 0);
    const table = out.split("\n\n")[0].split("\n").slice(1).map((r) => r.split(/ +/));
    assert.deepEqual(
      table,
      PROTOTYPE_NAMES.map((name) => [name, "0", "0", "1", String(Math.min(name.length, 10)), "0"]),
    );
    assert.match(
      out,
      /^wal-00000000000000000000 .* __proto__: 9, constructor: 10, hasOwnProperty: 10, toString: 8, valueOf: 7$/m,
    );

    const json = JSON.parse((await mrl(["summary", dir, "--json"])).out);
    assert.deepEqual(Object.keys(json.queues), PROTOTYPE_NAMES);
    for (const name of PROTOTYPE_NAMES) {
      assert.equal(Object.getOwnPropertyDescriptor(json.queues, name)?.value.records, 1, name);
    }
    assert.deepEqual(Object.keys(json.files[0].retained), PROTOTYPE_NAMES);

    const dump = JSON.parse((await mrl(["dump", dir])).out);
    assert.deepEqual(Object.keys(dump.queues), PROTOTYPE_NAMES);
    assert.deepEqual(await mrl(["read", dir, "__proto__"]), {
      code: 0,
      out: "0 __proto__\n",
      err: "",
    });
  });
});
