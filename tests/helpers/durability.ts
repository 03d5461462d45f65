/**
 * Checks the order of the durability steps in a {@link MemoryFileSystem}'s
 * call log (`ops`, one directory's files), against the rules a crash-safe
 * log follows:
 * - data before rename: a file is renamed only once every write to it (and
 *   length change) is fdatasynced;
 * - data before the next file: a wal file is created only when no wal file
 *   has unsynced writes (the full file is durable before the next exists);
 * - salvage before cutting: before a wal file is truncated or removed,
 *   every salvage file is fdatasynced and its directory entry synced;
 * - the directory after create/rename: before a wal file is removed, and at
 *   every acknowledgement the test marks with `fs.mark("ack")` (under
 *   always/fsync, with no call in flight), every created or renamed entry is
 *   durable (a syncDir followed), and no file has unsynced writes.
 */

/** The rule broken at each line of `ops` that breaks one ("line 12 `rename …`: …"). */
export function durabilityViolations(ops: readonly string[]): string[] {
  const violations: string[] = [];
  /** Files with writes or length changes since their last datasync. */
  const dirty = new Set<string>();
  /** Names created or renamed to since the last syncDir. */
  const pending = new Set<string>();
  const isWal = (name: string) => /^wal-\d{20}$/.test(name);
  for (const [i, line] of ops.entries()) {
    const [op, name, to] = line.split(" ");
    const broken = (rule: string) => violations.push(`line ${i} \`${line}\`: ${rule}`);
    switch (op) {
      case "write":
      case "truncate":
        if (op === "truncate" && isWal(name)) {
          const unsafe = [...dirty, ...pending].filter((n) => n.startsWith("salvage-"));
          if (unsafe.length > 0) broken(`cuts a wal file before ${unsafe[0]} is durable`);
        }
        dirty.add(name);
        break;
      case "datasync":
        dirty.delete(name);
        break;
      case "create":
        if (isWal(name)) {
          const full = [...dirty].filter(isWal);
          if (full.length > 0) broken(`creates a wal file while ${full[0]} has unsynced writes`);
        }
        pending.add(name);
        break;
      case "rename":
        if (dirty.has(name)) broken(`renames ${name} before its data is synced`);
        if (dirty.delete(name)) dirty.add(to);
        pending.delete(name);
        pending.add(to);
        break;
      case "remove":
        if (isWal(name)) {
          const unsafe = [...pending, ...[...dirty].filter((n) => n.startsWith("salvage-"))];
          if (unsafe.length > 0) broken(`removes a wal file before ${unsafe[0]} is durable`);
        }
        dirty.delete(name);
        pending.delete(name);
        break;
      case "syncDir":
        pending.clear();
        break;
      case "ack":
        if (pending.size > 0) {
          broken(`acknowledged with the entry of ${[...pending][0]} not synced`);
        }
        if (dirty.size > 0) broken(`acknowledged with unsynced writes to ${[...dirty][0]}`);
        break;
    }
  }
  return violations;
}
