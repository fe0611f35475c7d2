import { type Cleanup, rpcRaw } from "@utxolab/testkit";
import { type NodeConfig, UtxoNode } from "../src/index.js";

/** An in-process node on free loopback ports, in memory, saying nothing. */
export const QUIET = { memory: true, rpcPort: 0, p2pPort: 0, rpcToken: "t", log: () => undefined } as const;

/** Starts an in-process node (QUIET unless `extra` says otherwise), stopped by `cleanup`. */
export async function startNode(cleanup: Cleanup, extra: Partial<NodeConfig> = {}): Promise<UtxoNode> {
  const node = await UtxoNode.start({ ...QUIET, ...extra });
  cleanup.push(() => node.stop());
  return node;
}

/** A JSON-RPC call to an in-process node: the whole response (result or error). */
export async function call(node: UtxoNode, method: string, params: unknown[] = []) {
  return (await rpcRaw(node.rpc.url, node.rpcToken, method, params)).body as { result?: any; error?: { code: number; message: string } };
}
