/**
 * Command-line arguments of `mrl`: positionals and `--name value` options,
 * checked against what each command accepts.
 *
 * @module
 */

/** A usage error: printed with the usage line, exit status 2. */
export class UsageError extends Error {}

/** Parsed arguments. */
export interface Parsed {
  positionals: string[];
  options: Map<string, string>;
  help: boolean;
}

/** Splits `args`; `known` lists the options (without `--`) that take a value. */
export function parseArgs(args: string[], known: readonly string[]): Parsed {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      help = true;
    } else if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, options, help };
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
