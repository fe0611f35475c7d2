import type { Peer } from "./peer.js";

/** How many peers each protection keeps, as in Bitcoin Core's inbound eviction (net.cpp). */
const PROTECT_PING = 4;
const PROTECT_BLOCKS = 4;
const PROTECT_TXS = 4;

function protect(candidates: Peer[], n: number, better: (a: Peer, b: Peer) => number, useful: (p: Peer) => boolean): Peer[] {
  const keep = new Set(candidates.filter(useful).sort(better).slice(0, n));
  return candidates.filter((p) => !keep.has(p));
}

/**
 * The inbound peer to drop when every slot is taken and another wants in, or none.
 * Peers with a good record are protected: the fastest pings, those that last gave us
 * new blocks and new transactions, then the longest-connected half of the rest. Of
 * those left, the address with the most connections loses its newest one. Peers that
 * only answer pings protect nothing but their uptime, so 32 of them cannot lock an
 * honest node out (issue 12, attack 8). Outbound peers are never evicted.
 */
export function chooseEviction(peers: readonly Peer[]): Peer | undefined {
  let c = peers.filter((p) => p.inbound && !p.closing && p.state !== "closed");
  // still handshaking: no record at all, the first to go
  const fresh = c.filter((p) => p.state === "handshake").sort((a, b) => b.connectedAt - a.connectedAt);
  if (fresh.length > 0) return fresh[0];
  c = protect(
    c,
    PROTECT_PING,
    (a, b) => (a.pingMs ?? Infinity) - (b.pingMs ?? Infinity),
    (p) => p.pingMs !== undefined,
  );
  c = protect(
    c,
    PROTECT_BLOCKS,
    (a, b) => b.lastBlockAt - a.lastBlockAt,
    (p) => p.lastBlockAt > 0,
  );
  c = protect(
    c,
    PROTECT_TXS,
    (a, b) => b.lastTxAt - a.lastTxAt,
    (p) => p.lastTxAt > 0,
  );
  c = protect(
    c,
    Math.floor(c.length / 2),
    (a, b) => a.connectedAt - b.connectedAt,
    () => true,
  );
  if (c.length === 0) return undefined;
  const byAddress = new Map<string, Peer[]>();
  for (const p of c) byAddress.set(p.address, [...(byAddress.get(p.address) ?? []), p]);
  let group: Peer[] = [];
  for (const g of byAddress.values()) if (g.length > group.length) group = g;
  return group.sort((a, b) => b.connectedAt - a.connectedAt)[0];
}
