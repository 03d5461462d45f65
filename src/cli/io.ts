/**
 * Where `mrl` writes: shared by the commands and the progress bar, which
 * import it from here rather than from each other.
 *
 * @module
 */

/** Where a command writes: stdout, stderr, and whether stderr is a terminal (for progress bars). */
export interface CliIo {
  /**
   * Writes to stdout (text, or UTF-8 bytes the callee may not keep); a
   * promise when the caller should wait before writing more.
   */
  out(text: string | Uint8Array): void | Promise<void>;
  /** Writes to stderr. */
  err(text: string): void;
  /** True when stderr is a terminal: progress bars are drawn there. */
  isTty: boolean;
  /** True when stdout is a terminal too: a bar stops once output starts, not to break its lines. */
  outIsTty?: boolean;
  /** The clock of progress bars, in milliseconds (default: `performance.now`). */
  now?(): number;
}

/**
 * What `CliIo.out` throws when the reader of stdout went away (EPIPE, e.g.
 * `mrl verify DIR | head -1`): output ends quietly, and the command exits
 * with the status it would have had (verify's verdict; 0 for the others,
 * whose status is settled before output starts).
 */
export class OutputClosed extends Error {
  constructor() {
    super("stdout closed by its reader");
  }
}

/** What `CliIo.out` throws when writing to stdout fails otherwise (ENOSPC, EIO, ...). */
export class OutputFailed extends Error {
  constructor(cause: unknown) {
    const e = cause as { code?: string; message?: string } | undefined;
    super(`cannot write to stdout: ${e?.message ?? String(cause)}`, { cause });
  }
}
