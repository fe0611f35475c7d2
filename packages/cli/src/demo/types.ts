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
  run(ctx: DemoContext): Promise<void>;
}
