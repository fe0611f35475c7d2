/**
 * A storage problem a person has to act on (datadir in use, foreign or damaged data, disk errors).
 * The message names the path and says what to do, so the node can print it as is.
 */
export class StoreError extends Error {
  override readonly name = "StoreError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** abstract-level wraps the cause of a failed open (`LEVEL_DATABASE_NOT_OPEN`); the cause says why. */
export function rootCause(e: unknown): unknown {
  let c = e;
  for (let i = 0; i < 5; i++) {
    const next = (c as { cause?: unknown } | null)?.cause;
    if (next === undefined || next === null) break;
    c = next;
  }
  return c;
}

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
