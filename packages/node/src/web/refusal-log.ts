import { utf8 } from "@utxolab/core";
import type { Store } from "@utxolab/store";
import type { Reporter } from "../parts.js";

/** Where refusals are kept across restarts: the node's store, and its log for a write that failed. */
export type RefusalLogNode = Pick<Reporter, "info"> & { readonly store: Store };

import { FEED_SIZE, type Refusal, type RefusalFeed } from "./live.js";

/** a detail names numbers and ids; one longer than this is cut rather than stored */
const MAX_DETAIL = 1000;

type Kept = Omit<Refusal, "plain">;

function parse(value: Uint8Array, seq: number): Kept | undefined {
  try {
    const r = JSON.parse(new TextDecoder().decode(value)) as Partial<Kept>;
    if (typeof r.reason !== "string" || typeof r.time !== "number" || (r.kind !== "tx" && r.kind !== "block")) return undefined;
    return {
      seq,
      time: r.time,
      kind: r.kind,
      id: typeof r.id === "string" ? r.id : "",
      reason: r.reason,
      ...(typeof r.detail === "string" ? { detail: r.detail } : {}),
      source: typeof r.source === "string" ? r.source : "?",
    };
  } catch {
    return undefined;
  }
}

/**
 * The Refused list outlives a restart: every refusal is also written to the store's capped log
 * (the newest FEED_SIZE are kept), and a starting node reads them back into the feed.
 */
export async function restoreRefusals(node: RefusalLogNode, feed: RefusalFeed): Promise<void> {
  const kept = (await node.store.readLog(FEED_SIZE)).map((r) => parse(r.value, r.seq)).filter((r) => r !== undefined);
  feed.restore(kept);
}

export function keepRefusal(node: RefusalLogNode, r: Refusal): void {
  const { plain: _plain, seq, ...rest } = r;
  const detail = rest.detail && rest.detail.length > MAX_DETAIL ? `${rest.detail.slice(0, MAX_DETAIL)}…` : rest.detail;
  node.store
    .appendLog(seq, utf8(JSON.stringify({ ...rest, ...(detail ? { detail } : {}) })), FEED_SIZE)
    // a failed write is fatal to the store, which stops the node itself; here it is only said; a write racing the node's stop is no news
    .catch((e) => node.info(`could not keep a refusal in the store: ${(e as Error).message}`));
}
