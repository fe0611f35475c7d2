import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Amount, checkTransaction, checkTxInputs, DEVNET, decodeAddress, genesisBlock, hexToBytes } from "@utxolab/core";
import { describe, expect, it } from "vitest";
import { buildPayment, encodeSigned, encodeUnsigned, parseSigned, parseUnsigned, signPayment, spentOf, TxFileError } from "../src/build.js";
import { selectCoins } from "../src/select.js";
import { Wallet } from "../src/wallet.js";
import { fundingBlock, newWallet, tempDir, utxoSetOf } from "./fixtures.js";

const PAYEE = decodeAddress("lab1cc7r8vec5fzspqv23jjx6qpsrewukfvyr05n68l4x6re6s2ncv8qfjcjkq", "lab");
const payee = PAYEE.ok ? PAYEE.pubkey : new Uint8Array(32);

function funded(passphrase: string | null = null) {
  const w = newWallet(join(tempDir(), "w.json"), passphrase);
  w.applyBlock(genesisBlock(DEVNET), 0);
  w.applyBlock(fundingBlock(w, [40_000n, 70_000n, 1_000_000n, 25_000_000n]).block, 1);
  return w;
}

describe("building and signing", () => {
  it("signs a payment the consensus rules accept, with the planned fee and size", () => {
    const w = funded();
    const plan = selectCoins([...w.coins.values()], { amount: 1_050_000n as Amount, feeRate: 2n });
    if (!plan.ok) throw new Error(plan.kind);
    const change = w.peekChangeKey();
    const tx = buildPayment(plan, payee, hexToBytes(change.pubkey));
    const keys = w.signingKeys(
      w.secretPayload(null),
      plan.inputs.map((c) => c.pubkey),
    );
    const signed = signPayment(tx, spentOf(plan.inputs), keys);
    expect(checkTransaction(signed, DEVNET)).toEqual({ ok: true });
    const r = checkTxInputs(signed, utxoSetOf(w), 2, DEVNET);
    expect(r.ok).toBe(true);
    expect(r.ok && r.fee).toBe(plan.fee);
    expect(plan.fee).toBe(BigInt(plan.size) * 2n);
    expect(signed.outputs.map((o) => o.value)).toEqual([1_050_000n, plan.change]);
  });

  it("refuses to sign for a key the wallet does not hold", () => {
    const w = funded();
    expect(() => w.signingKeys(w.secretPayload(null), ["11".repeat(32)])).toThrow(/no key for lab1/);
  });
});

describe("offline signing", () => {
  it("round-trips mktx → sign (a wallet with no node) → broadcastable hex", () => {
    const online = funded("pw");
    const plan = selectCoins([...online.coins.values()], { amount: 100_000n as Amount, feeRate: 1n });
    if (!plan.ok) throw new Error(plan.kind);
    const tx = buildPayment(plan, payee, hexToBytes(online.peekChangeKey().pubkey));
    const file = encodeUnsigned({
      network: "devnet",
      tx,
      spent: plan.inputs.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, pubkey: c.pubkey })),
    });
    const u = parseUnsigned(file, "u.json");
    expect(u.tx.inputs.every((i) => i.witness.length === 0)).toBe(true);

    // The offline signer: same phrase, knows nothing of the chain.
    const offline = newWallet(join(tempDir(), "offline.json"), "pw");
    const keys = offline.signingKeys(
      offline.secretPayload("pw"),
      u.spent.map((s) => s.pubkey),
    );
    const signed = signPayment(u.tx, spentOf(u.spent), keys);
    const back = parseSigned(encodeSigned(signed), "s.json");
    const r = checkTxInputs(back, utxoSetOf(online), 2, DEVNET);
    expect(r.ok).toBe(true);
    expect(r.ok && r.fee).toBe(plan.fee);
  });

  it("a file that lies about a spent value yields signatures the chain refuses", () => {
    const w = funded();
    const plan = selectCoins([...w.coins.values()], { amount: 30_000n as Amount, feeRate: 1n });
    if (!plan.ok) throw new Error(plan.kind);
    const tx = buildPayment(plan, payee, hexToBytes(w.peekChangeKey().pubkey));
    const lie = plan.inputs.map((c) => ({ txid: c.txid, vout: c.vout, value: (c.value + 1_000_000n) as Amount, pubkey: c.pubkey }));
    const u = parseUnsigned(encodeUnsigned({ network: "devnet", tx, spent: lie }), "u.json");
    const signed = signPayment(
      u.tx,
      spentOf(u.spent),
      w.signingKeys(
        w.secretPayload(null),
        u.spent.map((s) => s.pubkey),
      ),
    );
    expect(checkTxInputs(signed, utxoSetOf(w), 2, DEVNET)).toMatchObject({ ok: false, reason: "bad-txns-sig" });
  });

  it("explains what is wrong with a bad transaction file", () => {
    const w = funded();
    const plan = selectCoins([...w.coins.values()], { amount: 30_000n as Amount, feeRate: 1n });
    if (!plan.ok) throw new Error(plan.kind);
    const tx = buildPayment(plan, payee, hexToBytes(w.peekChangeKey().pubkey));
    const good = JSON.parse(encodeUnsigned({ network: "devnet", tx, spent: plan.inputs.map((c) => ({ ...c })) }));
    const bad = (o: unknown) => () => parseUnsigned(JSON.stringify(o), "u.json");
    expect(() => parseUnsigned("not json", "u.json")).toThrow(TxFileError);
    expect(bad({ ...good, format: "psbt" })).toThrow(/"format" is "psbt"/);
    expect(bad({ ...good, spent: [] })).toThrow(/spent lists 0 outputs for 1 inputs/);
    expect(bad({ ...good, tx: `${good.tx}00` })).toThrow(/tx does not decode/);
    expect(bad({ ...good, spent: [{ ...good.spent[0], value: "-5" }] })).toThrow(/negative/);
    expect(bad({ ...good, spent: [{ ...good.spent[0], vout: 99 }] })).toThrow(/not the output input 0 spends/);
    expect(() => parseSigned(JSON.stringify(good), "u.json")).toThrow(/not signed yet/);
    expect(() => parseSigned("zz", "x")).toThrow(/tx-decode-failed/);
  });
});

describe("wallet file on disk", () => {
  it("saves and loads the same keys, coins and history", async () => {
    const w = funded();
    await w.save();
    const back = await Wallet.load(w.file, "w");
    expect([...back.coins.values()]).toEqual([...w.coins.values()]);
    expect(back.keys).toEqual(w.keys);
    expect(back.history).toEqual(w.history);
    expect(back.syncHeight).toBe(1);
    expect(readFileSync(w.file, "utf8")).toContain('"value": "25000000"');
  });

  it("writes a corrupted file's name and the broken field into the error", async () => {
    const w = funded();
    await w.save();
    const text = readFileSync(w.file, "utf8");
    writeFileSync(w.file, text.replace('"value": "25000000"', '"value": 25000000'));
    await expect(Wallet.load(w.file, "w")).rejects.toThrow(new RegExp(`wallet file ${w.file} is corrupted: coins\\[\\d\\]\\.value`));
    writeFileSync(w.file, text.slice(0, text.length / 2));
    await expect(Wallet.load(w.file, "w")).rejects.toThrow(/is corrupted: it is not JSON/);
  });
});
