import {
  type Amount,
  bytesToHex,
  decodeTx,
  encodeTx,
  hexToBytes,
  isHex,
  parseUnits,
  type SecretKey,
  type SpentOutput,
  signTx,
  type Transaction,
  txid,
} from "@utxolab/core";
import type { Plan } from "./select.js";
import type { CoinRecord } from "./walletfile.js";

/** One payee output, then change if any; inputs in the plan's order, witnesses empty until signed. */
export function buildPayment(plan: Plan<CoinRecord>, payee: Uint8Array, change?: Uint8Array): Transaction {
  const outputs = [{ value: plan.payee, pubkey: payee }];
  if (plan.change > 0n) {
    if (!change) throw new Error("a plan with change needs a change key");
    outputs.push({ value: plan.change, pubkey: change });
  }
  return {
    version: 1,
    inputs: plan.inputs.map((c) => ({ prevTxid: c.txid, vout: c.vout, witness: new Uint8Array(0) })),
    outputs,
    locktime: 0,
  };
}

export const spentOf = (coins: readonly Pick<CoinRecord, "value" | "pubkey">[]): SpentOutput[] =>
  coins.map((c) => ({ value: c.value, pubkey: hexToBytes(c.pubkey) }));

export function signPayment(tx: Transaction, spent: readonly SpentOutput[], keys: readonly SecretKey[]): Transaction {
  const signed = signTx(tx, spent, keys);
  txid(signed);
  return signed;
}

export const UNSIGNED_FORMAT = "utxolab-unsigned-tx";
export const SIGNED_FORMAT = "utxolab-signed-tx";

/**
 * A transaction to be signed elsewhere. It carries the outputs it spends
 * (value and key): the signer needs no node, and since the sighash commits to
 * them, a file that lies about a value only yields signatures the chain refuses.
 */
export interface UnsignedTx {
  network: string;
  tx: Transaction;
  spent: { txid: string; vout: number; value: Amount; pubkey: string }[];
}

export function encodeUnsigned(u: UnsignedTx): string {
  return `${JSON.stringify(
    {
      format: UNSIGNED_FORMAT,
      version: 1,
      network: u.network,
      tx: bytesToHex(encodeTx(u.tx)),
      spent: u.spent.map((s) => ({ txid: s.txid, vout: s.vout, value: s.value.toString(), pubkey: s.pubkey })),
    },
    null,
    1,
  )}\n`;
}

export class TxFileError extends Error {
  constructor(source: string, why: string) {
    super(`${source} is not a usable transaction file: ${why}`);
    this.name = "TxFileError";
  }
}

export function parseUnsigned(text: string, source: string): UnsignedTx {
  const fail = (why: string): never => {
    throw new TxFileError(source, why);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    fail(`it is not JSON; make one with \`utxolab wallet mktx ADDRESS AMOUNT --out FILE\``);
  }
  if (typeof raw !== "object" || raw === null) fail("it is not a JSON object");
  const o = raw as Record<string, unknown>;
  if (o.format !== UNSIGNED_FORMAT) fail(`"format" is ${JSON.stringify(o.format)}, not "${UNSIGNED_FORMAT}"`);
  if (o.version !== 1) fail(`version ${JSON.stringify(o.version)} is not 1`);
  if (typeof o.network !== "string") fail("network is missing");
  if (typeof o.tx !== "string") fail("tx is missing");
  const d = decodeTx(o.tx as string);
  if (!d.ok) return fail(`tx does not decode (${d.detail})`);
  if (!Array.isArray(o.spent)) fail("spent is not a list");
  const spentRaw = o.spent as unknown[];
  if (spentRaw.length !== d.tx.inputs.length) fail(`spent lists ${spentRaw.length} outputs for ${d.tx.inputs.length} inputs`);
  const spent = spentRaw.map((v, i) => {
    const s = (typeof v === "object" && v !== null ? v : fail(`spent[${i}] is not an object`)) as Record<string, unknown>;
    const inp = d.tx.inputs[i];
    if (s.txid !== inp.prevTxid || s.vout !== inp.vout) fail(`spent[${i}] is not the output input ${i} spends`);
    const value = parseUnits(s.value, `spent[${i}].value`);
    if (!value.ok) return fail(value.detail);
    if (!isHex(s.pubkey, 32)) fail(`spent[${i}].pubkey is not a 32-byte hex key`);
    return { txid: inp.prevTxid, vout: inp.vout, value: value.value, pubkey: s.pubkey as string };
  });
  return { network: o.network as string, tx: d.tx, spent };
}

export function encodeSigned(tx: Transaction): string {
  return `${JSON.stringify({ format: SIGNED_FORMAT, version: 1, txid: txid(tx), hex: bytesToHex(encodeTx(tx)) }, null, 1)}\n`;
}

/** Accepts a signed-transaction file's text, or raw hex. */
export function parseSigned(text: string, source: string): Transaction {
  const t = text.trim();
  let hex = t;
  if (t.startsWith("{")) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(t);
    } catch {
      throw new TxFileError(source, "it is not valid JSON");
    }
    if (o.format === UNSIGNED_FORMAT) throw new TxFileError(source, "it is not signed yet: run `utxolab wallet sign FILE` first");
    if (o.format !== SIGNED_FORMAT || typeof o.hex !== "string") throw new TxFileError(source, `"format" is not "${SIGNED_FORMAT}"`);
    hex = o.hex;
  }
  const d = decodeTx(hex);
  if (!d.ok) throw new TxFileError(source, `tx-decode-failed: ${d.detail}`);
  if (d.tx.inputs.some((i) => i.witness.length === 0)) {
    throw new TxFileError(source, "some inputs carry no signature: sign it first");
  }
  return d.tx;
}
