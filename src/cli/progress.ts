/**
 * The progress bar of `mrl` on stderr when it is a terminal: bytes read,
 * rate and time left, redrawn at most ten times a second from the first
 * byte read, and cleared at the end.
 *
 * @module
 */
import type { CliIo } from "./io.ts";

const WIDTH = 24;

/** Bytes in binary units, one decimal: "512.0 MiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as m:ss. */
function formatTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** One progress bar; draws nothing unless stderr is a terminal. */
export class Progress {
  readonly #io: CliIo;
  #label: string;
  readonly #now: () => number;
  #start = -1;
  #drawn = -Infinity;
  #width = 0;
  #stopped = false;
  /** Bytes done when the current phase began, and the last count seen. */
  #base = 0;
  #last = 0;

  constructor(io: CliIo, label: string) {
    this.#io = io;
    this.#label = label;
    this.#now = io.now ?? (() => performance.now());
  }

  /** Bytes `done` of `total` so far (counted from the start, phases included). */
  update(doneInAll: number, totalInAll: number): void {
    this.#last = doneInAll;
    if (!this.#io.isTty || this.#stopped) return;
    const done = doneInAll - this.#base;
    const total = totalInAll - this.#base;
    const now = this.#now();
    if (this.#start < 0) this.#start = now;
    if (now - this.#drawn < 100 && done < total) return;
    this.#drawn = now;
    const fraction = total > 0 ? Math.min(done / total, 1) : 1;
    const bar = "#".repeat(Math.floor(fraction * WIDTH)).padEnd(WIDTH, ".");
    const seconds = (now - this.#start) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const left = rate > 0 ? formatTime((total - done) / rate) : "-:--";
    const line = `${this.#label} [${bar}] ${formatBytes(done)} / ${formatBytes(total)}  ` +
      `${formatBytes(rate)}/s  ${left} left`;
    this.#io.err(`\r${line.padEnd(this.#width)}`);
    this.#width = line.length;
  }

  /**
   * Starts a new phase (a second pass) under `label`: bytes, rate and time
   * left count from here, against what is left of the total.
   */
  phase(label: string): void {
    this.#label = label;
    this.#base = this.#last;
    this.#start = -1;
    this.#drawn = -Infinity;
  }

  /** Clears the bar and draws no more when stdout is the terminal too (output is starting). */
  yieldToOutput(): void {
    if (this.#io.outIsTty !== true) return;
    this.end();
    this.#stopped = true;
  }

  /** Clears the bar. */
  end(): void {
    if (this.#io.isTty && this.#width > 0) this.#io.err(`\r${" ".repeat(this.#width)}\r`);
    this.#width = 0;
  }
}
