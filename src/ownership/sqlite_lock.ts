/**
 * The one kernel lock every runtime takes on a log directory: SQLite's
 * exclusive lock on the file `.mrl.lock`, held by an open transaction of the
 * runtime's own SQLite (`node:sqlite` on Node and Deno, `bun:sqlite` on Bun).
 *
 * SQLite locks a database with POSIX record locks (`fcntl` F_SETLK) on fixed
 * byte ranges, the same in every SQLite build, so every runtime's SQLite sees
 * every other's: the kernel refuses a second exclusive lock from any process,
 * in any PID namespace or container sharing the volume, on any local file
 * system, and drops the lock the moment its holder exits, however it exits.
 * Deno needs no permission for it beyond reading and writing the directory
 * (no FFI). Within one process, SQLite keeps a table of the files it has open
 * (by device and inode), so a second connection to the same file, even
 * through another path, is refused too.
 *
 * The cost of POSIX record locks: the kernel drops all of a process's locks
 * on a file when the process closes ANY descriptor of that file. So nothing
 * in this library opens `.mrl.lock` except through SQLite (SQLite itself
 * keeps such descriptors open until its last connection to the file closes),
 * and the one exception (emptying a lock file an older version left text in)
 * runs only while this process holds no lock on it.
 *
 * The lock file stays an empty database: nothing is ever written to it.
 *
 * @module
 */
import { loadConnect, NoSqliteError, type SqliteConnection } from "../ports/sqlite.ts";

/** A held exclusive lock: `release` ends the transaction and closes the connection. */
export interface SqliteLock {
  /** Drops the lock. Never throws; a second call does nothing. */
  release(): void;
}

/** Why no lock could be taken, other than another holder having it. */
export class SqliteLockUnavailable extends Error {
  /** "no-sqlite" (this runtime has no SQLite), "not-a-database" or "io". */
  readonly reason: "no-sqlite" | "not-a-database" | "io";
  /** Creates the error. */
  constructor(reason: "no-sqlite" | "not-a-database" | "io", message: string, cause?: unknown) {
    super(message, { cause });
    this.reason = reason;
  }
}

/** How long an open waits for a lock that is busy before it is refused (see trySqliteLock). */
const BUSY_TIMEOUT_MS = 100;

/** SQLite's "database is locked" (SQLITE_BUSY), as each runtime reports it. */
function isBusy(err: unknown): boolean {
  const e = err as { errcode?: unknown; code?: unknown; message?: unknown };
  return e?.errcode === 5 || e?.code === "SQLITE_BUSY" ||
    /database is locked/.test(String(e?.message));
}

/** SQLite's "file is not a database" (SQLITE_NOTADB). */
export function isNotADatabase(err: unknown): boolean {
  const e = err as { errcode?: unknown; code?: unknown; message?: unknown };
  return e?.errcode === 26 || e?.code === "SQLITE_NOTADB" ||
    /not a database/.test(String(e?.message));
}

/**
 * Tries to take the exclusive lock on the SQLite database at `path` (created
 * empty if missing), without waiting. Resolves to the held lock, or to
 * "busy" when another connection (in this process or any other) holds it.
 * Rejects with {@link SqliteLockUnavailable} when no lock can be had: no
 * SQLite in this runtime, a file that is not a database (reason
 * "not-a-database": the caller may empty it and try again), or a file
 * system that refuses (reason "io").
 */
export async function trySqliteLock(path: string): Promise<SqliteLock | "busy"> {
  let open;
  try {
    open = await loadConnect();
  } catch (err) {
    if (err instanceof NoSqliteError) {
      throw new SqliteLockUnavailable("no-sqlite", err.message, err);
    }
    throw err;
  }
  let db: SqliteConnection | undefined;
  try {
    db = open(path);
    // Contenders that start at the same moment each take SQLite's shared lock on the way to the
    // exclusive one, and each then finds the others' in its way: without waiting, all of them
    // would give up and nobody would own the directory. SQLite's busy handler makes the losers
    // drop their shared lock and retry, so the winner gets through in a millisecond or two; a
    // directory that really is held is refused once this has run out.
    // Not PRAGMA locking_mode=EXCLUSIVE: in that mode a contender that fails keeps its shared
    // lock while it waits, in the winner's way. The open transaction holds the lock anyway.
    // journal_mode=MEMORY: nothing is ever written, and without it BEGIN EXCLUSIVE creates a
    // journal file beside the lock file (OFF is refused). One call for all three statements.
    db.exec(
      `PRAGMA busy_timeout=${BUSY_TIMEOUT_MS}; PRAGMA journal_mode=MEMORY; BEGIN EXCLUSIVE`,
    );
  } catch (err) {
    try {
      db?.close();
    } catch { /* closing a connection that holds nothing */ }
    if (isBusy(err)) return "busy";
    if (isNotADatabase(err)) {
      throw new SqliteLockUnavailable("not-a-database", `${path} is not a SQLite database`, err);
    }
    throw new SqliteLockUnavailable(
      "io",
      `SQLite could not lock ${path}: ${(err as Error)?.message ?? err}`,
      err,
    );
  }
  let held: SqliteConnection | undefined = db;
  return {
    release(): void {
      const connection = held;
      held = undefined;
      try {
        connection?.close(); // closes the descriptor: the kernel drops the lock
      } catch { /* already closed */ }
    },
  };
}
