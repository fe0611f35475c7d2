import { blockHash, coinsText, DEVNET, encodeAddress, genesisBlock, txid } from "@utxolab/core";
import { parseOptions } from "./args.js";

/** Prints the devnet genesis block and the ten public devnet accounts; it takes no options or arguments. */
export function runGenesis(args: string[]): number {
  parseOptions("utxolab genesis", { args, options: {} });
  const g = genesisBlock(DEVNET);
  console.log(`devnet genesis block ${blockHash(g.header)}`);
  console.log(
    `  time ${g.header.time} (${new Date(g.header.time * 1000).toISOString()}), bits 0x${g.header.bits.toString(16)}, nonce ${g.header.nonce}`,
  );
  console.log(`  coinbase ${txid(g.txs[0])}`);
  console.log("");
  console.log("devnet accounts (public keys, for local use only; `utxolab wallet import-devnet` imports them):");
  g.txs[0].outputs.forEach((o, i) => {
    console.log(`  account ${i}  ${encodeAddress(o.pubkey, DEVNET.hrp)}  ${coinsText(o.value)}`);
  });
  return 0;
}
