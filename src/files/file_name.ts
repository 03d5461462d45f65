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

/**
 * The file number a name stands for, or undefined when the name is not a wal
 * file name (or its number is above Number.MAX_SAFE_INTEGER).
 */
export function parseWalFileName(name: string): number | undefined {
  if (name.length !== PREFIX.length + DIGITS || !name.startsWith(PREFIX)) return undefined;
  for (let i = PREFIX.length; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const n = Number(name.slice(PREFIX.length));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Joins a directory and a file name. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}
