/**
 * Every example in the doc comments and the README runs on this runtime as
 * written (Deno runs them with `deno test --doc`; this file runs them on
 * Bun, and on Node against the npm build): each one is written to a file of
 * its own, with `@mrl/core` pointing at this checkout, and must exit with
 * status 0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../helpers/repo.ts";

const root = repoRoot();

/** One example: where it is, and its code. */
interface Example {
  where: string;
  code: string;
}

/** The files whose doc comments hold examples: the entry points and everything under src/. */
function sourceFiles(): string[] {
  const files = ["mod.ts", "deno.ts", "bun.ts", "node.ts", "jetstream.ts"]
    .map((name) => join(root, name))
    .filter((path) => existsSync(path));
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) files.push(path);
    }
  };
  walk(join(root, "src"));
  files.push(join(root, "README.md"));
  return files;
}

/**
 * The TypeScript example blocks of the doc comments of `path` (without their
 * ` * ` margins), or of a Markdown file (but blocks marked ignore).
 */
function examplesOf(path: string): Example[] {
  const markdown = path.endsWith(".md");
  const open = markdown ? /^```ts\s*$/ : /^\s*\* ```ts\s*$/;
  const close = markdown ? /^```\s*$/ : /^\s*\* ```\s*$/;
  const found: Example[] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!open.test(lines[i])) continue;
    const start = i + 1;
    const code: string[] = [];
    for (i++; i < lines.length && !close.test(lines[i]); i++) {
      code.push(markdown ? lines[i] : lines[i].replace(/^\s*\* ?/, ""));
    }
    found.push({ where: `${relative(root, path)}:${start}`, code: code.join("\n") });
  }
  return found;
}

/** The module a `@mrl/core` specifier names, on this runtime: the sources (Bun) or the npm build (Node). */
function target(subpath: string): string {
  const name = subpath === "" ? "mod" : subpath === "cli" ? "src/cli/bin" : subpath;
  const file = "Bun" in globalThis ? join(root, `${name}.ts`) : join(root, "npm", `${name}.js`);
  return pathToFileURL(file).href;
}

function rewrite(code: string): string {
  return code.replace(
    /from "@mrl\/core(?:\/([a-z]+))?"/g,
    (_, subpath: string | undefined) => `from ${JSON.stringify(target(subpath ?? ""))}`,
  );
}

/** Runs `file` with this runtime; resolves to its exit code and output. */
function run(file: string): Promise<{ code: number | null; output: string }> {
  const args = "Bun" in globalThis ? [file] : [
    ...(Number(process.versions.node.split(".")[0]) < 23 ? ["--experimental-strip-types"] : []),
    "--no-warnings",
    file,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => output += chunk);
    child.stderr.on("data", (chunk) => output += chunk);
    child.on("close", (code) => resolve({ code, output }));
  });
}

test("doc examples: every example in the doc comments and the README runs on this runtime", {
  timeout: 300_000,
  // Deno runs them itself: deno test --doc (the deno block of npm test).
  skip: "Deno" in globalThis ? "on Deno, deno test --doc runs these examples" : false,
}, async (t) => {
  if (!("Bun" in globalThis) && !existsSync(join(root, "npm", "mod.js"))) {
    t.skip("the npm build (npm/mod.js) is missing: run the build first");
    return;
  }
  const examples = sourceFiles().flatMap(examplesOf);
  assert.ok(examples.length > 100, `only ${examples.length} examples found`);
  const dir = await mkdtemp(join(tmpdir(), "mrl-doc-examples-"));
  const failures: string[] = [];
  try {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < examples.length; i = next++) {
        const file = join(dir, `example_${i}.mts`);
        await writeFile(file, rewrite(examples[i].code));
        const { code, output } = await run(file);
        if (code !== 0) {
          failures.push(`${examples[i].where} (exit ${code}): ${output.slice(0, 400)}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.deepEqual(failures, []);
});
