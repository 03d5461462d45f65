/**
 * The runtime's own SQLite, as the one call the directory lock needs: open a
 * connection to a database file. `node:sqlite` on Node and Deno, `bun:sqlite`
 * on Bun, both built in (no native addon, nothing a bundler can drop). The
 * lock itself is `ownership/sqlite_lock.ts`.
 *
 * @module
 */
import process from "node:process";
import { runtimeName } from "./runtime.ts";

/** The few calls of `node:sqlite`'s DatabaseSync and `bun:sqlite`'s Database the lock uses. */
export interface SqliteConnection {
  /** Runs SQL with no result (throws SQLite's error). */
  exec(sql: string): void;
  /** Closes the connection (and its descriptor, unless another connection of the process shares the file). */
  close(): void;
}

/** Opens a connection to the database file at a path (created if missing). */
export type SqliteConnect = (path: string) => SqliteConnection;

/** This runtime has no SQLite to lock with. */
export class NoSqliteError extends Error {}

let connect: Promise<SqliteConnect> | undefined;

/** SQLite's connection maker for this runtime (loaded once). */
export function loadConnect(): Promise<SqliteConnect> {
  connect ??= (async (): Promise<SqliteConnect> => {
    if (runtimeName() === "bun") {
      const spec = "bun:sqlite"; // a variable: bundlers for other targets leave it alone
      const { Database } = (await import(spec)) as {
        Database: new (path: string, options: { create: boolean }) => SqliteConnection & {
          run(sql: string): void;
        };
      };
      return (path) => {
        const db = new Database(path, { create: true });
        return { exec: (sql) => db.run(sql), close: () => db.close() };
      };
    }
    const { DatabaseSync } = (await importQuietly("node:sqlite")) as {
      DatabaseSync: new (path: string, options: { timeout: number }) => SqliteConnection;
    };
    return (path) => new DatabaseSync(path, { timeout: 0 });
  })();
  connect.catch(() => connect = undefined); // a later open may try again
  return connect;
}

/**
 * Imports `node:sqlite` without the ExperimentalWarning Node 22 prints when
 * it is loaded (the module is stable on Node 24 and later, and Deno prints
 * nothing): only this library's use of it, an empty database held locked,
 * would be behind that line on a user's stderr. Any other warning passes.
 */
async function importQuietly(spec: string): Promise<unknown> {
  const original = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: unknown, ...rest: unknown[]) {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string })?.type;
    const text = warning instanceof Error ? warning.message : String(warning);
    if (type === "ExperimentalWarning" && /sqlite/i.test(text)) return;
    return (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return await import(spec);
  } catch (err) {
    throw new NoSqliteError(
      `this runtime has no ${spec} (Node 22.13 or later, Deno 2.7 or later and Bun 1.4 or later have it)`,
      { cause: err },
    );
  } finally {
    process.emitWarning = original;
  }
}
