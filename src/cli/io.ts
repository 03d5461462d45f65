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
