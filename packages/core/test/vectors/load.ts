import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/**
 * The repo's own copy in test/vectors (so a clone alone passes), or UTXOLAB_VECTORS=<dir> for anyone's
 * vectors: CI points it at ../shared/vectors, the contract, which may gain cases before our copy does.
 */
export const BUNDLED_VECTORS_DIR = resolve(repoRoot, "test/vectors");
export const VECTORS_DIR = process.env.UTXOLAB_VECTORS ? resolve(process.env.UTXOLAB_VECTORS) : BUNDLED_VECTORS_DIR;

export interface VectorFile<C> {
  spec: string;
  description: string;
  cases: C[];
}

/** A missing or unreadable file throws, so the run fails instead of passing on nothing. */
export function loadVectors<C = Record<string, unknown>>(name: string): VectorFile<C> {
  const path = join(VECTORS_DIR, name);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(
      `cannot read test vectors ${path}: ${(e as Error).message}. Set UTXOLAB_VECTORS to a directory holding the vector files.`,
    );
  }
  const data = JSON.parse(text) as VectorFile<C>;
  if (!Array.isArray(data.cases) || data.cases.length === 0) throw new Error(`${path} has no cases`);
  return data;
}

export function byType<C extends { type?: string }>(cases: C[], type: string): C[] {
  return cases.filter((c) => c.type === type);
}
