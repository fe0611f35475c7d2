import { createWriteStream, type WriteStream } from "node:fs";

/**
 * What happened in a run. Every event that can differ between two runs is
 * mixed into a running 64-bit hash (two FNV-1a lanes): same seed and scenario,
 * same hash. Selected events also go to a JSON-lines file for replay.
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

  private word(x: number): void {
    const v = Math.floor(x) | 0;
    for (let i = 0; i < 4; i++) {
      const byte = (v >>> (8 * i)) & 0xff;
      this.h1 = Math.imul(this.h1 ^ byte, 0x01000193);
      this.h2 = Math.imul(this.h2 ^ byte, 0x01000193 + 2 * 0x100);
    }
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
