/**
 * The repository stands on its own: no source, test, script or document
 * reads from a folder beside it (the project once kept its Rust fixtures and
 * format notes in a sibling folder), the Rust fixtures are inside it, and
 * every comment citing the format document names a section it has.
 *
 * Runs from source (Deno, Bun) and compiled (Node, from npm/tests/): the
 * files checked are the sources in the repository root either way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import process from "node:process";
import { FIXTURES_DIR, VENDORED_FIXTURES } from "../helpers/fixtures.ts";
import { repoRoot } from "../helpers/repo.ts";

const root = repoRoot();
/** The format document's name, built so that this file cites nothing. */
const DOC = ["FORMAT", "md"].join(".");

/** What is checked: folders walked and single files, relative to the root. */
const WALKED = ["src", "tests", "scripts", "bench", "examples", "docs", ".ci"];
const SINGLE = [
  "mod.ts",
  "deno.ts",
  "bun.ts",
  "node.ts",
  "deno.json",
  "package.json",
  "README.md",
  "tsconfig.json",
  "tsconfig.build.json",
];
/** Never walked into: generated or installed, not the project's sources. */
const SKIPPED = new Set(["node_modules", "npm", ".git", "results"]);

// The patterns are built from pieces so that this file does not contain them.
const UP = "..";
const SIBLING = ["sha", "red"].join("");
const FORBIDDEN: { what: string; pattern: RegExp }[] = [
  { what: `a path to ${UP}/${SIBLING}`, pattern: new RegExp(`\\.\\.[/\\\\]${SIBLING}\\b`) },
  {
    what: `a path join of "${UP}", "${SIBLING}"`,
    pattern: new RegExp(`["'\`]\\.\\.["'\`]\\s*,\\s*["'\`]${SIBLING}["'\`]`),
  },
  {
    what: `the sibling folder's contents (${SIBLING}/fixtures, ${SIBLING}/reference, ...)`,
    pattern: new RegExp(`\\b${SIBLING}/(fixtures|reference|hooks|FORMAT\\.md|STYLE\\.md)`),
  },
];

/** Every file under the checked folders, plus the single files that exist; paths relative to the root. */
async function checkedFiles(): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(root, dir), { withFileTypes: true });
    } catch {
      return; // a folder this checkout does not have
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) await walk(path);
      } else if (entry.isFile()) {
        found.push(path);
      }
    }
  }
  for (const dir of WALKED) await walk(dir);
  for (const file of SINGLE) if (existsSync(join(root, file))) found.push(file);
  return found.map((f) => f.split(sep).join("/")).sort();
}

/** The file's text, or undefined for a binary file (one holding a NUL byte). */
async function textOf(file: string): Promise<string | undefined> {
  const bytes = await readFile(join(root, file));
  if (bytes.includes(0)) return undefined;
  return new TextDecoder().decode(bytes);
}

test("standalone: the checked files include the sources, the tests and this test", async () => {
  const files = await checkedFiles();
  for (
    const expected of [
      "mod.ts",
      "deno.json",
      "package.json",
      "src/log.ts",
      "tests/helpers/fixtures.ts",
      "tests/repo/standalone.test.ts",
      "scripts/consumer.test.mjs",
    ]
  ) {
    assert.ok(files.includes(expected), `${expected} is checked (root: ${root})`);
  }
});

test("standalone: no file reads from a folder beside the repository", async () => {
  const hits: string[] = [];
  for (const file of await checkedFiles()) {
    const text = await textOf(file);
    if (text === undefined) continue;
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const found = FORBIDDEN.find(({ pattern }) => pattern.test(lines[i]));
      if (found) hits.push(`${file}:${i + 1}: ${found.what}: ${lines[i].trim()}`);
    }
  }
  assert.deepEqual(hits, []);
});

test("standalone: the patterns catch what they are meant to", () => {
  const caught = (line: string) => FORBIDDEN.some(({ pattern }) => pattern.test(line));
  assert.ok(caught(`npx mrl dump ${UP}/${SIBLING}/fixtures/x/wal`));
  assert.ok(caught(`resolve(cwd, "${UP}", "${SIBLING}", "fixtures")`));
  assert.ok(caught(`join(root, '${UP}', '${SIBLING}')`));
  assert.ok(caught(`the figures in ${SIBLING}/reference`));
  assert.ok(!caught("ext4 on a shared virtual disk"));
  assert.ok(!caught("Returns the shared CRC-32 function"));
  assert.ok(!caught("tests/fixtures/rust-mrecordlog/basic/wal"));
});

test("standalone: the Rust fixtures are inside the repository, and used by default", async () => {
  const vendored = join(root, VENDORED_FIXTURES);
  if (process.env.MRL_FIXTURES === undefined || process.env.MRL_FIXTURES === "") {
    assert.equal(FIXTURES_DIR, vendored);
  }
  assert.ok((await stat(join(vendored, "README.md"))).isFile());
  const names = (await readdir(vendored, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  assert.equal(names.length, 9);
  for (const name of names) {
    for (const file of ["script.json", "expected.json"]) {
      assert.ok((await stat(join(vendored, name, file))).isFile(), `${name}/${file}`);
    }
    const wal = await readdir(join(vendored, name, "wal"));
    assert.ok(wal.length > 0 && wal.every((f) => /^wal-\d{20}$/.test(f)), `${name}/wal`);
  }
});

test("standalone: every citation of the format document names one of its sections", async () => {
  const doc = await readFile(join(root, "docs", DOC), "utf8");
  const sections = new Set(
    doc.split("\n").filter((l) => /^#{2,4} /.test(l)).map((l) => l.replace(/^#+ /, "").trim()),
  );
  const problems: string[] = [];
  let citations = 0;
  for (const file of await checkedFiles()) {
    if (file === `docs/${DOC}` || !/\.(ts|mjs|js|md)$/.test(file)) continue;
    const text = await textOf(file);
    if (text === undefined) continue;
    // Comments wrap lines: join them (dropping the comment markers) before matching.
    const flat = text.replace(/\n\s*(\*|\/\/)?\s*/g, " ");
    for (const match of flat.matchAll(new RegExp(DOC.replace(".", "\\."), "g"))) {
      const before = flat.slice(Math.max(0, match.index! - 5), match.index!);
      // A string literal in code (a path join) is not a citation.
      if (!before.endsWith("docs/") && !/["']$/.test(before)) {
        problems.push(`${file}: cites ${DOC} without its path docs/${DOC}`);
      }
      const after = flat.slice(match.index! + DOC.length);
      const cited = /^`?,\s*((?:"[^"]+"(?:,\s*|\s+and\s+)?)+)/.exec(after);
      if (cited === null) continue;
      for (const [, name] of cited[1].matchAll(/"([^"]+)"/g)) {
        citations++;
        if (!sections.has(name)) problems.push(`${file}: no section "${name}" in docs/${DOC}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(citations > 0, `some comments cite sections of docs/${DOC}`);
});
