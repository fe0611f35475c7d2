/**
 * The Node-only half of core's crypto: the libsecp256k1 backend and the worker pool.
 * `@utxolab/core` itself stays pure (the web page bundles it); Node programs import
 * this entry to go fast.
 */
import { type BackendName, nobleBackend, type SchnorrBackend, setSchnorrBackend } from "../secp.js";
import { type BatchVerifier, inlineVerifier } from "../sigverify.js";
import { defaultVerifyThreads, VerifyPool } from "./pool.js";

export { defaultVerifyThreads, PoolClosedError, VerifyPool } from "./pool.js";

export type VerifierChoice = BackendName | "auto";

/**
 * The backend for `choice`; "auto" is the fastest that loads (libsecp256k1, else noble).
 * Loading is a dynamic import so a missing or broken WebAssembly module falls back.
 */
export async function loadBackend(choice: VerifierChoice = "auto"): Promise<SchnorrBackend> {
  if (choice === "noble") return nobleBackend;
  try {
    return (await import("./libsecp.js")).libsecpBackend;
  } catch (e) {
    if (choice === "libsecp256k1") {
      throw new Error(`--verifier libsecp256k1: the libsecp256k1 backend did not load (${(e as Error).message}); use --verifier noble`);
    }
    return nobleBackend;
  }
}

/** Loads the backend for `choice` and makes it the one this process signs and verifies with. */
export async function useBackend(choice: VerifierChoice = "auto"): Promise<SchnorrBackend> {
  const b = await loadBackend(choice);
  setSchnorrBackend(b);
  return b;
}

export interface Verification {
  backend: SchnorrBackend;
  /** the pool, or the calling thread when threads is 0 */
  verifier: BatchVerifier;
  threads: number;
  close(): Promise<void>;
}

/**
 * What a node runs: the chosen backend, active for this process, and a pool of
 * `threads` workers (default: one per core; 0: verify on the calling thread).
 */
export async function startVerification(choice: VerifierChoice = "auto", threads = defaultVerifyThreads()): Promise<Verification> {
  const backend = await useBackend(choice);
  if (threads === 0) return { backend, verifier: inlineVerifier, threads: 0, close: async () => undefined };
  const pool = new VerifyPool(backend, threads);
  return { backend, verifier: pool, threads, close: () => pool.close() };
}
