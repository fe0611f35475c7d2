import { bytesToHex, type Coin, decodeCoin, type Hash, toHash, type UtxoEntry } from "@utxolab/core";
import { COIN_KEY_LENGTH, PREFIX } from "./layout.js";

/**
 * Turns UTXO records back into entries, sharing what repeats between them: the txid string
 * of a transaction's outputs (adjacent in key order) and the paying keys. The whole set stays
 * in memory for the node's life, so each shared copy is heap saved on every coin.
 */
export class CoinReader {
  private lastKey: Uint8Array | undefined;
  private lastTxid: Hash | undefined;
  private readonly pubkeys = new Map<string, Uint8Array>();

  /** Throws an Error saying what is wrong with the record. */
  read(k: Uint8Array, v: Uint8Array): UtxoEntry {
    if (k.length !== COIN_KEY_LENGTH || k[0] !== PREFIX.coin) throw new Error(`UTXO key of ${k.length} bytes`);
    const vout = ((k[33] << 24) | (k[34] << 16) | (k[35] << 8) | k[36]) >>> 0;
    const txid = this.txidOf(k);
    let coin: Coin;
    try {
      coin = decodeCoin(v);
    } catch (e) {
      throw new Error(`coin ${txid}:${vout} does not decode: ${e instanceof Error ? e.message : String(e)}`);
    }
    const hex = bytesToHex(coin.pubkey);
    const shared = this.pubkeys.get(hex);
    if (shared) coin.pubkey = shared;
    else this.pubkeys.set(hex, coin.pubkey);
    return { txid, vout, coin };
  }

  private txidOf(k: Uint8Array): Hash {
    const last = this.lastKey;
    if (last && this.lastTxid) {
      let same = true;
      for (let i = 1; i < 33; i++) {
        if (last[i] !== k[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastTxid;
    }
    this.lastKey = k;
    this.lastTxid = toHash(k.subarray(1, 33));
    return this.lastTxid;
  }
}
