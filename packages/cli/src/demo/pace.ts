import { createInterface, type Interface } from "node:readline";
import { type Refused, refused } from "@utxolab/core";

/** Default pause before each step: long enough to look at the page, short enough to keep a room's attention. */
export const DEFAULT_PACE_MS = 1500;
/** a pace above this is a typo (seconds given as milliseconds twice over) */
export const MAX_PACE_MS = 60_000;

/**
 * How a demo moves from one step to the next: after a pause of `paceMs`, or, with `--step`,
 * when the presenter presses Enter. Input that ends (a pipe, Ctrl-D) lets the demo run on.
 */
export class Pacer {
  private rl: Interface | undefined;
  private lines: string[] = [];
  private waiting: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly opts: {
      paceMs: number;
      step: boolean;
      input?: NodeJS.ReadableStream;
      prompt?: (text: string) => void;
    },
  ) {}

  get interactive(): boolean {
    return this.opts.step;
  }

  /** Called before each step's actions, after its title is printed. */
  async before(): Promise<void> {
    if (this.opts.step) {
      await this.enter();
      return;
    }
    if (this.opts.paceMs > 0) await new Promise((r) => setTimeout(r, this.opts.paceMs));
  }

  private enter(): Promise<void> {
    // lines typed ahead (or piped) count first; once the input has ended, the demo runs on
    if (this.lines.length) {
      this.opts.prompt?.("   (press Enter for the next step)");
      this.lines.shift();
      return Promise.resolve();
    }
    if (this.ended) return Promise.resolve();
    this.opts.prompt?.("   (press Enter for the next step)");
    if (!this.rl) {
      this.rl = createInterface({ input: this.opts.input ?? process.stdin, terminal: false });
      this.rl.on("line", (l) => {
        const w = this.waiting;
        this.waiting = undefined;
        if (w) w();
        else this.lines.push(l);
      });
      this.rl.on("close", () => {
        this.ended = true;
        this.waiting?.();
        this.waiting = undefined;
      });
    }
    return new Promise((r) => {
      this.waiting = r;
    });
  }

  close(): void {
    this.rl?.close();
    this.rl = undefined;
  }
}

/** `--pace MS`: a whole number of milliseconds, 0 for no pause. */
export function parsePace(raw: string | undefined): number | Refused<"bad-pace"> {
  if (raw === undefined) return DEFAULT_PACE_MS;
  if (!/^[0-9]{1,6}$/.test(raw.trim()))
    return refused("bad-pace", `--pace takes milliseconds from 0 to ${MAX_PACE_MS}, e.g. --pace 1500; got ${JSON.stringify(raw)}`);
  const v = Number(raw.trim());
  if (v > MAX_PACE_MS)
    return refused("bad-pace", `--pace ${v} is over ${MAX_PACE_MS} ms (a minute) per step: give less, or use --step to go on with Enter`);
  return v;
}
