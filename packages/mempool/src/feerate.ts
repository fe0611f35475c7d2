/**
 * Fee rates compared exactly: fee/size against fee/size by cross-multiplying in bigint,
 * so two rates that differ by less than a float can tell apart still order correctly.
 * Sizes are positive (a transaction is at least 10 bytes).
 */
export function compareRate(feeA: bigint, sizeA: number, feeB: bigint, sizeB: number): number {
  const l = feeA * BigInt(sizeB);
  const r = feeB * BigInt(sizeA);
  return l < r ? -1 : l > r ? 1 : 0;
}

/** Units per byte as a float, for display and logs only. */
export const rateForDisplay = (fee: bigint, size: number): number => Number(fee) / size;
