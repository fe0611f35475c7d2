/**
 * The discrete-event core: one virtual clock for every node, and a queue of
 * events ordered by (time, insertion order). Node code runs unchanged on top:
 * its promises are plain microtasks, drained after every event, so an event's
 * consequences (a block validated, an answer sent) happen at the event's time.
 */

export interface SimEvent {
  readonly at: number;
  readonly seq: number;
  fn: (() => void) | undefined;
  /** whether node promises may be pending after it (a block to validate, a request to serve) */
  readonly async: boolean;
}

/** Binary min-heap on (at, seq). */
class EventHeap {
  private readonly items: SimEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): SimEvent | undefined {
    return this.items[0];
  }

  push(e: SimEvent): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = e;
  }

  pop(): SimEvent | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      let i = 0;
      const n = a.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(a[r], a[l]) ? r : l;
        if (!before(a[c], last)) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

const before = (x: SimEvent, y: SimEvent): boolean => x.at < y.at || (x.at === y.at && x.seq < y.seq);

/** Lets every pending promise callback run: a macrotask turn comes only after the microtask queue is empty. */
const drainMicrotasks = (): Promise<void> => new Promise((r) => setImmediate(r));

export class Scheduler {
  private readonly heap = new EventHeap();
  private seq = 0;
  /** virtual milliseconds since the start of the run */
  now = 0;
  /** events run so far */
  processed = 0;

  /**
   * Runs `fn` `delay` ms from now (0: after the events already due now).
   * `async` false promises that `fn` leaves no promise work behind (an inv, a
   * ping, a heartbeat): the costly microtask drain after it is skipped.
   */
  schedule(delay: number, fn: () => void, async = true): SimEvent {
    const e: SimEvent = { at: this.now + Math.max(0, delay), seq: this.seq++, fn, async };
    this.heap.push(e);
    return e;
  }

  /** Runs `fn` at virtual time `at` (not before now). */
  at(at: number, fn: () => void, async = true): SimEvent {
    return this.schedule(at - this.now, fn, async);
  }

  cancel(e: SimEvent | undefined): void {
    if (e) e.fn = undefined;
  }

  get pending(): number {
    return this.heap.size;
  }

  /** Time of the next live event, if any. */
  nextAt(): number | undefined {
    for (let e = this.heap.peek(); e; e = this.heap.peek()) {
      if (e.fn) return e.at;
      this.heap.pop();
    }
    return undefined;
  }

  /** A promise that resolves `ms` virtual milliseconds from now. */
  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.schedule(ms, r));
  }

  /**
   * Runs events up to virtual time `until` (inclusive), or until `stop()` says
   * so (checked between events). Returns with `now` at the last event run, or
   * at `until` when the queue ran dry or the next event is later.
   */
  async run(until: number, stop?: () => boolean): Promise<void> {
    await drainMicrotasks();
    for (;;) {
      if (stop?.()) return;
      const e = this.heap.peek();
      if (!e || e.at > until) break;
      this.heap.pop();
      const fn = e.fn;
      if (!fn) continue;
      e.fn = undefined;
      this.now = e.at;
      this.processed++;
      fn();
      if (e.async) await drainMicrotasks();
    }
    if (until !== Number.POSITIVE_INFINITY && this.now < until) this.now = until;
  }
}
