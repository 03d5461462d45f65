/** Access to the golden directories written by the Rust crate (tests/fixtures/rust-mrecordlog). */
import { copyFile, mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import process from "node:process";
import { repoRoot } from "./repo.ts";

/** The fixtures kept in the repository, relative to its root. */
export const VENDORED_FIXTURES = join("tests", "fixtures", "rust-mrecordlog");

/** Where the fixtures are: $MRL_FIXTURES, else tests/fixtures/rust-mrecordlog in the repository. */
export const FIXTURES_DIR = process.env.MRL_FIXTURES || join(repoRoot(), VENDORED_FIXTURES);

/** One operation of a fixture's script.json. */
export type ScriptOp =
  | { op: "create"; queue: string }
  | { op: "append"; queue: string; position: number | null; payloads: string[] }
  | { op: "truncate"; queue: string; position: number }
  | { op: "delete"; queue: string }
  | { op: "reopen" }
  | { op: "persist"; fsync: boolean };

/** What the Rust crate returns when it opens a fixture: expected.json. */
export interface Expected {
  queues: Record<string, { last_position: number | null; records: [number, string][] }>;
}

/** Names of all fixtures. */
export async function fixtureNames(): Promise<string[]> {
  const entries = await readdir(FIXTURES_DIR, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** The file size a fixture was written with. */
export function fixtureFileSize(name: string): number | undefined {
  return name === "rolling-gc" ? 131072 : undefined;
}

export async function readScript(name: string): Promise<ScriptOp[]> {
  return JSON.parse(await readFile(join(FIXTURES_DIR, name, "script.json"), "utf8"));
}

export async function readExpected(name: string): Promise<Expected> {
  return JSON.parse(await readFile(join(FIXTURES_DIR, name, "expected.json"), "utf8"));
}

/** errors.jsonl: the ops the crate rejected, in order (empty when there is no such file). */
export async function readErrors(
  name: string,
): Promise<{ op: string; queue: string; error: string }[]> {
  try {
    const lines = (await readFile(join(FIXTURES_DIR, name, "errors.jsonl"), "utf8")).split("\n");
    return lines.filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** Copies a fixture's wal/ into `target` (opening a log may write or delete files). */
export async function copyWal(name: string, target: string): Promise<void> {
  const source = join(FIXTURES_DIR, name, "wal");
  await mkdir(target, { recursive: true });
  for (const file of await readdir(source)) await copyFile(join(source, file), join(target, file));
}

/** A directory's wal files, each with trailing all-zero 32 KiB blocks cut off. */
export async function trimmedWalFiles(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const file of (await readdir(dir)).sort()) {
    if (!file.startsWith("wal-")) continue;
    const data = new Uint8Array(await readFile(join(dir, file)));
    let end = data.length;
    while (end >= 32768 && data.subarray(end - 32768, end).every((b) => b === 0)) end -= 32768;
    out.set(file, data.subarray(0, end));
  }
  return out;
}

export function base64ToBytes(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, "base64"));
}

export function bytesToBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}
