/**
 * Command-line arguments of `mrl`, parsed with `node:util`'s `parseArgs`
 * (the same on Deno, Bun and Node): positionals and `--name value` options,
 * checked against what each command accepts.
 *
 * @module
 */
import { parseArgs as parse } from "node:util";

/** A usage error: printed with the usage line, exit status 2. */
export class UsageError extends Error {}

/** Parsed arguments. */
export interface Parsed {
  positionals: string[];
  options: Map<string, string>;
  /** The flags (options without a value) given. */
  flags: Set<string>;
  help: boolean;
}

/**
 * Splits `args`; `known` lists the options (without `--`) that take a
 * value, `flags` those that take none.
 */
export function parseArgs(
  args: string[],
  known: readonly string[],
  flags: readonly string[] = [],
): Parsed {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const name of known) options[name] = { type: "string" };
  for (const name of flags) options[name] = { type: "boolean" };
  let result;
  try {
    result = parse({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = (err as Error).message;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const name = /'(-[^']*)'/.exec(message)?.[1] ?? message;
      throw new UsageError(`unknown option ${name.split("=")[0]}`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const name = /'(--[\w-]+)/.exec(message)?.[1] ?? "an option";
      throw new UsageError(`${name} needs a value`);
    }
    throw new UsageError(message);
  }
  const parsed = new Map<string, string>();
  const given = new Set<string>();
  for (const [name, value] of Object.entries(result.values)) {
    if (typeof value === "string") parsed.set(name, value);
    else if (value === true && name !== "help") given.add(name);
  }
  return {
    positionals: result.positionals,
    options: parsed,
    flags: given,
    help: result.values.help === true,
  };
}

/**
 * A non-negative integer option up to `max` (compared exactly, never
 * rounded), or undefined when absent.
 */
export function integerOption(
  parsed: Parsed,
  name: string,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const value = parsed.options.get(name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || BigInt(value) > BigInt(max)) {
    throw new UsageError(
      `--${name} must be an integer from 0 to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}
