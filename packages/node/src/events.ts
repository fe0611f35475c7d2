import { coinsText, feeRateText, type NodeEventOf, unitsText } from "@utxolab/core";

/** What the node reports (core's wire shape, amounts as bigint inside the node). */
export type NodeEvent = NodeEventOf<bigint>;

export type EventListener = (e: NodeEvent) => void;

const short = (h: string) => `${h.slice(0, 16)}…`;

/** One readable line per event, as the node prints it. */
export function formatEvent(e: NodeEvent): string {
  switch (e.type) {
    case "block":
      return `block connected: height ${e.height} ${e.hash} (${e.txs} tx, fees ${coinsText(e.fees)})`;
    case "block-disconnected":
      return `block disconnected: height ${e.height} ${e.hash}`;
    case "block-rejected":
      return `block rejected from ${e.source}: ${short(e.hash)} ${e.reason}${e.detail ? `: ${e.detail}` : ""}`;
    case "tx":
      return `tx accepted from ${e.source}: ${e.txid} fee ${unitsText(e.fee)} (${feeRateText(e.fee, e.size)} units/byte, ${e.size} bytes)`;
    case "tx-rejected":
      return `tx rejected from ${e.source}: ${e.txid} ${e.reason}${e.detail ? `: ${e.detail}` : ""}`;
    case "tx-removed":
      return `tx removed from pool: ${e.txid} (${e.why})`;
    case "reorg":
      return `reorganization: from ${short(e.from.hash)} at height ${e.from.height} to ${short(e.to.hash)} at height ${e.to.height}, depth ${e.depth} (fork at ${e.fork.height})`;
    case "demo":
      return `demo ${e.name}: ${e.done ? "finished" : `step ${e.step}/${e.total}: ${e.text}`}`;
    case "peer":
    case "info":
    case "mining":
      return e.line;
  }
}

/** Fans events out to listeners (the console, the web page); a failing listener never stops the node. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  on(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  emit(e: NodeEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a broken listener (a closed socket) must not affect the others
      }
    }
  }
}
