/**
 * Stages the JSR package into jsr/ (or the directory given): the files
 * deno.json's `publish.include` names, the package README made from
 * README.md (scripts/package_readme.ts: no development notes), and a
 * deno.json holding what JSR reads (name, version, license, exports, the
 * files to publish). Publish from there:
 *
 *   deno task build:jsr && cd jsr && deno publish
 *
 * The sources need no import map: their one npm dependency is named in full
 * (`npm:hash-wasm@...`), so the staged package resolves as the repository does.
 *
 * Run: deno run -A scripts/build_jsr.ts [out-dir]
 *
 * @module
 */
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { packageReadme } from "./package_readme.ts";

const root = new URL("..", import.meta.url).pathname;
const out = resolve(process.argv[2] ?? join(root, "jsr"));
const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const include: string[] = deno.publish.include;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const entry of include) {
  if (entry === "deno.json" || entry === "README.md") continue; // written below
  const from = join(root, entry);
  const to = join(out, entry);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: statSync(from).isDirectory() });
}
const manifest = {
  name: deno.name,
  version: deno.version,
  license: deno.license,
  exports: deno.exports,
  compilerOptions: deno.compilerOptions,
  publish: { include },
};
writeFileSync(join(out, "deno.json"), JSON.stringify(manifest, null, 2) + "\n");
writeFileSync(join(out, "README.md"), packageReadme(readFileSync(join(root, "README.md"), "utf8")));
console.log(`build_jsr: ${deno.name}@${deno.version} staged in ${out}`);
