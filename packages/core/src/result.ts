/**
 * The one shape of a refusal, whatever refused: a stable word that code and tests compare
 * (`reason`) and the sentence for people (`detail`). Consensus and policy refusals use the
 * reasons of reasons.ts; parsers of user input use their own word (`bad-address`, ...).
 */
export interface Refused<R extends string = string> {
  readonly ok: false;
  readonly reason: R;
  readonly detail: string;
}

export const refused = <R extends string>(reason: R, detail: string): Refused<R> => ({ ok: false, reason, detail });
