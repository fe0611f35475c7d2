export class UsageError extends Error {}

/** Runs a parseArgs call; a bad flag becomes an error naming it, followed by the command's usage. */
export function withUsage<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError(`${(e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, "")}\nusage: ${usage}`);
  }
}

export function intOption(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

/**
 * `pnpm devnet -- --base-port 41000` (the npm habit) hands us a literal `--` before the flags.
 * No command takes a positional that starts with `--`, so a `--` right after the command is dropped.
 */
export function commandArgs(argv: readonly string[]): { cmd: string | undefined; rest: string[] } {
  const [cmd, ...rest] = argv;
  return { cmd, rest: rest[0] === "--" ? rest.slice(1) : rest };
}
