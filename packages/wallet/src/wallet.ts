import {
  type Address,
  type Amount,
  type Block,
  blockHash,
  bytesToHex,
  DEVNET,
  devnetAccounts,
  encodeAddress,
  genesisHash,
  type Hash,
  hexToBytes,
  isCoinbase,
  type NetworkParams,
  outpointKey,
  publicKeyOf,
  type SecretKey,
  txid,
  utf8,
} from "@utxolab/core";
import { accountXpub, CHANGE, type Chain, RECEIVE, SeedSigner, XpubDeriver } from "./hd.js";
import { seal, unseal } from "./seal.js";
import {
  type CoinRecord,
  type KeyRecord,
  readWalletFile,
  type SecretPayload,
  type TxRecord,
  WALLET_FORMAT,
  WALLET_VERSION,
  type WalletData,
  WalletFileError,
  writeWalletFile,
} from "./walletfile.js";

/** Keys derived past the last used index on each chain, so payments to them are seen while scanning. */
export const LOOKAHEAD = 20;
/** Block hashes remembered to find where a reorganization forked off. */
export const RECENT_BLOCKS = 288;

export interface CreateOptions {
  mnemonic: string;
  /** null stores the secret unencrypted (devnet only, --insecure-devnet) */
  passphrase: string | null;
  imported?: SecretKey[];
  /** first height that may pay the wallet; earlier blocks are never scanned */
  birthHeight?: number;
  params?: NetworkParams;
  /** scrypt cost; tests lower it */
  scryptN?: number;
}

export class Wallet {
  readonly params: NetworkParams;
  private readonly byPubkey = new Map<string, KeyRecord>();
  readonly coins = new Map<string, CoinRecord>();
  private deriver?: XpubDeriver;
  dirty = false;

  private constructor(
    readonly file: string,
    readonly data: WalletData,
    params: NetworkParams,
  ) {
    this.params = params;
    for (const k of data.keys) this.byPubkey.set(k.pubkey, k);
    for (const c of data.coins) this.coins.set(outpointKey(c.txid, c.vout), c);
  }

  static create(file: string, opts: CreateOptions): Wallet {
    const params = opts.params ?? DEVNET;
    const imported = (opts.imported ?? []).map((sk) => bytesToHex(sk));
    const payload: SecretPayload = { mnemonic: opts.mnemonic, imported };
    const sealed = opts.passphrase === null ? null : seal(utf8(JSON.stringify(payload)), opts.passphrase, opts.scryptN);
    const birth = opts.birthHeight ?? 0;
    const data: WalletData = {
      format: WALLET_FORMAT,
      version: WALLET_VERSION,
      network: params.name,
      genesisHash: genesisHash(params),
      created: new Date().toISOString(),
      seal: sealed?.params ?? null,
      secret: sealed?.ciphertext ?? payload,
      xpub: accountXpub(opts.mnemonic),
      next: [0, 0],
      keys: [],
      birthHeight: birth,
      sync: { height: birth - 1, recent: [] },
      coins: [],
      txs: [],
      sent: [],
    };
    const w = new Wallet(file, data, params);
    w.addImported(opts.imported ?? []);
    w.extendLookahead();
    w.dirty = true;
    return w;
  }

  static async load(file: string, name: string, params: NetworkParams = DEVNET): Promise<Wallet> {
    const data = await readWalletFile(file, name);
    if (data.network !== params.name || data.genesisHash !== genesisHash(params)) {
      throw new Error(`wallet ${file} is for network "${data.network}" (genesis ${data.genesisHash}), not ${params.name}`);
    }
    const w = new Wallet(file, data, params);
    try {
      w.deriverFor();
    } catch {
      throw new WalletFileError(file, "its account xpub does not decode");
    }
    return w;
  }

  async save(): Promise<void> {
    this.data.keys = [...this.byPubkey.values()];
    this.data.coins = [...this.coins.values()];
    await writeWalletFile(this.file, this.data);
    this.dirty = false;
  }

  get encrypted(): boolean {
    return this.data.seal !== null;
  }

  private deriverFor(): XpubDeriver {
    this.deriver ??= new XpubDeriver(this.data.xpub);
    return this.deriver;
  }

  // ---- keys ----

  address(pubkey: string | Uint8Array): Address {
    return encodeAddress(typeof pubkey === "string" ? hexToBytes(pubkey) : pubkey, this.params.hrp);
  }

  keyOf(pubkeyHex: string): KeyRecord | undefined {
    return this.byPubkey.get(pubkeyHex);
  }

  isMine(pubkeyHex: string): boolean {
    return this.byPubkey.has(pubkeyHex);
  }

  get keys(): KeyRecord[] {
    return [...this.byPubkey.values()];
  }

  private derivedCount(chain: Chain): number {
    let n = 0;
    for (const k of this.byPubkey.values()) if (k.chain === chain) n++;
    return n;
  }

  /** Derives keys until each chain has LOOKAHEAD unused ones past `next`. */
  extendLookahead(): void {
    for (const chain of [RECEIVE, CHANGE] as const) {
      const want = this.data.next[chain] + LOOKAHEAD;
      for (let i = this.derivedCount(chain); i < want; i++) {
        const pk = bytesToHex(this.deriverFor().pubkey(chain, i));
        if (!this.byPubkey.has(pk)) this.byPubkey.set(pk, { pubkey: pk, chain, index: i });
        this.dirty = true;
      }
    }
  }

  addImported(sks: SecretKey[]): number {
    let added = 0;
    const devnet = new Map(devnetAccounts().map((a) => [bytesToHex(a.pubkey), a.index]));
    for (const sk of sks) {
      const pk = bytesToHex(publicKeyOf(sk));
      if (this.byPubkey.has(pk)) continue;
      const dev = devnet.get(pk);
      const rec: KeyRecord = { pubkey: pk, chain: null, index: this.keys.filter((k) => k.chain === null).length };
      if (dev !== undefined) rec.label = `devnet account ${dev}`;
      this.byPubkey.set(pk, rec);
      added++;
      this.dirty = true;
    }
    return added;
  }

  /** A key seen paying or paid marks its index used, so it is not handed out again. */
  private markUsed(k: KeyRecord): void {
    if (k.chain === null) return;
    if (k.index >= this.data.next[k.chain]) {
      this.data.next[k.chain] = k.index + 1;
      this.extendLookahead();
    }
  }

  /** Hands out the next receive address and remembers it was given. */
  newReceiveAddress(): { address: Address; index: number } {
    const index = this.data.next[RECEIVE];
    const pk = bytesToHex(this.deriverFor().pubkey(RECEIVE, index));
    this.data.next[RECEIVE] = index + 1;
    this.extendLookahead();
    this.dirty = true;
    return { address: this.address(pk), index };
  }

  /** The change key the next payment will use; `commitChange` advances past it once the payment went out. */
  peekChangeKey(): KeyRecord {
    const index = this.data.next[CHANGE];
    const pk = bytesToHex(this.deriverFor().pubkey(CHANGE, index));
    return this.byPubkey.get(pk) ?? { pubkey: pk, chain: CHANGE, index };
  }

  commitChange(k: KeyRecord): void {
    if (k.chain === CHANGE && k.index >= this.data.next[CHANGE]) {
      this.data.next[CHANGE] = k.index + 1;
      this.extendLookahead();
      this.dirty = true;
    }
  }

  /** Receive addresses handed out, then imported keys. */
  listedKeys(): KeyRecord[] {
    return this.keys
      .filter((k) => k.chain === null || (k.chain === RECEIVE && k.index < this.data.next[RECEIVE]))
      .sort((a, b) => (a.chain === b.chain ? a.index - b.index : a.chain === null ? 1 : -1));
  }

  // ---- secrets ----

  secretPayload(passphrase: string | null): SecretPayload {
    if (!this.data.seal) return this.data.secret as SecretPayload;
    if (passphrase === null) throw new Error("passphrase required");
    const plain = unseal({ params: this.data.seal, ciphertext: this.data.secret as string }, passphrase, this.file);
    try {
      const p = JSON.parse(new TextDecoder().decode(plain)) as SecretPayload;
      if (typeof p.mnemonic !== "string" || !Array.isArray(p.imported)) throw new Error("shape");
      return p;
    } catch {
      throw new WalletFileError(this.file, "the decrypted secret is not the expected JSON");
    }
  }

  /** Replaces the secret (after import-devnet into an existing wallet), keeping the same protection. */
  resealSecret(payload: SecretPayload, passphrase: string | null, scryptN?: number): void {
    if (this.data.seal) {
      if (passphrase === null) throw new Error("passphrase required");
      const s = seal(utf8(JSON.stringify(payload)), passphrase, scryptN ?? this.data.seal.n);
      this.data.seal = s.params;
      this.data.secret = s.ciphertext;
    } else this.data.secret = payload;
    this.dirty = true;
  }

  /** Secret keys for the given spending keys; refuses a key the secret does not hold. */
  signingKeys(payload: SecretPayload, pubkeys: readonly string[]): SecretKey[] {
    let seed: SeedSigner | undefined;
    const imported = new Map<string, SecretKey>();
    for (const skHex of payload.imported) {
      const sk = hexToBytes(skHex);
      imported.set(bytesToHex(publicKeyOf(sk)), sk);
    }
    // Many coins often pay one key: derive each key once (a derivation costs two point multiplications).
    const derived = new Map<string, SecretKey>();
    return pubkeys.map((pk) => {
      const hit = derived.get(pk);
      if (hit) return hit;
      const k = this.byPubkey.get(pk);
      if (!k) throw new Error(`this wallet has no key for ${this.address(pk)}: sign with the wallet that owns it`);
      if (k.chain === null) {
        const sk = imported.get(pk);
        if (!sk) throw new WalletFileError(this.file, `the secret lacks the imported key ${this.address(pk)}`);
        return sk;
      }
      seed ??= new SeedSigner(payload.mnemonic);
      const d = seed.secretKey(k.chain, k.index);
      if (bytesToHex(d.pubkey) !== pk) {
        throw new WalletFileError(this.file, `the recovery phrase does not give key ${k.chain}/${k.index}; the public part was altered`);
      }
      derived.set(pk, d.sk);
      return d.sk;
    });
  }

  // ---- chain scanning ----

  get syncHeight(): number {
    return this.data.sync.height;
  }

  get syncHash(): Hash | undefined {
    const r = this.data.sync.recent;
    return r[r.length - 1];
  }

  /** Forget everything learned from the chain; the next sync scans again from the birth height. */
  resetSync(birthHeight = this.data.birthHeight): void {
    this.data.birthHeight = birthHeight;
    this.data.sync = { height: birthHeight - 1, recent: [] };
    this.data.txs = [];
    this.coins.clear();
    this.dirty = true;
  }

  /** Marks the scan as caught up to a block without reading it (a wallet made after it cannot be paid before). */
  startAt(height: number, hash: Hash): void {
    this.data.birthHeight = height + 1;
    this.data.sync = { height, recent: [hash] };
    this.dirty = true;
  }

  /** Applies the next block: its payments to the wallet become coins, its spends remove them. */
  applyBlock(block: Block, height: number): void {
    const hash = blockHash(block.header);
    for (let t = 0; t < block.txs.length; t++) {
      const tx = block.txs[t];
      const id = txid(tx);
      const cb = isCoinbase(tx);
      const spent: CoinRecord[] = [];
      if (!cb) {
        for (const inp of tx.inputs) {
          const k = outpointKey(inp.prevTxid, inp.vout);
          const c = this.coins.get(k);
          if (c) {
            this.coins.delete(k);
            spent.push(c);
          }
        }
      }
      let paysUs = false;
      const outputs = tx.outputs.map((o, vout) => {
        const pk = bytesToHex(o.pubkey);
        const key = this.byPubkey.get(pk);
        if (key) {
          paysUs = true;
          this.markUsed(key);
          this.coins.set(outpointKey(id, vout), { txid: id, vout, value: o.value, pubkey: pk, height, coinbase: cb });
        }
        return { value: o.value, pubkey: pk, mine: key !== undefined };
      });
      if (spent.length > 0 || paysUs) {
        const rec: TxRecord = {
          txid: id,
          height,
          blockHash: hash,
          time: block.header.time,
          coinbase: cb,
          inputCount: tx.inputs.length,
          spent,
          outputs,
        };
        this.data.txs.push(rec);
      }
    }
    if (this.data.sent.length > 0) {
      const ids = new Set(block.txs.map(txid));
      this.data.sent = this.data.sent.filter((s) => !ids.has(s.txid));
    }
    const sync = this.data.sync;
    sync.height = height;
    sync.recent.push(hash);
    if (sync.recent.length > RECENT_BLOCKS) sync.recent.splice(0, sync.recent.length - RECENT_BLOCKS);
    this.dirty = true;
  }

  /** Undoes the last scanned block; false when its hash is no longer remembered (then rescan). */
  rollbackTip(): boolean {
    const sync = this.data.sync;
    if (sync.recent.length === 0) return false;
    const h = sync.height;
    const txs = this.data.txs;
    while (txs.length > 0 && txs[txs.length - 1].height === h) {
      const rec = txs.pop() as TxRecord;
      rec.outputs.forEach((o, vout) => {
        if (o.mine) this.coins.delete(outpointKey(rec.txid, vout));
      });
      for (const c of rec.spent) this.coins.set(outpointKey(c.txid, c.vout), c);
    }
    sync.recent.pop();
    sync.height = h - 1;
    this.dirty = true;
    return true;
  }

  // ---- views ----

  /** A coinbase output at height c is spendable in a block at height >= c + maturity (genesis exempt). */
  isMature(c: CoinRecord, tipHeight: number): boolean {
    return !c.coinbase || c.height === 0 || tipHeight + 1 >= c.height + this.params.coinbaseMaturity;
  }

  get history(): readonly TxRecord[] {
    return this.data.txs;
  }

  recordSent(id: Hash, hex: string): void {
    if (!this.data.sent.some((s) => s.txid === id)) this.data.sent.push({ txid: id, hex, time: Math.floor(Date.now() / 1000) });
    this.dirty = true;
  }

  forgetSent(id: Hash): void {
    this.data.sent = this.data.sent.filter((s) => s.txid !== id);
    this.dirty = true;
  }
}

export const sumValues = (cs: Iterable<{ value: Amount }>): bigint => {
  let s = 0n;
  for (const c of cs) s += c.value;
  return s;
};
