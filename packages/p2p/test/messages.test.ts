import { blockHash, bytesToHex, DEVNET, encodeBlock, encodeTx, genesisBlock, type Hash } from "@utxolab/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  blockMessage,
  encodeMessage,
  headersMessage,
  MAX_GETDATA,
  MAX_HEADERS,
  MAX_INV,
  MAX_LOCATOR,
  maxMessageBytes,
  parseMessage,
  txMessage,
} from "../src/index.js";

const H = (n: number) => n.toString(16).padStart(64, "0") as Hash;
const g = genesisBlock(DEVNET);

describe("messages", () => {
  it("round-trips every message type", () => {
    const raw = encodeBlock(g);
    const b = parseMessage(encodeMessage(blockMessage(raw)));
    expect(b.ok && b.msg.type === "block" && blockHash(b.msg.block.header)).toBe(blockHash(g.header));
    const t = parseMessage(encodeMessage(txMessage(encodeTx(g.txs[0]))));
    expect(t.ok && t.msg.type === "tx" && bytesToHex(t.msg.raw)).toBe(bytesToHex(encodeTx(g.txs[0])));
    const hs = parseMessage(encodeMessage(headersMessage([g.header])));
    expect(hs.ok && hs.msg.type === "headers" && blockHash(hs.msg.headers[0])).toBe(blockHash(g.header));
    expect(parseMessage(encodeMessage({ type: "inv", txs: [H(1)] }))).toEqual({ ok: true, msg: { type: "inv", txs: [H(1)], blocks: [] } });
    expect(parseMessage(encodeMessage({ type: "getheaders", locator: [H(2)], stop: H(3) }))).toEqual({
      ok: true,
      msg: { type: "getheaders", locator: [H(2)], stop: H(3) },
    });
    expect(parseMessage('{"type":"ping","nonce":"00112233445566ff","height":7}')).toEqual({
      ok: true,
      msg: { type: "ping", nonce: "00112233445566ff", height: 7 },
    });
    expect(parseMessage('{"type":"reject","reason":"wrong-network","detail":"x"}').ok).toBe(true);
    expect(parseMessage('{"type":"verack","future":"fields are ignored"}')).toEqual({ ok: true, msg: { type: "verack" } });
  });

  it("enforces the per-message limits at the boundary", () => {
    const hashes = (n: number) => Array.from({ length: n }, (_, i) => H(i));
    expect(parseMessage(JSON.stringify({ type: "inv", blocks: hashes(MAX_INV) })).ok).toBe(true);
    expect(parseMessage(JSON.stringify({ type: "inv", blocks: hashes(MAX_INV + 1) }))).toMatchObject({
      ok: false,
      reason: "malformed-message",
      detail: /at most 50000/,
    });
    expect(parseMessage(JSON.stringify({ type: "inv", txs: hashes(MAX_INV), blocks: hashes(1) })).ok).toBe(false);
    expect(parseMessage(JSON.stringify({ type: "getdata", txs: hashes(MAX_GETDATA) })).ok).toBe(true);
    expect(parseMessage(JSON.stringify({ type: "getdata", txs: hashes(MAX_GETDATA + 1) })).ok).toBe(false);
    const hdr = bytesToHex(encodeBlock(g).subarray(0, 80));
    expect(parseMessage(JSON.stringify({ type: "headers", headers: Array(MAX_HEADERS).fill(hdr) })).ok).toBe(true);
    expect(parseMessage(JSON.stringify({ type: "headers", headers: Array(MAX_HEADERS + 1).fill(hdr) })).ok).toBe(false);
    expect(parseMessage(JSON.stringify({ type: "getheaders", locator: hashes(MAX_LOCATOR) })).ok).toBe(true);
    expect(parseMessage(JSON.stringify({ type: "getheaders", locator: hashes(MAX_LOCATOR + 1) })).ok).toBe(false);
  });

  it("the size limit fits the largest legal messages in compact JSON", () => {
    const limit = maxMessageBytes(DEVNET);
    const fullInv = encodeMessage({ type: "inv", blocks: Array.from({ length: MAX_INV }, (_, i) => H(i)) });
    expect(Buffer.byteLength(fullInv)).toBeLessThanOrEqual(limit);
    const biggestBlock = `{"type":"block","block":"${"00".repeat(DEVNET.maxBlockSize)}"}`;
    expect(biggestBlock.length).toBeLessThanOrEqual(limit);
    expect(limit).toBeLessThan(4 * 1024 * 1024);
  });

  it("refuses wrong shapes with a message that names the field", () => {
    expect(parseMessage("[]")).toMatchObject({ ok: false, reason: "malformed-message", detail: "not a JSON object" });
    expect(parseMessage('{"type":1}')).toMatchObject({ ok: false, reason: "malformed-message", detail: 'no "type" string' });
    expect(parseMessage('{"type":"warp"}')).toMatchObject({ ok: false, reason: "unknown-message-type", unknown: "warp" });
    expect(parseMessage('{"type":"inv"}')).toMatchObject({ ok: false, reason: "malformed-message", detail: "inv: inv lists nothing" });
    expect(parseMessage('{"type":"ping","nonce":"XYZ","height":1}')).toMatchObject({ detail: /nonce must be 16 lowercase hex/ });
    expect(parseMessage('{"type":"ping","nonce":"0011223344556677","height":-1}')).toMatchObject({ detail: /height must be an integer/ });
    expect(parseMessage('{"type":"tx","tx":"ABCD"}')).toMatchObject({ detail: /tx must be lowercase hex/ });
    expect(parseMessage('{"type":"tx","tx":"00"}')).toMatchObject({ detail: /tx-decode-failed/ });
    const v = {
      type: "version",
      protocol: 1,
      genesis: H(1),
      height: 0,
      userAgent: "u".repeat(257),
      nonce: "0011223344556677",
      listen: null,
    };
    expect(parseMessage(JSON.stringify(v))).toMatchObject({ detail: /userAgent is 257 characters, at most 256/ });
    expect(parseMessage(JSON.stringify({ ...v, userAgent: "ok", listen: 5 }))).toMatchObject({
      detail: /listen must be a URL string or null/,
    });
    expect(parseMessage('{"type":"inv","__proto__":{"txs":["x"]}}')).toMatchObject({ ok: false });
  });

  it("never throws, whatever the text", () => {
    const types = ["version", "verack", "reject", "ping", "pong", "inv", "getdata", "notfound", "tx", "block", "getheaders", "headers"];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc
            .tuple(fc.constantFrom(...types), fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue()))
            .map(([type, o]) => JSON.stringify({ ...o, type })),
        ),
        (text) => {
          const r = parseMessage(text);
          expect(typeof r.ok).toBe("boolean");
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
  });
});
