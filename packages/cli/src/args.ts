import { parseArgs } from "node:util";

/**
 * A mistake in what the person typed (an unknown option, a bad address, a missing argument):
 * the message says what was wrong and what to type instead. Every command throws this one
 * class, and `exitCodeFor` turns it into USAGE_EXIT.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The exit status for something mistyped, as POSIX utilities and shell builtins use; 1 is for everything else. */
export const USAGE_EXIT = 2;

/** `-h` or `--help` on a command that has no help of its own: its usage goes to stdout, exit 0. */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super(`usage: ${usage}`);
    this.name = "HelpRequested";
  }
}

/** The one exit-code rule: 2 for a usage error, 1 for any other failure. */
export const exitCodeFor = (e: unknown): number => (e instanceof UsageError ? USAGE_EXIT : 1);

export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** may be given more than once; the values come back as a list */
  readonly multiple?: boolean;
  /** a one-letter alias, e.g. `h` for `-h` */
  readonly short?: string;
}

export type Options = Readonly<Record<string, OptionSpec>>;

/** Options that take a value: `--name V`. */
export const strings = <K extends string>(...names: K[]) => table(names, { type: "string" } as const);
/** Options without a value: `--name`. */
export const flags = <K extends string>(...names: K[]) => table(names, { type: "boolean" } as const);
/** Options that take a value and may be given more than once: `--name A --name B`. */
export const lists = <K extends string>(...names: K[]) => table(names, { type: "string", multiple: true } as const);

/** `--help`, or `-h`. */
export const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

const table = <K extends string, S extends OptionSpec>(names: K[], spec: S) =>
  Object.fromEntries(names.map((n) => [n, spec])) as { readonly [N in K]: S };

export type OptionValues<O extends Options> = {
  -readonly [K in keyof O]?: O[K]["type"] extends "boolean" ? true : O[K]["multiple"] extends true ? string[] : string;
};

export interface ParseConfig<O extends Options> {
  readonly args: readonly string[];
  readonly options: O;
  /** words that are not options are allowed (the command's arguments); off, the first one is refused */
  readonly allowPositionals?: boolean;
  /** a word that looks like a long option this command does not know (`--x`) is an argument: `utxolab rpc` passes it on */
  readonly unknownAsArgument?: boolean;
}

export interface Parsed<O extends Options> {
  values: OptionValues<O>;
  positionals: string[];
}

/**
 * The one argument parser of `utxolab`: node's `util.parseArgs` splits the words (`--name V`,
 * `--name=V`, `-h`, `--` before arguments that start with a dash), and this function judges
 * them, so every command refuses the same mistakes with the same words, followed by its usage:
 * an unknown option (naming the ones it takes), a flag given a value, an option without its
 * value, an option given twice that is not `multiple`. A word with one dash that is not a
 * short option (`-5`) is an argument, so negative numbers need no `--` before them.
 */
export function parseOptions<O extends Options>(usage: string, config: ParseConfig<O>): Parsed<O> {
  const { tokens } = parseArgs({
    args: [...config.args],
    options: config.options as Record<string, OptionSpec>,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const fail = (what: string) => new UsageError(`${what}\nusage: ${usage}`);
  const values: Record<string, string | true | string[]> = {};
  const positionals: string[] = [];
  let passedOn = -1;
  // `-h` after an option that takes a value is the help flag, not the value (`--passphrase -h` made that the passphrase)
  const shorts = new Set([
    "-h",
    ...Object.values(config.options as Record<string, OptionSpec>).flatMap((o) => (o.short ? [`-${o.short}`] : [])),
  ]);
  for (const t of tokens) {
    if (t.kind === "positional") positionals.push(t.value);
    if (t.kind !== "option") continue;
    const spec = Object.hasOwn(config.options, t.name) ? config.options[t.name] : undefined;
    // every command answers -h and --help; one with its own help option handles it itself
    if (!spec && (t.rawName === "-h" || t.rawName === "--help")) throw new HelpRequested(usage);
    if (!spec) {
      // A word with one dash that is no short option is an argument: `send ADDRESS -5` is refused for its amount.
      const long = t.rawName.startsWith("--");
      if (long && !config.unknownAsArgument) throw fail(`unknown option ${t.rawName}; ${optionList(config.options)}`);
      // `-12` is split into `-1` and `-2`, both at the same index: pass the word on once, as typed
      if (t.index !== passedOn) positionals.push(config.args[t.index]);
      passedOn = t.index;
      continue;
    }
    const flag = `--${t.name}`;
    if (spec.type === "boolean") {
      if (t.value !== undefined) throw fail(`${flag} takes no value`);
      if (Object.hasOwn(values, t.name)) throw fail(`${flag} is given twice; give it once`);
      values[t.name] = true;
    } else if (t.value === undefined) {
      throw fail(`${flag} needs a value`);
    } else if (t.value.trim() === "") {
      // `--datadir ""` fell back to the default datadir, `--rpc-bind ""` to every interface
      throw fail(`${flag} was given an empty value; give it a value, or leave the option out for its default`);
    } else if (!t.inlineValue && ((t.value.startsWith("--") && t.value.length > 2) || shorts.has(t.value))) {
      // `--passphrase --insecure-devnet` made a wallet whose passphrase was the flag's name
      throw fail(
        `${flag} needs a value, and the next word ${JSON.stringify(t.value)} is an option; to give a value that starts with ${t.value.startsWith("--") ? "--" : "-"}, write ${flag}=${t.value}`,
      );
    } else if (spec.multiple) {
      ((values[t.name] as string[] | undefined) ?? (values[t.name] = [])).push(t.value);
    } else {
      if (Object.hasOwn(values, t.name)) throw fail(`${flag} is given twice; give it once`);
      values[t.name] = t.value;
    }
  }
  if (!config.allowPositionals && positionals.length > 0) throw fail(`unexpected argument ${JSON.stringify(positionals[0])}`);
  return { values: values as OptionValues<O>, positionals };
}

const optionList = (options: Options) => {
  const names = Object.keys(options).map((n) => `--${n}`);
  return names.length === 0 ? "this command takes no options" : `this command takes ${names.join(", ")}`;
};

/**
 * The first word that is neither an option nor an option's value, and the words without it:
 * `utxolab wallet --wallet dev balance` runs `balance`. `options` says which options take a value.
 */
export function firstArgument(args: readonly string[], options: Options): { word?: string; rest: string[] } {
  const { tokens } = parseArgs({ args: [...args], options: options as Record<string, OptionSpec>, strict: false, tokens: true });
  const first = tokens.find((t) => t.kind === "positional");
  if (!first) return { rest: [...args] };
  return { word: first.value, rest: [...args.slice(0, first.index), ...args.slice(first.index + 1)] };
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
