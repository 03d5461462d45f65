/**
 * Wal file naming: `wal-` followed by the file number as 20 zero-padded digits.
 *
 * @module
 */

const PREFIX = "wal-";
const DIGITS = 20;

/** The file name of wal file number `n`. */
export function walFileName(n: number): string {
  return PREFIX + String(n).padStart(DIGITS, "0");
}

/** The largest file number the Rust crate reads (a u64). */
const MAX_U64 = 18446744073709551615n;

/**
 * The file number a name stands for, or undefined when the name is not a wal
 * file name (or its number is above Number.MAX_SAFE_INTEGER: see
 * {@link isUnnumberableWalFileName}).
 */
export function parseWalFileName(name: string): number | undefined {
  if (!hasWalShape(name)) return undefined;
  const n = Number(name.slice(PREFIX.length));
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * True for a wal file name whose number the Rust crate reads (it fits a
 * u64) and a JavaScript number cannot hold exactly (above 2^53 - 1). No
 * writer reaches such a number; the directory listing refuses a log that has
 * one rather than ignore it (see `directory.ts`).
 */
export function isUnnumberableWalFileName(name: string): boolean {
  return hasWalShape(name) && !Number.isSafeInteger(Number(name.slice(PREFIX.length))) &&
    BigInt(name.slice(PREFIX.length)) <= MAX_U64;
}

/** `wal-` and exactly 20 ASCII digits. */
function hasWalShape(name: string): boolean {
  if (name.length !== PREFIX.length + DIGITS || !name.startsWith(PREFIX)) return false;
  for (let i = PREFIX.length; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Joins a directory and a file name. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}
