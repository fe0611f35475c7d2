import type { Clock, TimerHandle } from "@utxolab/p2p";
import type { Scheduler, SimEvent } from "./scheduler.js";

interface SimTimer extends TimerHandle {
  event?: SimEvent;
  interval?: number;
  fn?: () => void;
}

/** How the simulated heartbeat is paced (see SimClock). */
export interface HeartbeatPace {
  busyMs: number;
  idleMs: number;
  /** a node is busy this long after its last message; longer than the longest deadline checked at busy pace */
  windowMs: number;
}

/**
 * One node's view of the virtual clock. Every timer it sets is remembered so a
 * crash can cancel them all: a dead node does nothing more.
 */
export class SimClock implements Clock {
  private readonly timers = new Set<SimTimer>();
  private dead = false;

  /** virtual time of this node's last message in or out */
  private lastActive = Number.NEGATIVE_INFINITY;
  private readonly intervals = new Set<SimTimer>();

  constructor(
    private readonly sched: Scheduler,
    /** wall-clock milliseconds at virtual time 0 */
    private readonly epochMs: number,
    /**
     * How repeating timers tick; undefined: as asked. The only one is the p2p
     * heartbeat (every 500 ms in a real node), which checks deadlines of 2 s and
     * more. At 600 s per block, a thousand idle heartbeats per node and block
     * were most of a run's cost. With a pace, a short interval ticks every
     * `busyMs` while the node has sent or received a message in the last
     * `windowMs`, and every `idleMs` otherwise: the same checks run, a passed
     * deadline is only noticed up to `busyMs` later (see docs/simulation.md).
     */
    private readonly pace?: HeartbeatPace,
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
    const t: SimTimer = { interval: Math.max(1, ms), fn };
    this.intervals.add(t);
    this.arm(t, fn, this.period(t.interval ?? 1));
    return t;
  }

  /** An interval's next gap: as asked, or paced by the node's activity. */
  private period(ms: number): number {
    const p = this.pace;
    if (!p || ms >= p.busyMs) return ms;
    return this.sched.now - this.lastActive < p.windowMs ? p.busyMs : p.idleMs;
  }

  /**
   * The node sent or received a message. An idle node's heartbeat, due up to
   * `idleMs` from now, is brought forward to `busyMs` from now.
   */
  touch(): void {
    const p = this.pace;
    if (!p) return;
    const now = this.sched.now;
    const wasIdle = now - this.lastActive >= p.windowMs;
    this.lastActive = now;
    if (!wasIdle || this.dead) return;
    for (const t of this.intervals) {
      if (!t.event?.fn || !t.fn || t.event.at <= now + p.busyMs) continue;
      this.sched.cancel(t.event);
      this.arm(t, t.fn, p.busyMs);
    }
  }

  /** Intervals (the p2p heartbeat) are synchronous work: no microtask drain after them. */
  private arm(t: SimTimer, fn: () => void, ms: number): void {
    if (this.dead) return;
    this.timers.add(t);
    t.event = this.sched.schedule(
      Number.isFinite(ms) ? Math.max(0, ms) : 0,
      () => {
        if (t.interval !== undefined) this.arm(t, fn, this.period(t.interval));
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
    this.intervals.delete(s);
  }

  clearInterval(t: TimerHandle | undefined): void {
    this.clearTimeout(t);
  }

  /** Immediates queued at the current virtual time; one scheduler event runs them all, in order. */
  private immediates: (() => void)[] = [];

  setImmediate(fn: () => void): void {
    if (this.dead) return;
    this.immediates.push(fn);
    if (this.immediates.length > 1) return;
    // the inv flushes (synchronous sends): a block announced to 16 peers queues 16 of
    // them; one event for the batch instead of one each
    this.sched.schedule(
      0,
      () => {
        const batch = this.immediates;
        this.immediates = [];
        for (const f of batch) if (!this.dead) f();
      },
      false,
    );
  }

  /** The node crashed: none of its timers fire, none can be set. */
  kill(): void {
    this.dead = true;
    for (const t of this.timers) this.sched.cancel(t.event);
    this.timers.clear();
    this.intervals.clear();
    this.immediates = [];
  }

  get alive(): boolean {
    return !this.dead;
  }
}
