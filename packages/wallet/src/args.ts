import { UsageError } from "./wallet.js";

export interface ParsedArgs {
  positional: string[];
  values: Map<string, string[]>;
  flags: Set<string>;
}

export interface ArgSpec {
  /** options that take a value (`--name V` or `--name=V`) */
  values: readonly string[];
  /** options that may be given more than once */
  repeatable?: readonly string[];
  /** options without a value */
  flags: readonly string[];
}

export function parseArgs(args: readonly string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      out.positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith("--") || a === "--") {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (spec.flags.includes(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      out.flags.add(name);
      continue;
    }
    if (!spec.values.includes(name)) {
      const known = [...spec.values, ...spec.flags].map((n) => `--${n}`).join(", ");
      throw new UsageError(`unknown option --${name}; this command takes ${known}`);
    }
    let value: string;
    if (eq > 0) value = a.slice(eq + 1);
    else {
      if (i + 1 >= args.length) throw new UsageError(`--${name} needs a value`);
      value = args[++i];
    }
    const list = out.values.get(name) ?? [];
    if (list.length > 0 && !spec.repeatable?.includes(name)) throw new UsageError(`--${name} is given twice; give it once`);
    list.push(value);
    out.values.set(name, list);
  }
  return out;
}

export const optionValue = (p: ParsedArgs, name: string): string | undefined => p.values.get(name)?.[0];
