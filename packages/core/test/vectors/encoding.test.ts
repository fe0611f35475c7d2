import { describe, expect, it } from "vitest";
import {
  bitsToTarget,
  blockHash,
  bytesToHex,
  checkProofOfWork,
  DEVNET,
  decodeBlock,
  decodeCompactSize,
  decodeHeader,
  decodeTx,
  encodeBlock,
  encodeCompactSize,
  encodeHeader,
  encodeTx,
  type Hash,
  hexToBytes,
  merkleRoot,
  txid,
  txSize,
  workOfTarget,
} from "../../src/index.js";
import { byType, loadVectors } from "./load.js";

type Case = Record<string, any> & { type: string; description: string };
const { cases } = loadVectors<Case>("encoding.json");

const txJson = (tx: ReturnType<typeof decodeTx> & { ok: true }) => ({
  version: tx.tx.version,
  inputs: tx.tx.inputs.map((i) => ({ prevTxid: i.prevTxid, vout: i.vout, witness: bytesToHex(i.witness) })),
  outputs: tx.tx.outputs.map((o) => ({ value: o.value.toString(), pubkey: bytesToHex(o.pubkey) })),
  locktime: tx.tx.locktime,
});

describe("encoding vectors", () => {
  it("has every kind of case", () => {
    for (const t of [
      "compactsize",
      "compactsize-invalid",
      "tx",
      "tx-invalid",
      "header",
      "merkle",
      "bits",
      "bits-invalid",
      "block",
      "block-invalid",
    ]) {
      expect(byType(cases, t).length, t).toBeGreaterThan(0);
    }
  });

  it.each(byType(cases, "compactsize").map((c) => [c.description, c] as const))("compactsize %s", (_d, c) => {
    expect(bytesToHex(encodeCompactSize(BigInt(c.value)))).toBe(c.hex);
    const d = decodeCompactSize(hexToBytes(c.hex));
    expect(d).toEqual({ ok: true, value: BigInt(c.value) });
  });

  it.each(byType(cases, "compactsize-invalid").map((c) => [c.description, c] as const))("compactsize-invalid %s", (_d, c) => {
    expect(decodeCompactSize(hexToBytes(c.hex)).ok).toBe(false);
  });

  it.each(byType(cases, "tx").map((c) => [c.description, c] as const))("tx %s", (_d, c) => {
    const d = decodeTx(c.hex);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(txJson(d)).toEqual(c.tx);
    expect(txid(d.tx)).toBe(c.txid);
    expect(txSize(d.tx)).toBe(c.size);
    expect(bytesToHex(encodeTx(d.tx))).toBe(c.hex);
  });

  it.each(byType(cases, "tx-invalid").map((c) => [c.description, c] as const))("tx-invalid %s", (_d, c) => {
    const d = decodeTx(c.hex);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason).toBe(c.error);
  });

  it.each(byType(cases, "header").map((c) => [c.description, c] as const))("header %s", (_d, c) => {
    expect(bytesToHex(encodeHeader(c.header))).toBe(c.hex);
    const d = decodeHeader(c.hex);
    expect(d.ok && d.header).toEqual(c.header);
    expect(blockHash(c.header)).toBe(c.hash);
    expect(checkProofOfWork(c.hash as Hash, c.header.bits, DEVNET.powLimit)).toBe(c.powValid);
  });

  it.each(byType(cases, "merkle").map((c) => [c.description, c] as const))("merkle %s", (_d, c) => {
    expect(merkleRoot(c.txids)).toBe(c.root);
  });

  it.each(byType(cases, "bits").map((c) => [c.description, c] as const))("bits %s", (_d, c) => {
    const t = bitsToTarget(c.bits);
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    expect(t.target.toString(16).padStart(64, "0")).toBe(c.target);
    expect(workOfTarget(t.target).toString()).toBe(c.work);
    expect(c.bits.toString(16).padStart(8, "0")).toBe(c.bitsHex);
  });

  it.each(byType(cases, "bits-invalid").map((c) => [c.description, c] as const))("bits-invalid %s", (_d, c) => {
    expect(bitsToTarget(c.bits, DEVNET.powLimit).ok).toBe(false);
  });

  it.each(byType(cases, "block").map((c) => [c.description, c] as const))("block %s", (_d, c) => {
    const d = decodeBlock(c.hex);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(blockHash(d.block.header)).toBe(c.hash);
    expect(d.block.header).toEqual(c.header);
    expect(d.block.txs.map(txid)).toEqual(c.txids);
    expect(bytesToHex(encodeBlock(d.block))).toBe(c.hex);
  });

  it.each(byType(cases, "block-invalid").map((c) => [c.description, c] as const))("block-invalid %s", (_d, c) => {
    const d = decodeBlock(c.hex);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason).toBe(c.error);
  });
});
