/**
 * A seeded pseudo-random generator (sfc32, seeded through splitmix32): every
 * random choice of a run comes from one of these, so a seed replays a run.
 * Not for keys: for simulation only.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    let s = typeof seed === "number" ? seed >>> 0 : hashString(seed);
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Exponentially distributed with the given mean (waiting time of a Poisson process). */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  bool(p: number): boolean {
    return this.next() < p;
  }

  /** Index drawn with probability proportional to `weights[i]`. */
  weighted(weights: readonly number[], total?: number): number {
    const sum = total ?? weights.reduce((a, b) => a + b, 0);
    let x = this.next() * sum;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** `k` distinct integers from [0, n) other than those in `exclude`. */
  sample(n: number, k: number, exclude: ReadonlySet<number> = new Set()): number[] {
    const out: number[] = [];
    const taken = new Set(exclude);
    const want = Math.min(k, n - taken.size);
    while (out.length < want) {
      const i = this.int(n);
      if (taken.has(i)) continue;
      taken.add(i);
      out.push(i);
    }
    return out;
  }

  /** `bytes` random bytes as hex. */
  hex(bytes: number): string {
    let s = "";
    for (let i = 0; i < bytes; i += 4) s += this.u32().toString(16).padStart(8, "0");
    return s.slice(0, 2 * bytes);
  }

  /** A new generator whose sequence depends only on this one's seed and `label`. */
  fork(label: string): Rng {
    return new Rng((this.u32() ^ hashString(label)) >>> 0);
  }
}

/** 32-bit FNV-1a. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
