/**
 * The persist policy as a small state machine: tells, after each append or
 * truncation, whether to persist and how.
 *
 * @module
 */
import type { PersistAction, PersistPolicy } from "./options.ts";

/** Decides when appends and truncations persist. */
export class PersistSchedule {
  readonly #policy: PersistPolicy;
  #due: number;

  constructor(policy: PersistPolicy) {
    this.#policy = policy;
    this.#due = policy.kind === "interval" ? Date.now() + policy.intervalMs : 0;
  }

  /** The action to take now for a write, or undefined for none. */
  afterWrite(): PersistAction | undefined {
    const policy = this.#policy;
    if (policy.kind === "always") return policy.action;
    if (policy.kind === "never") return undefined;
    const now = Date.now();
    if (now < this.#due) return undefined;
    this.#due = now + policy.intervalMs;
    return policy.action;
  }
}
