/**
 * The persist policy as a small state machine: tells, after each append or
 * truncation, whether to persist and how.
 *
 * @module
 */
import type { PersistAction, PersistPolicy } from "./options.ts";

/** Validates a policy given by a user; throws TypeError/RangeError. */
export function checkPersistPolicy(policy: PersistPolicy): void {
  if (policy === null || typeof policy !== "object") {
    throw new TypeError(`persistPolicy must be an object, got ${String(policy)}`);
  }
  const kind = (policy as { kind?: unknown }).kind;
  if (kind === "never") return;
  if (kind !== "always" && kind !== "interval") {
    throw new TypeError(
      `persistPolicy.kind must be "always", "interval" or "never", got ${String(kind)}`,
    );
  }
  const action = (policy as { action?: unknown }).action;
  if (action !== "flush" && action !== "fsync") {
    throw new TypeError(`persistPolicy.action must be "flush" or "fsync", got ${String(action)}`);
  }
  if (kind === "interval") {
    const ms = (policy as { intervalMs?: unknown }).intervalMs;
    if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(
        `persistPolicy.intervalMs must be a finite number >= 0, got ${String(ms)}`,
      );
    }
  }
}

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
