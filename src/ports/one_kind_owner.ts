/**
 * Ownership between processes that hold one kind of kernel lock each, on
 * Linux: Node holds an OFD lock only, Deno without FFI a flock only, and
 * neither kind excludes the other (kernel_lock.ts). Each side sees the other
 * only through `/proc/locks`, and Deno without `--allow-all` may not read it.
 *
 * So each side announces itself before it looks for the other: the OFD-only
 * side writes its record into the lock file, the flock-only side into
 * {@link FLOCK_INTENT_FILE}. Of two such contenders, at least one reads the
 * other's announcement:
 * - the OFD-only side, seeing an announcement, checks `/proc/locks` for the
 *   flock (a stale announcement, left by a process that died, shows none);
 *   it reads the table only then, since listing it costs 5-20 ms;
 * - the flock-only side, unable to check an OFD lock, takes a recorded
 *   OFD-only owner as alive, after waiting a little: that owner may be about
 *   to give up because of it (a tie), and an owner that gives up puts the
 *   lock file's text back.
 * A process holding both kinds needs none of this; it blanks an
 * announcement left by a flock-only process that died.
 *
 * Uses `node:fs` (through lock_holder.ts and proc_locks.ts), which Deno,
 * Bun and Node all provide.
 *
 * @module
 */
import process from "node:process";
import type { KernelLock } from "./kernel_lock.ts";
import {
  type LockHolder,
  parseHolder,
  readHolder,
  readText,
  replaceText,
  restoreText,
} from "./lock_holder.ts";
import { foreignLockKinds } from "./proc_locks.ts";

/** Where a process holding only flock announces itself; blank when nobody. */
export const FLOCK_INTENT_FILE = ".mrl.flock";

/** The hint of a refusal because of a kernel lock. */
export const KERNEL_HINT = "close the log in that process (or stop it); the operating system " +
  "releases the lock the moment that process exits, so nothing needs clearing by hand";

const OFD_HOLDER_HINT = "a process holding an OFD lock only (Node) owns the log, or owned it and " +
  "died; Deno without --allow-ffi cannot check that lock: close the log in that process, or " +
  "give Deno --allow-ffi (or -A) so that it can; if no process has the log open, open it once " +
  "with any other runtime, which clears the record";

/** Looks at the lock file this many times, 10 ms apart, before a recorded OFD-only owner is taken as live. */
const OFD_HOLDER_LOOKS = 40;
/** Looks at /proc/locks this many times before deciding that a lock of another kind is held. */
const FOREIGN_LOOKS = 10;

/** Why an open is refused: the file naming the owner, the owner, and what to do. */
export interface OneKindRefusal {
  path: string;
  holder: LockHolder | undefined;
  hint: string;
}

/**
 * The check of one attempt at owning a directory, with kernel lock `lock`
 * held on its lock file (`paths.lockPath`).
 */
export class OneKindCheck {
  readonly #lockPath: string;
  readonly #intentPath: string;
  readonly #lock: KernelLock;
  readonly #record: string;
  readonly #readTable: (() => string) | undefined;
  readonly #kind: "ofd" | "flock" | "both";
  /** The lock file's text before this attempt replaced it with its record, if it did. */
  #previousRecord: string | undefined;
  #announced = false;

  constructor(
    paths: { lockPath: string; intentPath: string },
    lock: KernelLock,
    record: string,
    readTable?: () => string,
  ) {
    this.#lockPath = paths.lockPath;
    this.#intentPath = paths.intentPath;
    this.#lock = lock;
    this.#record = record;
    this.#readTable = readTable;
    this.#kind = process.platform !== "linux" || lock.kinds.length > 1
      ? "both"
      : lock.kinds[0] === "ofd"
      ? "ofd"
      : "flock";
  }

  /** True when the check wrote this process's record into the lock file already. */
  get recordWritten(): boolean {
    return this.#previousRecord !== undefined;
  }

  /**
   * Announces this process and looks for an owner of the other kind.
   * Resolves to the refusal when there is one (then call {@link undo}).
   */
  async run(): Promise<OneKindRefusal | undefined> {
    if (this.#kind === "ofd") {
      this.#previousRecord = readText(this.#lockPath) ?? "";
      replaceText(this.#lockPath, this.#record);
      const intent = readText(this.#intentPath);
      if (intent && await this.#foreignHolder()) {
        return { path: this.#intentPath, holder: parseHolder(intent), hint: KERNEL_HINT };
      }
    } else if (this.#kind === "flock") {
      this.#announced = true;
      replaceText(this.#intentPath, this.#record);
      const node = await this.#ofdOnlyHolder();
      if (node !== undefined) {
        return { path: this.#lockPath, holder: node, hint: OFD_HOLDER_HINT };
      }
      if (await this.#foreignHolder()) {
        return { path: this.#lockPath, holder: readHolder(this.#lockPath), hint: KERNEL_HINT };
      }
    } else if (readText(this.#intentPath)) {
      restoreText(this.#intentPath, ""); // its writer held flock, which this process holds now: gone
    }
    return undefined;
  }

  /** Puts back what the check wrote (the attempt did not end in ownership). */
  undo(): void {
    if (this.#previousRecord !== undefined) restoreText(this.#lockPath, this.#previousRecord);
    this.#previousRecord = undefined;
    this.release();
  }

  /** Withdraws the announcement, if any (ownership ends). */
  release(): void {
    if (this.#announced) restoreText(this.#intentPath, "");
    this.#announced = false;
  }

  /** The OFD-only holder the lock file still records after {@link OFD_HOLDER_LOOKS} looks, or undefined. */
  async #ofdOnlyHolder(): Promise<LockHolder | undefined> {
    for (let look = 1;; look++) {
      const holder = readHolder(this.#lockPath);
      const ofdOnly = holder !== undefined && holder.lock === "kernel" &&
        (holder.kinds !== undefined
          ? holder.kinds.length === 1 && holder.kinds[0] === "ofd"
          : holder.runtime === "node"); // written before records named their kinds
      if (!ofdOnly) return undefined;
      if (look === OFD_HOLDER_LOOKS) return holder;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Whether a process holds a kind of lock on the file that this one cannot
   * take. A process taking both kinds holds its first one for a moment and
   * drops it when it meets ours, so one sighting is not enough: it must still
   * be there after a few short pauses. Waiting is safe, since ours is held
   * all along: an owner of both kinds could not have taken the kind we hold.
   */
  async #foreignHolder(): Promise<boolean> {
    const lock = this.#lock;
    for (let look = 1;; look++) {
      const foreign = foreignLockKinds(lock.dev, lock.ino, lock.kinds, this.#readTable);
      if (foreign === undefined || foreign.length === 0) return false;
      if (look === FOREIGN_LOOKS) return true;
      await new Promise((resolve) => setTimeout(resolve, look));
    }
  }
}
