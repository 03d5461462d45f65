/**
 * The README the packages carry (npm/ and the JSR package), made from the
 * repository's README.md: the sections a user of the library needs (install,
 * use, API, errors, policies, the CLI, what survives what, ownership, the
 * format), without the development notes (running the suite, benchmarks,
 * internals, layout), which stay in the repository's README.
 *
 * Every `## ` section of README.md is either kept or dropped by name below; a
 * section in neither list fails the build, so a new section is placed on
 * purpose. Inside a kept section, lines between `<!-- package:omit -->` and
 * `<!-- /package:omit -->` are left out.
 *
 * Run: deno run -A scripts/package_readme.ts [README.md] (prints the result).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";

/** Sections a user of the package needs. */
export const KEPT_SECTIONS: readonly string[] = [
  "Install",
  "Use",
  "The `mrl` command-line tool",
  "Compaction: bounded disk with quiet queues",
  "What survives what",
  "Ownership: one writer per directory",
  "Compatibility with the Rust crate",
  "License",
];

/** Development notes: they stay in the repository's README. */
export const DROPPED_SECTIONS: readonly string[] = [
  "Quick start",
  "Development",
  "Performance",
  "How it is built",
  "Layout",
];

const OMIT_START = "<!-- package:omit -->";
const OMIT_END = "<!-- /package:omit -->";

/** The packages' README made from the repository's `readme` text. */
export function packageReadme(readme: string): string {
  const lines = readme.replace(/\r\n/g, "\n").split("\n");
  const out: string[] = [];
  let keep = true;
  let omitting = false;
  let inFence = false;
  for (const line of lines) {
    if (/^(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? undefined : /^## (.+?)\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      if (KEPT_SECTIONS.includes(heading)) keep = true;
      else if (DROPPED_SECTIONS.includes(heading)) keep = false;
      else {
        throw new Error(
          `package_readme: README.md section "## ${heading}" is neither kept nor dropped: ` +
            "add it to KEPT_SECTIONS or DROPPED_SECTIONS in scripts/package_readme.ts",
        );
      }
    }
    if (line.trim() === OMIT_START) {
      omitting = true;
      continue;
    }
    if (line.trim() === OMIT_END) {
      omitting = false;
      continue;
    }
    if (keep && !omitting) out.push(line);
  }
  if (omitting) throw new Error(`package_readme: ${OMIT_START} without ${OMIT_END}`);
  // The title and the introduction come before the first section: kept, followed by a note
  // saying where the development notes are.
  const firstSection = out.findIndex((line) => line.startsWith("## "));
  const note = [
    "This is the package's README. The repository's README adds the development notes: running the",
    "test suite on every runtime, the benchmarks and how the library is built.",
    "",
  ];
  out.splice(firstSection === -1 ? out.length : firstSection, 0, ...note);
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

if (import.meta.main) {
  process.stdout.write(packageReadme(readFileSync(process.argv[2] ?? "README.md", "utf8")));
}
