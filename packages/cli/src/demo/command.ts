import { isRefusal, RpcError } from "@utxolab/client";
import { flags, HELP_OPTION, parseOptions, strings, USAGE_EXIT, UsageError } from "../args.js";
import { doubleSpend } from "./double-spend.js";
import { immatureCoinbase } from "./immature-coinbase.js";
import { leverage } from "./leverage.js";
import { coins, DemoAbort, Narrator } from "./narrator.js";
import { negativeAmount } from "./negative-amount.js";
import { connectNodes, type DemoNode } from "./nodes.js";
import { overflow } from "./overflow.js";
import { overspend } from "./overspend.js";
import { DEFAULT_PACE_MS, Pacer, parsePace } from "./pace.js";
import { reorgRace } from "./reorg-race.js";
import type { Demo } from "./types.js";

export const DEMO_USAGE =
  "utxolab demo NAME [--step | --pace MS] [--rpc URL] [--datadir DIR | --rpc-token T] [--dir DEVNET_DIR]   (utxolab demo list)";

export const DEMOS: readonly Demo[] = [overspend, doubleSpend, negativeAmount, overflow, immatureCoinbase, reorgRace, leverage];

function listDemos(out: (l: string) => void): void {
  out("guided demos, run against a running devnet (`utxolab devnet` in this directory, or --dir DIR):");
  for (const d of DEMOS) out(`  ${d.name.padEnd(18)} ${d.summary}`);
  out("");
  out(`usage: ${DEMO_USAGE}`);
  out(`  --step     wait for Enter before each step (the presenter sets the pace)`);
  out(`  --pace MS  pause MS milliseconds before each step (default ${DEFAULT_PACE_MS}; 0 runs straight through)`);
  out("  the node's page (its RPC URL in a browser) shows which step a demo is at");
}

/** Every demo ends here: the node rebuilds its UTXO set from the blocks and compares. */
async function verifyLedger(node: DemoNode, n: Narrator): Promise<void> {
  const v = await node.verifyLedger();
  n.say(
    `${node.name}: height ${v.height}, supply ${coins(BigInt(v.supply))} (at most ${coins(BigInt(v.expectedMaxSupply))} by now), ${v.utxos} UTXOs, negative: ${v.negative}, ${v.ok ? "ok" : "NOT ok"}`,
  );
  for (const p of v.problems ?? []) n.say(`  problem: ${p}`);
  n.expect(v.ok && v.negative === 0 && BigInt(v.supply) <= BigInt(v.expectedMaxSupply), `${node.name}'s ledger verifies: negative 0, ok`);
}

/** `utxolab demo NAME ...`: 0 when the ledger behaved as the demo expects, 1 otherwise. */
export async function runDemo(
  args: string[],
  io: { out: (line: string) => void; err: (line: string) => void; input?: NodeJS.ReadableStream; env?: NodeJS.ProcessEnv } = {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
  },
): Promise<number> {
  const { out, err } = io;
  const { values, positionals } = parseOptions(DEMO_USAGE, {
    args,
    allowPositionals: true,
    options: { ...strings("rpc", "datadir", "rpc-token", "dir", "pace"), ...flags("step"), ...HELP_OPTION },
  });
  const [name, ...extra] = positionals;
  if (values.help || name === undefined || name === "list" || name === "help") {
    listDemos(out);
    return name === undefined && !values.help ? USAGE_EXIT : 0;
  }
  if (extra.length) throw new UsageError(`one demo at a time; unexpected ${JSON.stringify(extra[0])}\nusage: ${DEMO_USAGE}`);
  const demo = DEMOS.find((d) => d.name === name);
  if (!demo) throw new UsageError(`no demo "${name}"; the demos are: ${DEMOS.map((d) => d.name).join(", ")}\nusage: ${DEMO_USAGE}`);

  const paceMs = parsePace(values.pace);
  if (typeof paceMs !== "number") throw new UsageError(`${paceMs.error}\nusage: ${DEMO_USAGE}`);
  if (values.step && values.pace !== undefined) throw new UsageError(`give --step or --pace, not both\nusage: ${DEMO_USAGE}`);
  const pacer = new Pacer({ paceMs, step: values.step === true, input: io.input, prompt: out });
  let nodes: DemoNode[] = [];
  const tell = (note: { step: number; text?: string; done?: boolean }) =>
    Promise.all(nodes.map((x) => x.progress({ name: demo.name, total: demo.steps, ...note }))).then(() => undefined);
  const n = new Narrator(out, { pace: () => pacer.before(), onStep: (step, text) => tell({ step, text }) });
  try {
    nodes = connectNodes(
      {
        rpc: values.rpc,
        datadir: values.datadir,
        token: values["rpc-token"],
        dir: values.dir,
        envDatadir: (io.env ?? process.env).UTXOLAB_DATADIR || undefined,
      },
      demo.nodes,
    );
    const info = await nodes[0].call<{ network: string; height: number }>("getblockchaininfo");
    if (info.network !== "devnet") {
      throw new DemoAbort(`${nodes[0].name} is on ${info.network}: the demos sign with the public devnet keys and run on devnet only`);
    }
    n.title(demo.name, demo.summary);
    n.say(`(${nodes.map((x) => `${x.name} at ${x.rpcUrl}`).join(", ")}; height ${info.height})`);
    await demo.run({ nodes, n });
    await n.step("Check the whole ledger: verifyledger rebuilds the UTXO set from every block and compares.");
    for (const node of nodes) await verifyLedger(node, n);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    const known =
      e instanceof DemoAbort || e instanceof RpcError || /^(no RPC cookie|cannot read the RPC cookie|the RPC cookie|--rpc )/.test(message);
    await tell({ step: n.stepCount, done: true });
    out("");
    if (isRefusal(e)) err(`error: the node refused a call the demo needs: ${e.display}`);
    else if (known) err(`error: ${message}`);
    else err(`error: the demo stopped unexpectedly: ${(e as Error).stack ?? message}`);
    return 1;
  } finally {
    pacer.close();
  }
  await tell({ step: n.stepCount, done: true });
  n.end();
  return n.failed.length === 0 ? 0 : 1;
}
