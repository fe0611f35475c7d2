/**
 * The latency model: six regions, a one-way latency between each pair, and
 * the share of nodes in each. The figures are round numbers of the order that
 * public inter-region measurements show (cloud providers publish monthly
 * round-trip matrices; SimBlock uses the same six regions for Bitcoin): a
 * one-way latency is half a round trip. They are a model, not a measurement:
 * docs/simulation.md says how they were chosen.
 */
export const REGIONS = ["north-america", "europe", "south-america", "asia", "japan", "australia"] as const;
export type Region = (typeof REGIONS)[number];

/** One-way latency in ms, symmetric; row and column order as REGIONS. */
export const LATENCY_MS: readonly (readonly number[])[] = [
  [20, 45, 70, 110, 70, 95],
  [45, 10, 100, 70, 120, 130],
  [70, 100, 20, 170, 145, 160],
  [110, 70, 170, 25, 40, 60],
  [70, 120, 145, 40, 5, 58],
  [95, 130, 160, 60, 58, 10],
];

/** Share of nodes per region (roughly where reachable Bitcoin nodes were around 2019). */
export const NODE_SHARE: readonly number[] = [0.33, 0.5, 0.01, 0.1, 0.03, 0.03];

/** Bandwidth per region in bytes per ms (1 Mbit/s = 125 bytes/ms): upload, download. */
export const BANDWIDTH: readonly { up: number; down: number }[] = [
  { up: 2_500, down: 6_250 },
  { up: 3_750, down: 7_500 },
  { up: 750, down: 2_500 },
  { up: 2_500, down: 3_750 },
  { up: 6_250, down: 6_250 },
  { up: 1_250, down: 5_000 },
];

export const latencyBetween = (a: number, b: number): number => LATENCY_MS[a][b];
