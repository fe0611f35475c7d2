/**
 * Time as the network layer sees it. A node reads the time and sets timers only
 * through a Clock, so a simulator can run many nodes on one virtual clock and
 * replay a run exactly; `realClock` is the wall clock and Node's timers.
 */
export interface TimerHandle {
  /** lets the process exit while the timer is pending (real timers only) */
  unref?(): unknown;
}

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(t: TimerHandle | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(t: TimerHandle | undefined): void;
  /** runs `fn` once the current turn is over (Node's setImmediate): work of one turn is batched */
  setImmediate(fn: () => void): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as ReturnType<typeof setTimeout> | undefined),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (t) => clearInterval(t as ReturnType<typeof setInterval> | undefined),
  setImmediate: (fn) => {
    setImmediate(fn);
  },
};
