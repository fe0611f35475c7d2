import { explainReason, REASON_NAMES, REASONS, type ReasonText } from "@utxolab/core";

export type { ReasonText };

/** Every reason in SPEC's table order, from core's one table. */
export const REASONS_LIST: readonly ReasonText[] = Object.freeze(
  REASON_NAMES.map((reason) => ({ reason, kind: REASONS[reason].kind, plain: REASONS[reason].plain })),
);

/** The plain words for a reason; a reason the table lacks still gets an honest sentence. */
export const explain = explainReason;
