import { describe, expect, it } from "vitest";
import { commandArgs, exitCodeFor, firstArgument, HelpRequested, parseOptions, USAGE_EXIT, UsageError } from "../src/args.js";
import { parseParam } from "../src/rpc-command.js";

describe("commandArgs", () => {
  it("drops the `--` that `pnpm devnet -- --base-port N` (the npm habit) puts before the flags", () => {
    expect(commandArgs(["devnet", "--", "--base-port", "41000"])).toEqual({ cmd: "devnet", rest: ["--base-port", "41000"] });
  });

  it("keeps everything else as it is", () => {
    expect(commandArgs(["devnet", "--base-port", "41000"])).toEqual({ cmd: "devnet", rest: ["--base-port", "41000"] });
    expect(commandArgs(["rpc", "getblockhash", "--", "5"])).toEqual({ cmd: "rpc", rest: ["getblockhash", "--", "5"] });
    expect(commandArgs([])).toEqual({ cmd: undefined, rest: [] });
  });
});

describe("parseOptions: the one parser every command uses", () => {
  const options = {
    rpc: { type: "string" },
    from: { type: "string", multiple: true },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  } as const;
  const parse = (args: string[], more: { allowPositionals?: boolean; unknownAsArgument?: boolean } = { allowPositionals: true }) =>
    parseOptions("utxolab x [--rpc URL]", { args, options, ...more });
  const refusal = (f: () => unknown): UsageError => {
    try {
      f();
    } catch (e) {
      if (e instanceof UsageError) return e;
      throw e;
    }
    throw new Error("no usage error");
  };

  it("reads `--name V`, `--name=V`, flags, short aliases and repeated options, with arguments anywhere", () => {
    expect(parse(["send", "--rpc", "http://a", "x", "--from=1", "--from", "2", "--json", "-h"])).toEqual({
      values: { rpc: "http://a", from: ["1", "2"], json: true, help: true },
      positionals: ["send", "x"],
    });
  });

  it("takes a word with one dash that is no short option as an argument (a negative amount), and `--` ends the options", () => {
    expect(parse(["send", "lab1x", "-5", "-1.5"]).positionals).toEqual(["send", "lab1x", "-5", "-1.5"]);
    expect(parse(["--", "--json"]).positionals).toEqual(["--json"]);
  });

  it("refuses each mistake with what was wrong, the usage, and exit status 2", () => {
    const cases: [string[], RegExp][] = [
      [["--colour"], /^unknown option --colour; this command takes --rpc, --from, --json, --help\nusage: utxolab x/],
      [["--json=yes"], /^--json takes no value\n/],
      [["--rpc"], /^--rpc needs a value\n/],
      [["--rpc", "a", "--rpc=b"], /^--rpc is given twice; give it once\n/],
      [["--json", "--json"], /^--json is given twice; give it once\n/],
      // the next option is not taken as the value (`--passphrase --insecure-devnet` made a wallet with that passphrase)
      [
        ["--rpc", "--json"],
        /^--rpc needs a value, and the next word "--json" is an option; to give a value that starts with --, write --rpc=--json\n/,
      ],
      [["--rpc", "-h"], /^--rpc needs a value, and the next word "-h" is an option; to give a value that starts with -, write --rpc=-h\n/],
      // an empty value fell back to the default (`--datadir ""`) or to every interface (`--rpc-bind ""`)
      [["--rpc", ""], /^--rpc was given an empty value; give it a value, or leave the option out for its default\n/],
      [["--rpc="], /^--rpc was given an empty value/],
    ];
    for (const [args, re] of cases) {
      const e = refusal(() => parse(args));
      expect(e.message).toMatch(re);
      expect(exitCodeFor(e)).toBe(USAGE_EXIT);
    }
    expect(refusal(() => parse(["extra"], {})).message).toMatch(/^unexpected argument "extra"\nusage: utxolab x/);
    expect(USAGE_EXIT).toBe(2);
    expect(exitCodeFor(new Error("the node is down"))).toBe(1);
  });

  it("answers -h and --help with the usage on a command without its own help option", () => {
    for (const h of ["-h", "--help"]) {
      const e = (() => {
        try {
          parseOptions("utxolab y [--rpc URL]", { args: ["--rpc", "u", h], options: { rpc: { type: "string" } } });
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(HelpRequested);
      expect((e as HelpRequested).message).toBe("usage: utxolab y [--rpc URL]");
    }
    expect(parse(["--rpc=--json"]).values.rpc).toBe("--json");
  });

  it("passes unknown long options on as arguments when the command asks (utxolab rpc)", () => {
    expect(parse(["getblockhash", "--x", "-12", "--json"], { allowPositionals: true, unknownAsArgument: true })).toEqual({
      values: { json: true },
      positionals: ["getblockhash", "--x", "-12"],
    });
  });
});

describe("firstArgument", () => {
  it("finds the command word after options and their values", () => {
    const options = { wallet: { type: "string" }, json: { type: "boolean" } } as const;
    expect(firstArgument(["--wallet", "dev", "--json", "balance", "x"], options)).toEqual({
      word: "balance",
      rest: ["--wallet", "dev", "--json", "x"],
    });
    expect(firstArgument(["--json"], options)).toEqual({ rest: ["--json"] });
  });
});

describe("utxolab rpc's parameters", () => {
  it("are JSON where they parse, else text; a number JSON cannot carry stays text (1e400 went as null: 'missing parameter')", () => {
    expect(parseParam("5")).toBe(5);
    expect(parseParam('["ab"]')).toEqual(["ab"]);
    expect(parseParam("lab1xyz")).toBe("lab1xyz");
    expect(parseParam("1e400")).toBe("1e400");
    expect(parseParam("-1e400")).toBe("-1e400");
  });
});
