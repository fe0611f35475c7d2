import { coinsText, unitsText } from "@utxolab/core";

/** Stops a demo whose setup failed: what went wrong and what to do. */
export class DemoAbort extends Error {}

/**
 * Prints a demo for a room: numbered steps, plain sentences, the node's own
 * answers verbatim, and a mark on every expectation. A demo "passes" when
 * every expectation held.
 */
export class Narrator {
  private steps = 0;
  private failures: string[] = [];

  /**
   * `pace` waits before each step's actions (a pause, or Enter with --step); `onStep` tells the node's page
   * where the demo is. Both are optional: without them a demo runs straight through.
   */
  constructor(
    private readonly out: (line: string) => void,
    private readonly hooks: { pace?: () => Promise<void>; onStep?: (step: number, text: string) => Promise<void> } = {},
  ) {}

  title(name: string, summary: string): void {
    this.out(`== demo: ${name} ==`);
    this.out(summary);
  }

  get stepCount(): number {
    return this.steps;
  }

  async step(what: string): Promise<void> {
    this.out("");
    this.out(`Step ${++this.steps}. ${what}`);
    await this.hooks.onStep?.(this.steps, what);
    await this.hooks.pace?.();
  }

  say(text: string): void {
    for (const line of text.split("\n")) this.out(`   ${line}`);
  }

  /** What the node said, unchanged. */
  ledger(answer: string, who = "the node"): void {
    this.out(`   ${who} answers: ${answer}`);
  }

  expect(held: boolean, what: string): boolean {
    if (held) this.out(`   ✓ ${what}`);
    else {
      this.out(`   ✗ NOT AS EXPECTED: ${what}`);
      this.failures.push(what);
    }
    return held;
  }

  get failed(): readonly string[] {
    return this.failures;
  }

  end(): void {
    this.out("");
    if (this.failures.length === 0) this.out("The ledger behaved as the rules say. (exit 0)");
    else {
      this.out(`The ledger did not behave as this demo expects in ${this.failures.length} place(s):`);
      for (const f of this.failures) this.out(`  - ${f}`);
    }
  }
}

export const coins = coinsText;
/** "150000000 units (1.5 coins)": the node speaks units, people read coins. */
export const unitsAndCoins = (units: bigint): string => `${unitsText(units)} (${coinsText(units)})`;
