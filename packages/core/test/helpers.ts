import {
  type Amount,
  type Block,
  buildBlock,
  bytesToHex,
  ChainState,
  DEVNET,
  devnetAccounts,
  encodeCoin,
  genesisBlock,
  genesisHash,
  type Hash,
  MemoryChainBackend,
  MemoryUtxoSet,
  type SecretKey,
  signTx,
  subsidyAt,
  type Transaction,
  type TxOutput,
  txid,
  type UtxoEntry,
  utf8,
} from "../src/index.js";

/** Clock of every test chain: far enough past genesis that no test block is "too new". */
export const NOW = DEVNET.genesis.time + 1_000_000;

export const accounts = devnetAccounts();
export const GENESIS = genesisBlock(DEVNET);
export const GENESIS_TXID = txid(GENESIS.txs[0]);
export const GENESIS_HASH = genesisHash(DEVNET);
/** Genesis as a parent for `nextBlock`. */
export const GENESIS_PARENT = { hash: GENESIS_HASH, height: 0, time: DEVNET.genesis.time };

const skByKey = new Map(accounts.map((a) => [bytesToHex(a.pubkey), a.sk]));

/** The devnet secret key that can spend a coin paying `pubkey`. */
export function keyFor(pubkey: Uint8Array): SecretKey {
  const sk = skByKey.get(bytesToHex(pubkey));
  if (!sk) throw new Error(`no devnet key for ${bytesToHex(pubkey)}`);
  return sk;
}

/** Fixed BIP340 aux randomness: the same test builds the same signatures every run. */
const AUX = new Uint8Array(32);

export async function openChain(now: () => number = () => NOW, backend = new MemoryChainBackend()) {
  const chain = await ChainState.open(DEVNET, backend, { now });
  return { chain, backend };
}

export const units = (n: bigint | number) => BigInt(n) as Amount;
export const out = (value: bigint | number, account = 0): TxOutput => ({ value: units(value), pubkey: accounts[account].pubkey });

/** A transaction spending `spent` (signed with the devnet keys that own them) to `outputs`. */
export function spend(
  spent: UtxoEntry[],
  outputs: TxOutput[],
  opts: { locktime?: number; keys?: SecretKey[]; version?: number } = {},
): Transaction {
  const unsigned: Transaction = {
    version: opts.version ?? 1,
    inputs: spent.map((s) => ({ prevTxid: s.txid, vout: s.vout, witness: new Uint8Array(0) })),
    outputs,
    locktime: opts.locktime ?? 0,
  };
  return signTx(
    unsigned,
    spent.map((s) => s.coin),
    opts.keys ?? spent.map((s) => keyFor(s.coin.pubkey)),
    AUX,
  );
}

/** Genesis output `i`: 1,000 coins paying devnet account `i`, spendable at once. */
export function genesisCoin(i: number): UtxoEntry {
  const o = GENESIS.txs[0].outputs[i];
  return { txid: GENESIS_TXID, vout: i, coin: { value: o.value, pubkey: o.pubkey, height: 0, coinbase: true } };
}

export function outputsOf(tx: Transaction, height: number, coinbase = false): UtxoEntry[] {
  const id = txid(tx);
  return tx.outputs.map((o, vout) => ({ txid: id, vout, coin: { value: o.value, pubkey: o.pubkey, height, coinbase } }));
}

let extraCounter = 0;

export interface NextBlock {
  txs?: Transaction[];
  /** coinbase claim; default subsidy + `fees` */
  claim?: bigint;
  fees?: bigint;
  time?: number;
  height?: number;
  /** the height written in the coinbase witness (default: the block's height) */
  cbHeight?: number;
  payTo?: number;
}

/**
 * A solved block on `parent` (an index entry or genesis), unique by a counter in the
 * coinbase so two otherwise equal blocks on one parent never collide.
 */
export function nextBlock(parent: { hash: Hash; height: number; time: number }, o: NextBlock = {}): Block {
  const height = o.height ?? parent.height + 1;
  const claim = o.claim ?? subsidyAt(height, DEVNET) + (o.fees ?? 0n);
  const block = buildBlock(
    {
      prevHash: parent.hash,
      height: o.cbHeight ?? height,
      time: o.time ?? parent.time + 60,
      coinbaseOutputs: [out(claim, o.payTo ?? 0)],
      txs: o.txs ?? [],
      coinbaseExtra: utf8(`t${extraCounter++}`),
    },
    DEVNET,
  );
  return block;
}

/**
 * The UTXO set as one string: every coin encoded, sorted by outpoint. Two sets are
 * equal exactly when these strings are.
 */
export function snapshot(entries: Iterable<UtxoEntry>): string {
  const rows: string[] = [];
  for (const e of entries) rows.push(`${e.txid}:${e.vout.toString(16).padStart(8, "0")}:${bytesToHex(encodeCoin(e.coin))}`);
  rows.sort();
  return rows.join("\n");
}

export function copyUtxos(entries: Iterable<UtxoEntry>): MemoryUtxoSet {
  const s = new MemoryUtxoSet();
  for (const e of entries) s.add(e.txid, e.vout, { ...e.coin });
  return s;
}

/** The best chain's blocks from genesis, as verifyLedger reads them. */
export async function activeBlocks(chain: ChainState): Promise<{ height: number; block: Block }[]> {
  const out: { height: number; block: Block }[] = [];
  for (let h = 0; h <= chain.height; h++) {
    const e = chain.atHeight(h);
    if (!e) throw new Error(`no active block at height ${h}`);
    const block = await chain.getBlock(e.hash);
    if (!block) throw new Error(`active block ${e.hash} has no body`);
    out.push({ height: h, block });
  }
  return out;
}
