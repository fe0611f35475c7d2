import { isAbsolute, resolve } from "node:path";
import { dumpChain, FixtureExistsError } from "../fixtures.js";
import type { ChainSource } from "../parts.js";
import { RPC, RpcError } from "./errors.js";
import type { MethodImpls } from "./methods.js";
import { Params } from "./params.js";
import { type SnapshotNode, Snapshots } from "./snapshots.js";

/** What the devnet tools reach: the clock, snapshots, the chain (fixtures) and the datadir. */
export type DevnetNode = SnapshotNode & ChainSource & { readonly datadir: string };

/** anvil-style tools for a devnet: clock control, snapshots and chain fixtures. */
export function devnetMethods(node: DevnetNode): MethodImpls {
  const snapshots = new Snapshots(node);
  return {
    setmocktime: (p) => {
      const t = new Params("setmocktime", p, 1).int(0, "timestamp", 0, 0xffffffff);
      node.clock.setMock(t);
      node.info(t === 0 ? "mock time off: the node follows the real clock" : `mock time set: the node's clock reads ${t}`);
      return null;
    },

    snapshot: (p) => {
      new Params("snapshot", p, 0);
      return snapshots.take();
    },

    revert: async (p) => {
      const v = p[0];
      const ps = new Params("revert", p, 1);
      // anvil's ids are numbers in hex ("0x1"); ours are decimal strings; both are taken
      const id = typeof v === "number" ? String(v) : ps.string(0, "id");
      await snapshots.revert(id);
      return true;
    },

    dumpchain: async (p) => {
      const f = new Params("dumpchain", p, 1).string(0, "file");
      if (f === "" || f.includes("\0")) throw new RpcError(RPC.INVALID_PARAMETER, "dumpchain: give a file name");
      const file = isAbsolute(f) ? f : resolve(node.datadir, f);
      try {
        return await dumpChain(node, file);
      } catch (e) {
        if (e instanceof FixtureExistsError) throw new RpcError(RPC.INVALID_PARAMETER, e.message);
        const code = (e as NodeJS.ErrnoException).code;
        if (code)
          throw new RpcError(RPC.INVALID_PARAMETER, `dumpchain: cannot write ${file} (${code}): give a path in a writable directory`);
        throw e;
      }
    },
  };
}
