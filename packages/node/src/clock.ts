/** A clock in whole unix seconds: what chain rules, the pool, the miner and the logs read. */
export interface Clock {
  now(): number;
}

/**
 * The node's clock in whole unix seconds: the real one (or a test's), unless `setmocktime`
 * fixed it. Chain rules, the pool and the miner all read this one clock, so a mock time moves
 * them together; it rounds down here, once, so no reader has to.
 */
export class NodeClock implements Clock {
  private mock: number | undefined;

  constructor(private readonly real: () => number = () => Date.now() / 1000) {}

  now(): number {
    return Math.floor(this.mock ?? this.real());
  }

  /** The fixed time, or undefined when the real clock runs. */
  get mockTime(): number | undefined {
    return this.mock;
  }

  /** 0 returns to the real clock, as in Core. */
  setMock(t: number | undefined): void {
    this.mock = t === 0 ? undefined : t;
  }
}
