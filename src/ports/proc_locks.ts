/**
 * Linux's table of held file locks, `/proc/locks`, read to see locks of a
 * kind this process cannot take itself. A runtime that holds only one kind
 * of lock (Node: OFD; Deno without FFI: flock) takes its lock first and then
 * looks here for a lock of another kind on the same file: since both sides
 * take before they look, two such owners cannot both miss each other (in a
 * tie both may refuse; neither wins silently; dir_lock.ts looks a few times,
 * so that a process of both kinds backing off is not taken for an owner).
 * The table shows flock locks
 * only to readers in the holder's PID namespace, and OFD locks to all.
 *
 * Deno refuses to read the table without `--allow-all` (and `-A` grants FFI,
 * hence both kinds), so a Deno process without FFI announces itself in a
 * file before it checks, and Node looks here only when that file names
 * somebody (dir_lock.ts, `ofdOnlyHolder`); the ownership race tests check
 * that pair. Reading the table costs 5-20 ms on an idle machine: the kernel
 * stops every file-lock call in the system while it lists the table, which
 * waits for an RCU grace period.
 *
 * Uses `node:fs`, which Deno, Bun and Node all provide.
 *
 * @module
 */
import * as fs from "node:fs";

/** Splits an encoded `st_dev` (glibc's makedev layout, as every runtime reports it) into "maj:min" hex. */
export function deviceLabel(dev: number): string {
  const d = BigInt(dev);
  const major = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & 0xfffff000n));
  const minor = Number((d & 0xffn) | ((d >> 12n) & 0xffffff00n));
  return `${major.toString(16).padStart(2, "0")}:${minor.toString(16).padStart(2, "0")}`;
}

/**
 * The kinds of lock ("FLOCK", "OFDLCK", "POSIX", ...) held on the file with
 * device `dev` and inode `ino`, from the text of /proc/locks; waiters
 * (lines marked "->") are left out.
 */
export function lockKindsOn(table: string, dev: number, ino: number): string[] {
  const id = `${deviceLabel(dev)}:${ino}`;
  const kinds: string[] = [];
  for (const line of table.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || fields[1] === "->") continue;
    // "1: FLOCK  ADVISORY  WRITE 5489 fe:00:2146976 0 EOF"
    if (fields[5] === id) kinds.push(fields[1]);
  }
  return kinds;
}

/**
 * The kinds of lock held on the file other than `own` (the kinds this
 * process holds, which the kernel keeps anyone else from holding), or
 * undefined where /proc/locks cannot be read.
 */
export function foreignLockKinds(
  dev: number,
  ino: number,
  own: readonly string[],
  readTable: () => string = () => fs.readFileSync("/proc/locks", "utf8"),
): string[] | undefined {
  let table: string;
  try {
    table = readTable();
  } catch {
    return undefined;
  }
  const mine = new Set<string>(own.map((kind) => (kind === "ofd" ? "OFDLCK" : "FLOCK")));
  return lockKindsOn(table, dev, ino).filter((kind) => !mine.has(kind));
}
