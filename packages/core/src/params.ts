import { type Amount, COIN } from "./amount.js";

export interface NetworkParams {
  readonly name: string;
  readonly hrp: string;
  /** required bits of every block (no retarget) */
  readonly bits: number;
  readonly powLimit: bigint;
  readonly halvingInterval: number;
  readonly coinbaseMaturity: number;
  readonly maxBlockSize: number;
  /** allowed clock drift into the future, seconds */
  readonly maxFutureDrift: number;
  /** number of previous blocks whose median time a block must exceed */
  readonly medianTimeSpan: number;
  readonly genesis: { readonly time: number; readonly message: string; readonly allocation: Amount };
}

export const DEVNET: NetworkParams = Object.freeze({
  name: "devnet",
  hrp: "lab",
  bits: 0x207fffff,
  powLimit: 0x7fffffn << 232n,
  halvingInterval: 150,
  coinbaseMaturity: 10,
  maxBlockSize: 1_000_000,
  maxFutureDrift: 2 * 60 * 60,
  medianTimeSpan: 11,
  genesis: Object.freeze({ time: 1767225600, message: "utxolab devnet genesis", allocation: (1000n * COIN) as Amount }),
}) as NetworkParams;

export function networkByName(name: string): NetworkParams | undefined {
  return name === "devnet" ? DEVNET : undefined;
}

/** 50 coins >> floor(h / halvingInterval); 0 after 64 halvings. */
export function subsidyAt(height: number, params: NetworkParams): Amount {
  const halvings = Math.floor(height / params.halvingInterval);
  if (halvings >= 64) return 0n as Amount;
  return ((50n * COIN) >> BigInt(halvings)) as Amount;
}
