import {
  type Block,
  type BlockHeader,
  bytesToHex,
  decodeBlock,
  decodeHeader,
  decodeTx,
  encodeHeader,
  type Hash,
  hexToBytes,
  isHash,
  isHex,
  type NetworkParams,
  type Refused,
  refused,
  type Transaction,
} from "@utxolab/core";

/** Version 1 is the protocol docs/protocol.md describes. */
export const PROTOCOL_VERSION = 1;
export const MIN_PROTOCOL_VERSION = 1;

/** Per-message item limits (Bitcoin's): checked before anything is looked up. */
export const MAX_INV = 50_000;
export const MAX_GETDATA = 1_000;
export const MAX_HEADERS = 2_000;
/** A locator of a 2^32-block chain is ~42 hashes; 101 leaves room for other implementations' styles. */
export const MAX_LOCATOR = 101;
export const MAX_USER_AGENT = 256;
export const MAX_URL = 256;
export const MAX_REASON = 64;
export const MAX_DETAIL = 1_024;

/** Compact JSON of one hash in an array: quotes, 64 digits, comma. */
const HASH_JSON = 67;
/** Room for the type and field names around the largest field; also covers version, ping and reject. */
const ENVELOPE = 1_024;

/**
 * The largest legal message, checked by the WebSocket layer before a byte is
 * parsed: a block in hex (2 characters per byte) or a full inv, whichever is
 * bigger, in compact JSON.
 */
export function maxMessageBytes(params: NetworkParams): number {
  return Math.max(2 * params.maxBlockSize, MAX_INV * HASH_JSON, MAX_HEADERS * (2 * 80 + 3)) + ENVELOPE;
}

export interface VersionMsg {
  type: "version";
  protocol: number;
  genesis: Hash;
  height: number;
  userAgent: string;
  /** 8 random bytes in hex, fixed per node: seeing our own means we dialled ourselves */
  nonce: string;
  /** where the sender accepts connections, or null */
  listen: string | null;
}

export interface InvLists {
  txs: Hash[];
  blocks: Hash[];
}

/** What goes on the wire (hex strings for bytes). */
export type OutMessage =
  | VersionMsg
  | { type: "verack" }
  | { type: "reject"; reason: string; detail?: string }
  | { type: "ping"; nonce: string; height: number }
  | { type: "pong"; nonce: string; height: number }
  | ({ type: "inv" } & Partial<InvLists>)
  | ({ type: "getdata" } & Partial<InvLists>)
  | ({ type: "notfound" } & Partial<InvLists>)
  | { type: "tx"; tx: string }
  | { type: "block"; block: string }
  | { type: "getheaders"; locator: Hash[]; stop?: Hash }
  | { type: "headers"; headers: string[] };

/** What a handler receives: parsed, bounded, and with bytes decoded. */
export type InMessage =
  | VersionMsg
  | { type: "verack" }
  | { type: "reject"; reason: string; detail?: string }
  | { type: "ping"; nonce: string; height: number }
  | { type: "pong"; nonce: string; height: number }
  | ({ type: "inv" } & InvLists)
  | ({ type: "getdata" } & InvLists)
  | ({ type: "notfound" } & InvLists)
  | { type: "tx"; tx: Transaction; raw: Uint8Array }
  | { type: "block"; block: Block; raw: Uint8Array }
  | { type: "getheaders"; locator: Hash[]; stop?: Hash }
  | { type: "headers"; headers: BlockHeader[] };

export type MessageType = InMessage["type"];

export const MESSAGE_TYPES: readonly MessageType[] = [
  "version",
  "verack",
  "reject",
  "ping",
  "pong",
  "inv",
  "getdata",
  "notfound",
  "tx",
  "block",
  "getheaders",
  "headers",
];

export type Parsed =
  | { ok: true; msg: InMessage }
  /** `unknown`: a well-formed message of a type this version does not know */
  | (Refused<"malformed-message" | "unknown-message-type"> & { readonly unknown?: string });

export const encodeMessage = (m: OutMessage): string => JSON.stringify(m);

export const blockMessage = (raw: Uint8Array): OutMessage => ({ type: "block", block: bytesToHex(raw) });
export const txMessage = (raw: Uint8Array): OutMessage => ({ type: "tx", tx: bytesToHex(raw) });
export const headersMessage = (hs: readonly BlockHeader[]): OutMessage => ({
  type: "headers",
  headers: hs.map((h) => bytesToHex(encodeHeader(h))),
});

/** Thrown only inside `parseMessage`, which turns it into a result. */
class Malformed extends Error {}

function fail(msg: string): never {
  throw new Malformed(msg);
}

function field(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function str(o: Record<string, unknown>, key: string, max: number): string {
  const v = field(o, key);
  if (typeof v !== "string") fail(`${key} must be a string`);
  if (v.length > max) fail(`${key} is ${v.length} characters, at most ${max}`);
  return v;
}

function optStr(o: Record<string, unknown>, key: string, max: number): string | undefined {
  return field(o, key) === undefined ? undefined : str(o, key, max);
}

function uint(o: Record<string, unknown>, key: string, max = 0xffffffff): number {
  const v = field(o, key);
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) fail(`${key} must be an integer in 0..${max}`);
  return v;
}

function hash(o: Record<string, unknown>, key: string): Hash {
  const v = field(o, key);
  if (!isHash(v)) fail(`${key} must be 64 lowercase hex digits`);
  return v;
}

function hashList(o: Record<string, unknown>, key: string, max: number, optional: boolean): Hash[] {
  const v = field(o, key);
  if (v === undefined && optional) return [];
  if (!Array.isArray(v)) fail(`${key} must be an array of hashes`);
  if (v.length > max) fail(`${key} has ${v.length} entries, at most ${max}`);
  for (let i = 0; i < v.length; i++) if (!isHash(v[i])) fail(`${key}[${i}] must be 64 lowercase hex digits`);
  return v as Hash[];
}

function invLists(o: Record<string, unknown>, max: number, what: string): InvLists {
  const txs = hashList(o, "txs", max, true);
  const blocks = hashList(o, "blocks", max, true);
  const n = txs.length + blocks.length;
  if (n === 0) fail(`${what} lists nothing`);
  if (n > max) fail(`${what} lists ${n} items, at most ${max}`);
  return { txs, blocks };
}

const NONCE_RE = /^[0-9a-f]{16}$/;

function nonce(o: Record<string, unknown>): string {
  const v = field(o, "nonce");
  if (typeof v !== "string" || !NONCE_RE.test(v)) fail("nonce must be 16 lowercase hex digits");
  return v;
}

function bytesField(o: Record<string, unknown>, key: string): Uint8Array {
  const v = field(o, key);
  if (!isHex(v)) fail(`${key} must be lowercase hex with an even number of digits`);
  return hexToBytes(v);
}

function parseObject(o: Record<string, unknown>, type: string): InMessage {
  switch (type) {
    case "version": {
      const listen = field(o, "listen");
      if (listen !== null && listen !== undefined && typeof listen !== "string") fail("listen must be a URL string or null");
      if (typeof listen === "string" && listen.length > MAX_URL) fail(`listen is longer than ${MAX_URL} characters`);
      return {
        type,
        protocol: uint(o, "protocol"),
        genesis: hash(o, "genesis"),
        height: uint(o, "height"),
        userAgent: str(o, "userAgent", MAX_USER_AGENT),
        nonce: nonce(o),
        listen: typeof listen === "string" ? listen : null,
      };
    }
    case "verack":
      return { type };
    case "reject": {
      const detail = optStr(o, "detail", MAX_DETAIL);
      const reason = str(o, "reason", MAX_REASON);
      return detail === undefined ? { type, reason } : { type, reason, detail };
    }
    case "ping":
    case "pong":
      return { type, nonce: nonce(o), height: uint(o, "height") };
    case "inv":
      return { type, ...invLists(o, MAX_INV, "inv") };
    case "getdata":
    case "notfound":
      return { type, ...invLists(o, MAX_GETDATA, type) };
    case "tx": {
      const raw = bytesField(o, "tx");
      const d = decodeTx(raw);
      if (!d.ok) fail(`tx-decode-failed: ${d.detail}`);
      return { type, tx: d.tx, raw };
    }
    case "block": {
      const raw = bytesField(o, "block");
      const d = decodeBlock(raw);
      if (!d.ok) fail(`block-decode-failed: ${d.detail}`);
      return { type, block: d.block, raw };
    }
    case "getheaders": {
      const locator = hashList(o, "locator", MAX_LOCATOR, false);
      const stop = field(o, "stop") === undefined ? undefined : hash(o, "stop");
      return stop === undefined ? { type, locator } : { type, locator, stop };
    }
    case "headers": {
      const v = field(o, "headers");
      if (!Array.isArray(v)) fail("headers must be an array of 80-byte headers in hex");
      if (v.length > MAX_HEADERS) fail(`headers has ${v.length} entries, at most ${MAX_HEADERS}`);
      const headers: BlockHeader[] = new Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const h = v[i];
        if (!isHex(h, 80)) fail(`headers[${i}] must be 160 lowercase hex digits`);
        const d = decodeHeader(h);
        if (!d.ok) fail(`headers[${i}]: ${d.detail}`);
        headers[i] = d.header;
      }
      return { type, headers };
    }
    default:
      throw new Error(`unhandled message type ${type}`);
  }
}

const KNOWN = new Set<string>(MESSAGE_TYPES);

/** Parses one text frame. Never throws: anything wrong comes back as `{ ok: false }`. */
export function parseMessage(text: string): Parsed {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return refused("malformed-message", "not JSON");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return refused("malformed-message", "not a JSON object");
  const o = data as Record<string, unknown>;
  const type = field(o, "type");
  if (typeof type !== "string") return refused("malformed-message", 'no "type" string');
  if (!KNOWN.has(type))
    return { ...refused("unknown-message-type", `unknown message type ${JSON.stringify(type.slice(0, 32))}`), unknown: type.slice(0, 32) };
  try {
    return { ok: true, msg: parseObject(o, type) };
  } catch (e) {
    return refused("malformed-message", `${type}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
