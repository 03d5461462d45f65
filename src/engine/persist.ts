/**
 * The persist policy as a small state machine: tells, after each append or
 * truncation, how durable it must be before it commits; with an `interval`
 * policy's `timer`, also persists by itself once the interval is over.
 *
 * @module
 */
import type { PersistAction, PersistPolicy } from "../types.ts";
import { unrefTimeout } from "../ports/timers.ts";
import {
  type Durability,
  DURABILITY_FLUSH,
  DURABILITY_FSYNC,
  DURABILITY_NONE,
} from "./pipeline.ts";

/** Decides when appends and truncations persist. */
export class PersistSchedule {
  readonly #policy: PersistPolicy;
  /** Called by the timer with the durability the policy asks for. */
  readonly #persist: (durability: Durability) => void;
  #due: number;
  /** Cancels the armed timer; undefined when none is armed. */
  #cancelTimer: (() => void) | undefined;
  #stopped = false;

  /** `persist` is what the timer of an `interval` policy with `timer: true` calls. */
  constructor(policy: PersistPolicy, persist: (durability: Durability) => void = () => {}) {
    this.#policy = policy;
    this.#persist = persist;
    this.#due = policy.kind === "interval" ? Date.now() + policy.intervalMs : 0;
  }

  /** How durable an append or truncation made now must be. */
  afterWrite(): Durability {
    const policy = this.#policy;
    if (policy.kind === "never") return DURABILITY_NONE;
    if (policy.kind === "interval") {
      const now = Date.now();
      if (now < this.#due) {
        if (policy.timer === true) this.#arm(this.#due - now);
        return DURABILITY_NONE;
      }
      this.#due = now + policy.intervalMs;
    }
    return durabilityOf(policy.action);
  }

  /** Stops the timer for good (the log is closing: close persists everything). */
  stop(): void {
    this.#stopped = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  /** Persists in `ms` milliseconds, unless a timer is armed already. */
  #arm(ms: number): void {
    if (this.#cancelTimer !== undefined || this.#stopped) return;
    this.#cancelTimer = unrefTimeout(() => {
      this.#cancelTimer = undefined;
      if (this.#stopped || this.#policy.kind !== "interval") return;
      this.#due = Date.now() + this.#policy.intervalMs;
      this.#persist(durabilityOf(this.#policy.action));
    }, ms);
  }
}

/** The durability a persist action gives (one `checkPersistAction` in `validate.ts` let through). */
export function durabilityOf(action: PersistAction): Durability {
  return action === "fsync" ? DURABILITY_FSYNC : DURABILITY_FLUSH;
}
