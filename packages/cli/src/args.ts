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
