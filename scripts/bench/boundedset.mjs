// BoundedSet (a peer's known inventory, the signature cache): inserts into a full set.
// Issue 12, attack 3: the old Set + values().next() eviction walked over every hole left
// by earlier evictions, so 50,000 inserts past capacity took seconds. Printed side by side
// with the same inserts into a small set (ratio ~1 means O(1) eviction).
import { BoundedSet } from "../../packages/core/dist/index.js";

function run(capacity, extra) {
  const s = new BoundedSet(capacity);
  for (let i = 0; i < capacity; i++) s.add(`a${i}`);
  const t = performance.now();
  for (let i = 0; i < extra; i++) s.add(`b${i}`);
  return performance.now() - t;
}

// a naive Set with values().next() eviction, as before the fix, for comparison
function runNaive(capacity, extra) {
  const s = new Set();
  const add = (v) => {
    if (s.size >= capacity) s.delete(s.values().next().value);
    s.add(v);
  };
  for (let i = 0; i < capacity; i++) add(`a${i}`);
  const t = performance.now();
  for (let i = 0; i < extra; i++) add(`b${i}`);
  return performance.now() - t;
}

run(1_000, 50_000); // warm up
const small = run(1_000, 50_000);
const big = run(100_000, 50_000);
const naive = runNaive(100_000, 50_000);
console.log(
  `50,000 inserts past capacity: capacity 1,000 ${small.toFixed(1)} ms, capacity 100,000 ${big.toFixed(1)} ms (ratio ${(big / small).toFixed(2)})`,
);
console.log(`naive Set eviction at capacity 100,000: ${naive.toFixed(1)} ms (${(naive / big).toFixed(1)}x BoundedSet)`);
