/**
 * Which runtime the code runs on: the one place that asks. Adapters and the
 * SQLite loader choose their runtime's API from its answer; nothing else looks
 * at `Deno` or `Bun` globals to decide (a feature check on one, like
 * `Deno.unrefTimer`, is not a choice of runtime).
 *
 * @module
 */

/** The runtime this code runs on. */
export function runtimeName(): "deno" | "bun" | "node" {
  const globals = globalThis as { Deno?: unknown; Bun?: unknown };
  return globals.Deno !== undefined ? "deno" : globals.Bun !== undefined ? "bun" : "node";
}
