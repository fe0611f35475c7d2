import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

/** parseArgs with errors a person can act on: the bad flag and the command's usage. */
export function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
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
