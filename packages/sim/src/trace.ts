import { createWriteStream, type WriteStream } from "node:fs";

/**
 * What happened in a run. Every event that can differ between two runs is
 * mixed into a running 64-bit hash (two multiply-xorshift lanes): same seed and scenario,
 * same hash (not a cryptographic one: it tells runs apart, it does not resist forgery). Selected events also go to a JSON-lines file for replay.
 */
export class Trace {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193 ^ 0x5bd1e995;
  events = 0;
  private out?: WriteStream;

  /** Starts writing JSON lines to `file`. */
  open(file: string): void {
    this.out = createWriteStream(file);
  }

  get writing(): boolean {
    return this.out !== undefined;
  }

  /** Mixes numbers into the hash. */
  mix(a: number, b = 0, c = 0, d = 0): void {
    this.events++;
    this.word(a);
    this.word(b);
    this.word(c);
    this.word(d);
  }

  mixString(s: string): void {
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }

  /** One 32-bit word per step (a byte at a time cost a tenth of a large run's time: every message is mixed). */
  private word(x: number): void {
    const v = Math.floor(x) | 0;
    let a = Math.imul(this.h1 ^ v, 0x01000193);
    let b = Math.imul(this.h2 ^ v, 0x5bd1e995);
    a ^= a >>> 15;
    b ^= b >>> 13;
    this.h1 = a;
    this.h2 = b;
  }

  /** A line for the replay file (also mixed into the hash). */
  record(obj: Record<string, unknown>): void {
    this.mixString(JSON.stringify(obj));
    if (this.out) this.out.write(`${JSON.stringify(obj)}\n`);
  }

  get hash(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, "0") + (this.h2 >>> 0).toString(16).padStart(8, "0");
  }

  async close(): Promise<void> {
    const out = this.out;
    if (!out) return;
    this.out = undefined;
    await new Promise<void>((r) => out.end(r));
  }
}
