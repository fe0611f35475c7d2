import { describe, expect, it } from "vitest";
import { commandArgs } from "../src/args.js";

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
