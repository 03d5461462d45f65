/**
 * Where `mrl` writes: shared by the commands (main.ts) and the file scan
 * (files.ts), which import it from here rather than from each other.
 *
 * @module
 */

/** Where a command writes: stdout, stderr, and whether stderr is a terminal (for progress bars). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  isTty: boolean;
}
