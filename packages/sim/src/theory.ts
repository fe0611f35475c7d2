/**
 * The published formulas the simulator is compared against, computed here so
 * the comparison in docs/simulation.md and the scenarios print the same numbers.
 */

/**
 * Bitcoin whitepaper §11: probability that an attacker with share q ever
 * catches up from z blocks behind, with the attacker's progress while the
 * merchant waits taken as Poisson with mean z·q/p.
 */
export function nakamoto(q: number, z: number): number {
  const p = 1 - q;
  if (q >= p) return 1;
  const lambda = (z * q) / p;
  let sum = 1;
  let poisson = Math.exp(-lambda);
  for (let k = 0; k <= z; k++) {
    if (k > 0) poisson *= lambda / k;
    sum -= poisson * (1 - (q / p) ** (z - k));
  }
  return Math.max(0, sum);
}

/**
 * Rosenfeld (2012), "Analysis of hashrate-based double spending": the exact
 * probability when the merchant waits for n confirmations — the attacker's
 * blocks while the honest network finds n are negative-binomial, not Poisson:
 * r = 1 − Σ_{m=0..n} C(m+n−1, m)·(pⁿqᵐ − pᵐqⁿ).
 */
export function rosenfeld(q: number, n: number): number {
  const p = 1 - q;
  if (q >= p) return 1;
  if (n === 0) return 1;
  let sum = 0;
  let c = 1; // C(m+n−1, m) for m = 0
  for (let m = 0; m <= n; m++) {
    if (m > 0) c = (c * (m + n - 1)) / m;
    sum += c * (p ** n * q ** m - p ** m * q ** n);
  }
  return Math.min(1, Math.max(0, 1 - sum));
}

/**
 * Eyal and Sirer (2014), "Majority is not enough": the selfish pool's share of
 * the blocks on the main chain, for hash share α and γ, the share of honest
 * miners that build on the pool's block during a tie.
 */
export function selfishRevenue(alpha: number, gamma: number): number {
  const a = alpha;
  return (a * (1 - a) ** 2 * (4 * a + gamma * (1 - 2 * a)) - a ** 3) / (1 - a * (1 + (2 - a) * a));
}

/** Eyal and Sirer: selfish mining pays above this share of the hash power. */
export const selfishThreshold = (gamma: number): number => (1 - gamma) / (3 - 2 * gamma);

/** Standard error of a proportion estimated from n trials (and a rough 95% half-width, 1.96 of them). */
export function proportionError(p: number, n: number): number {
  return n > 0 ? Math.sqrt(Math.max(p * (1 - p), 1 / n) / n) : Number.NaN;
}
