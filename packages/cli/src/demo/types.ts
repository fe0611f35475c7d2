import type { Narrator } from "./narrator.js";
import type { DemoNode } from "./nodes.js";

export interface DemoContext {
  /** node0, and node1 for demos that need two */
  nodes: DemoNode[];
  n: Narrator;
}

export interface Demo {
  name: string;
  /** one line for `utxolab demo list` and the title */
  summary: string;
  nodes: 1 | 2;
  /** how many steps it announces, the ledger check at the end included: the page shows "step 3/6" */
  steps: number;
  run(ctx: DemoContext): Promise<void>;
}
