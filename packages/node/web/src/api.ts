/** The node's public API (packages/node/src/web/api.ts): amounts arrive as decimal strings of units. */
import type {
  AddressInfo,
  AddressUtxo,
  BlockAnswer,
  BlockView,
  ChainPage,
  DemoNote,
  MiningState,
  PoolPage,
  ReasonText,
  Refusal,
  SubmitAnswer,
  TxView,
  Units,
  WireEvent,
} from "@utxolab/core";

// The shapes both sides share live in core's wire module (type-only: nothing enters the bundle).
export type {
  BlockAnswer,
  BlockCard,
  BlockCause,
  BlockTx,
  BlockView,
  ChainPage,
  DemoNote,
  LiveMessage,
  MiningState,
  PoolPage,
  PoolTx,
  ReasonText,
  Refusal,
  SubmitAnswer,
  TxView,
  Units,
} from "@utxolab/core";
export type NodeEvent = WireEvent;

export interface Info {
  network: string;
  devnet: boolean;
  genesisHash: string;
  height: number;
  bestHash: string;
  tipTime: number;
  chainWork: string;
  blocksKnown: number;
  mempool: { count: number; bytes: number };
  peers: number;
  params: { hrp: string; coinbaseMaturity: number; halvingInterval: number; maxBlockSize: number };
}

export type Utxo = AddressUtxo;

/** An address's sums: getaddressinfo's answer without its lists of coins. */
export type Totals = Omit<AddressInfo, "utxos" | "pendingUtxos" | "pendingCount"> & { utxoCount: number };

export interface AddressView extends Totals, Pick<AddressInfo, "utxos" | "pendingUtxos" | "pendingCount"> {
  spendableUtxos: Utxo[];
  devnetAccount: number;
}

export interface Account extends Totals {
  index: number;
}

export interface RawBlock {
  hash: string;
  height: number;
  active: boolean;
  hex: string;
  nextHash: string | null;
  tip: number;
}

export interface BlockCoin {
  txid: string;
  vout: number;
  value?: Units;
  address?: string;
  coinbase?: boolean;
  /** consumed: the transaction of this block that spent it */
  by?: string;
  /** created: who spent it since, if anyone */
  spent?: { txid: string; in: "chain"; height: number } | { txid: string; in: "pool" } | null;
}

export interface BlockCoins {
  hash: string;
  height: number;
  active: boolean;
  known: boolean;
  consumed: BlockCoin[];
  created: BlockCoin[];
  consumedCount: number;
  createdCount: number;
  consumedTotal: Units;
  createdTotal: Units;
}

/** The node's own words when it refuses a request (HTTP 4xx with {error}). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "utxolab-rpc-token";

/** The RPC token, when someone typed it on this page (needed to steer a node from another machine). */
export const token = {
  get: (): string => sessionStorage.getItem(TOKEN_KEY) ?? "",
  set: (t: string) => (t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY)),
};

async function postJson<T>(path: string, body: unknown, okStatuses: number[] = [200]): Promise<T> {
  let res: Response;
  const auth: Record<string, string> = token.get() ? { authorization: `Bearer ${token.get()}` } : {};
  try {
    res = await fetch(path, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "the node does not answer: is it still running?");
  }
  const answer = await res.json().catch(() => ({ error: `the node answered HTTP ${res.status} without JSON` }));
  if (okStatuses.includes(res.status)) return answer as T;
  throw new ApiError(res.status, answer.error ?? `HTTP ${res.status}`);
}

async function get<T>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { accept: "application/json" } });
  } catch {
    throw new ApiError(0, "the node does not answer: is it still running?");
  }
  const body = await res.json().catch(() => ({ error: `the node answered HTTP ${res.status} without JSON` }));
  if (!res.ok) throw new ApiError(res.status, body.error ?? `HTTP ${res.status}`);
  return body as T;
}

export const api = {
  info: () => get<Info>("/api/info"),
  blocks: (from: number | undefined, limit: number) =>
    get<ChainPage>(`/api/blocks?limit=${limit}${from === undefined ? "" : `&from=${from}`}`),
  block: (id: string, offset = 0) => get<BlockView>(`/api/block/${encodeURIComponent(id)}?offset=${offset}`),
  tx: (id: string) => get<TxView>(`/api/tx/${encodeURIComponent(id)}`),
  mempool: (offset: number) => get<PoolPage>(`/api/mempool?offset=${offset}`),
  address: (a: string) => get<AddressView>(`/api/address/${encodeURIComponent(a)}`),
  accounts: () => get<Account[]>("/api/accounts"),
  refusals: () => get<Refusal[]>("/api/refusals"),
  reasons: () => get<ReasonText[]>("/api/reasons"),
  mining: () => get<MiningState>("/api/mining"),
  steerMining: (action: "pause" | "resume" | "mine", to?: string) =>
    postJson<MiningState>("/api/mining", { action, ...(to ? { to } : {}) }),
  demo: () => get<DemoNote | null>("/api/demo"),
  rawBlock: (id: string) => get<RawBlock>(`/api/rawblock/${encodeURIComponent(id)}`),
  blockCoins: (id: string) => get<BlockCoins>(`/api/blockcoins/${encodeURIComponent(id)}`),
  submitBlock: (hex: string) => postJson<BlockAnswer>("/api/block", { hex }, [200, 422]),

  async submit(hex: string): Promise<SubmitAnswer> {
    let res: Response;
    try {
      res = await fetch("/api/tx", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ hex }) });
    } catch {
      throw new ApiError(0, "the node does not answer: is it still running?");
    }
    const body = await res.json().catch(() => ({ error: `the node answered HTTP ${res.status} without JSON` }));
    if (res.status === 200 || res.status === 422) return body as SubmitAnswer;
    throw new ApiError(res.status, body.error ?? `HTTP ${res.status}`);
  },
};
