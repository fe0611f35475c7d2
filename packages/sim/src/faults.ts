import type { Rng } from "./rng.js";
import type { FaultSpec } from "./sim.js";

export interface RandomFaultOptions {
  nodes: number;
  /** faults happen in [0, horizonMs) */
  horizonMs: number;
  /** how many faults to draw (default 1..4) */
  count?: number;
}

/**
 * A random fault schedule: partitions into two or three groups and their heal,
 * crashes and restarts, slow links, lossy and reordering periods. Every fault
 * ends before the horizon, and the run heals everything after it anyway.
 */
export function randomFaults(rng: Rng, o: RandomFaultOptions): FaultSpec[] {
  const out: FaultSpec[] = [];
  const count = o.count ?? 1 + rng.int(4);
  for (let i = 0; i < count; i++) {
    const at = Math.floor(rng.next() * o.horizonMs * 0.8);
    const until = at + Math.floor(rng.next() * (o.horizonMs - at));
    switch (rng.int(5)) {
      case 0: {
        const k = 2 + rng.int(2);
        const groups: number[][] = Array.from({ length: k }, () => []);
        for (let n = 0; n < o.nodes; n++) groups[rng.int(k)].push(n);
        out.push({ at, kind: "partition", groups }, { at: until, kind: "heal" });
        break;
      }
      case 1: {
        const node = rng.int(o.nodes);
        out.push({ at, kind: "crash", node }, { at: until, kind: "restart", node });
        break;
      }
      case 2: {
        const a = rng.int(o.nodes);
        const b = (a + 1 + rng.int(o.nodes - 1)) % o.nodes;
        out.push({ at, kind: "slow", a, b, factor: 2 + rng.int(50), until });
        break;
      }
      case 3:
        out.push({ at, kind: "lossy", loss: rng.next() * 0.3, reorderMs: rng.int(3000), until });
        break;
      default: {
        // a crash in the middle of a partition
        const node = rng.int(o.nodes);
        const half = Math.floor(o.nodes / 2);
        const groups = [Array.from({ length: half }, (_, j) => j), Array.from({ length: o.nodes - half }, (_, j) => half + j)];
        const mid = at + Math.floor((until - at) / 2);
        out.push({ at, kind: "partition", groups }, { at: mid, kind: "crash", node }, { at: until, kind: "heal" });
        break;
      }
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
