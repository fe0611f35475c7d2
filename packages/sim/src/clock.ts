import type { Clock, TimerHandle } from "@utxolab/p2p";
import type { Scheduler, SimEvent } from "./scheduler.js";

interface SimTimer extends TimerHandle {
  event?: SimEvent;
  interval?: number;
}

/**
 * One node's view of the virtual clock. Every timer it sets is remembered so a
 * crash can cancel them all: a dead node does nothing more.
 */
export class SimClock implements Clock {
  private readonly timers = new Set<SimTimer>();
  private dead = false;

  constructor(
    private readonly sched: Scheduler,
    /** wall-clock milliseconds at virtual time 0 */
    private readonly epochMs: number,
  ) {}

  now(): number {
    return this.epochMs + Math.floor(this.sched.now);
  }

  /** Unix seconds, for ChainState's and the pool's clocks. */
  seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: SimTimer = {};
    this.arm(t, fn, ms);
    return t;
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const t: SimTimer = { interval: Math.max(1, ms) };
    this.arm(t, fn, t.interval ?? 1);
    return t;
  }

  /** Intervals (the p2p heartbeat) are synchronous work: no microtask drain after them. */
  private arm(t: SimTimer, fn: () => void, ms: number): void {
    if (this.dead) return;
    this.timers.add(t);
    t.event = this.sched.schedule(
      Number.isFinite(ms) ? Math.max(0, ms) : 0,
      () => {
        if (t.interval !== undefined) this.arm(t, fn, t.interval);
        else this.timers.delete(t);
        fn();
      },
      t.interval === undefined,
    );
  }

  clearTimeout(t: TimerHandle | undefined): void {
    const s = t as SimTimer | undefined;
    if (!s) return;
    this.sched.cancel(s.event);
    s.interval = undefined;
    this.timers.delete(s);
  }

  clearInterval(t: TimerHandle | undefined): void {
    this.clearTimeout(t);
  }

  setImmediate(fn: () => void): void {
    if (this.dead) return;
    // the inv flush: synchronous sends
    this.sched.schedule(
      0,
      () => {
        if (!this.dead) fn();
      },
      false,
    );
  }

  /** The node crashed: none of its timers fire, none can be set. */
  kill(): void {
    this.dead = true;
    for (const t of this.timers) this.sched.cancel(t.event);
    this.timers.clear();
  }

  get alive(): boolean {
    return !this.dead;
  }
}
