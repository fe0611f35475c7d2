import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Amount,
  type Block,
  blockHash,
  DEVNET,
  devnetAccounts,
  genesisBlock,
  hexToBytes,
  MemoryUtxoSet,
  makeCoinbase,
  merkleRoot,
  signTx,
  type Transaction,
  txid,
} from "@utxolab/core";
import { RECEIVE } from "../src/hd.js";
import { Wallet } from "../src/wallet.js";

export const ABANDON = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

export const tempDir = (prefix = "utxolab-wallet-") => mkdtempSync(join(tmpdir(), prefix));

export function newWallet(file = join(tempDir(), "w.json"), passphrase: string | null = null): Wallet {
  return Wallet.create(file, { mnemonic: ABANDON, passphrase, scryptN: 2 ** 10 });
}

/** A block (proof of work not needed here) whose second transaction pays `values` to the wallet's first receive keys. */
export function fundingBlock(
  w: Wallet,
  values: bigint[],
  height = 1,
  prev: Block = genesisBlock(DEVNET),
): { block: Block; funding: Transaction } {
  const g = genesisBlock(DEVNET);
  const acct = devnetAccounts()[0];
  const keys = w.keys.filter((k) => k.chain === RECEIVE).sort((a, b) => a.index - b.index);
  const outputs = values.map((v, i) => ({ value: v as Amount, pubkey: hexToBytes(keys[i % keys.length].pubkey) }));
  const unsigned: Transaction = {
    version: 1,
    inputs: [{ prevTxid: txid(g.txs[0]), vout: 0, witness: new Uint8Array(0) }],
    outputs,
    locktime: 0,
  };
  const funding = signTx(unsigned, [g.txs[0].outputs[0]], [acct.sk]);
  const coinbase = makeCoinbase(height, [{ value: 50n as Amount, pubkey: devnetAccounts()[9].pubkey }]);
  const txs = [coinbase, funding];
  const block: Block = {
    header: {
      version: 1,
      prevHash: blockHash(prev.header),
      merkleRoot: merkleRoot(txs.map(txid)),
      time: prev.header.time + 60,
      bits: DEVNET.bits,
      nonce: 0,
    },
    txs,
  };
  return { block, funding };
}

/** The UTXO set the node would hold for the wallet's coins. */
export function utxoSetOf(w: Wallet): MemoryUtxoSet {
  const set = new MemoryUtxoSet();
  for (const c of w.coins.values())
    set.add(c.txid, c.vout, { value: c.value, pubkey: hexToBytes(c.pubkey), height: c.height, coinbase: c.coinbase });
  return set;
}
