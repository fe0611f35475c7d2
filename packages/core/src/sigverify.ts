import { schnorrBackend } from "./secp.js";

/** One signature check: does `sig` sign `msg` under `pubkey`? */
export interface SigJob {
  readonly sig: Uint8Array;
  readonly msg: Uint8Array;
  readonly pubkey: Uint8Array;
}

/**
 * Checks a list of signatures and names the first one, in list order, that fails.
 * Callers list them in the order the sequential rules would check them, so the
 * answer decides the same reject reason whatever ran the checks, and wherever.
 */
export interface BatchVerifier {
  /** what `getmemoryinfo` and the start-up line show */
  readonly backend: string;
  /** 0: checks run on the calling thread */
  readonly threads: number;
  /** index of the first failing job, or -1 when all verify */
  firstFailure(jobs: readonly SigJob[]): Promise<number>;
}

/** The sequential answer on the calling thread with the active backend. */
export function firstFailingSig(jobs: readonly SigJob[]): number {
  const b = schnorrBackend();
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i];
    if (!b.verify(j.sig, j.msg, j.pubkey)) return i;
  }
  return -1;
}

/** Verifies on the calling thread (browser, tests, `--verify-threads 0`). */
export const inlineVerifier: BatchVerifier = {
  get backend() {
    return schnorrBackend().name;
  },
  threads: 0,
  firstFailure: async (jobs) => firstFailingSig(jobs),
};
