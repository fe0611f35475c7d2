import { explainReason, REASON_NAMES, REASONS, type Reason, type ReasonKind } from "@utxolab/core";

/** One row of core's reasons table as the page's glossary reads it (`GET /api/reasons`). */
export interface ReasonText {
  reason: Reason;
  kind: ReasonKind;
  /** the rule in words a newcomer understands */
  plain: string;
}

/** Every reason in SPEC's table order, from core's one table. */
export const REASONS_LIST: readonly ReasonText[] = Object.freeze(
  REASON_NAMES.map((reason) => ({ reason, kind: REASONS[reason].kind, plain: REASONS[reason].plain })),
);

/** The plain words for a reason; a reason the table lacks still gets an honest sentence. */
export const explain = explainReason;
