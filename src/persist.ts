/**
 * The persist policy as a small state machine: tells, after each append or
 * truncation, how durable it must be before it commits.
 *
 * @module
 */
import type { PersistAction, PersistPolicy } from "./options.ts";
import {
  type Durability,
  DURABILITY_FLUSH,
  DURABILITY_FSYNC,
  DURABILITY_NONE,
} from "./pipeline.ts";

/** Decides when appends and truncations persist. */
export class PersistSchedule {
  readonly #policy: PersistPolicy;
  #due: number;

  constructor(policy: PersistPolicy) {
    this.#policy = policy;
    this.#due = policy.kind === "interval" ? Date.now() + policy.intervalMs : 0;
  }

  /** How durable an append or truncation made now must be. */
  afterWrite(): Durability {
    const policy = this.#policy;
    if (policy.kind === "never") return DURABILITY_NONE;
    if (policy.kind === "interval") {
      const now = Date.now();
      if (now < this.#due) return DURABILITY_NONE;
      this.#due = now + policy.intervalMs;
    }
    return durabilityOf(policy.action);
  }
}

/** The durability a persist action gives. */
export function durabilityOf(action: PersistAction): Durability {
  if (action === "fsync") return DURABILITY_FSYNC;
  if (action === "flush") return DURABILITY_FLUSH;
  throw new TypeError(`persist action must be "flush" or "fsync", got ${String(action)}`);
}
