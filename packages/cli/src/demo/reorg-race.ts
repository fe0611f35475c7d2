import { COIN, type Hash } from "@utxolab/core";
import { coins, DemoAbort } from "./narrator.js";
import { type DemoNode, showRefusal } from "./nodes.js";
import { confirm, findCoin, MINER_ACCOUNT, payWithChange, relayFee, showBalances } from "./payments.js";
import type { Demo } from "./types.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds; false when `ms` passed first. */
async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(100);
  }
}

const sameTip = async (a: DemoNode, b: DemoNode) => (await a.tip()).hash === (await b.tip()).hash;

export const reorgRace: Demo = {
  name: "reorg-race",
  summary:
    "two nodes cut apart mine conflicting payments of one coin; reconnected, the heavier chain wins on both and the other payment is gone",
  nodes: 2,
  steps: 10,
  async run({ nodes: [a, b], n }) {
    await n.step(`Check that ${a.name} and ${b.name} follow the same chain.`);
    if (!(await waitFor(() => sameTip(a, b), 30_000))) {
      throw new DemoAbort(
        `${a.name} and ${b.name} are not on the same tip after 30 s: are they connected? (utxolab rpc getpeerinfo on each; a devnet connects them)`,
      );
    }
    const start = await a.tip();
    n.say(`Both are at height ${start.height}, tip ${start.hash.slice(0, 16)}….`);

    const coin = await findCoin(a, 3n * COIN + relayFee(1, 2), { prefer: [1, 2] });
    if ((await b.call("gettxout", [coin.txid, coin.vout])) === null) {
      throw new DemoAbort(
        `${b.name} does not see coin ${coin.txid}:${coin.vout} as unspent yet: wait for it to sync, then run the demo again`,
      );
    }
    const [left, right] = [6, 7, 8, 5, 4, 3].filter((x) => x !== coin.account);
    const watched = [coin.account, left, right];
    n.say(`Account ${coin.account} owns ${coin.txid}:${coin.vout} worth ${coins(coin.value)}. Balances before:`);
    await showBalances(a, n, watched);

    await n.step(`Cut ${b.name} off the network: setnetworkactive false.`);
    await b.call("setnetworkactive", [false]);
    try {
      const alone = await waitFor(async () => (await b.call<unknown[]>("getpeerinfo")).length === 0, 10_000);
      if (!n.expect(alone, `${b.name} has no peers`)) return;
      n.say(`${b.name} dropped every peer and refuses new ones. The rest of the network goes on without it.`);

      await n.step(
        `The same coin is spent twice, once on each side: 2 coins to account ${left} via ${a.name}, 2 coins to account ${right} via ${b.name}.`,
      );
      const payA = payWithChange(coin, left, 2n * COIN);
      const payB = payWithChange(coin, right, 2n * COIN);
      const ra = await a.send(payA);
      const rb = await b.send(payB);
      n.ledger(ra.ok ? `accepted, txid ${ra.txid}` : showRefusal(ra), a.name);
      n.ledger(rb.ok ? `accepted, txid ${rb.txid}` : showRefusal(rb), b.name);
      if (!n.expect(ra.ok && rb.ok, "each side accepts the payment it sees: it has never heard of the other") || !ra.ok || !rb.ok) return;

      await n.step("Both sides confirm their payment in a block.");
      await confirm(a, n, ra.txid);
      await confirm(b, n, rb.txid);
      let ta = await a.tip();
      let tb = await b.tip();
      n.say(`${a.name}'s side: height ${ta.height}. ${b.name}'s side: height ${tb.height}.`);

      await n.step(`Show ${a.name} the other side's blocks too (submitblock), so its page shows both branches at once.`);
      let shown = 0;
      for (let h = start.height + 1; h <= tb.height; h++) {
        const hash = await b.call<Hash>("getblockhash", [h]);
        const hex = await b.call<string>("getblock", [hash, false]);
        const r = await a.call<string | null>("submitblock", [hex]);
        if (r === null || r === "duplicate") shown++;
        else n.say(`${a.name} refused ${b.name}'s block #${h}: ${r}`);
      }
      const both = await a.tip();
      n.say(`${a.name} now holds ${shown} block(s) of ${b.name}'s branch beside its own. The Chain tab of ${a.name}'s page`);
      n.say(
        both.hash === ta.hash
          ? "shows them as a side branch: no more work than its own, so it keeps the branch it saw first."
          : "shows the switch: the other branch already had more work.",
      );
      n.say("Two histories, each valid on its own: on each, the coin was spent exactly once.");

      await n.step(`${b.name}'s side mines more: it pulls ahead.`);
      // A lead of two blocks, so that one more block from a devnet miner on the other side does not turn the race.
      for (let i = 0; i < 5 && tb.height < ta.height + 2; i++) {
        const more = ta.height + 2 - tb.height;
        await b.mine(more, MINER_ACCOUNT);
        n.say(`(mined ${more} more block${more === 1 ? "" : "s"} on ${b.name}, rewards to account ${MINER_ACCOUNT})`);
        ta = await a.tip();
        tb = await b.tip();
      }
      n.say(`${a.name}'s side: height ${ta.height}, payment to account ${left} confirmed.`);
      n.say(`${b.name}'s side: height ${tb.height}, payment to account ${right} confirmed.`);
      n.say("All blocks here carry the same proof-of-work target, so more blocks means more work.");
      const okA = await showBalances(a, n, watched);
      const okB = await showBalances(b, n, watched);
      n.expect(okA && okB, "no balance is below zero on either side");

      await n.step(`Reconnect: setnetworkactive true on ${b.name}, then addnode ${a.p2pUrl}.`);
      const heavier = tb.chainWork > ta.chainWork ? { node: b, tip: tb } : { node: a, tip: ta };
      await b.call("setnetworkactive", [true]);
      await b.call("addnode", [a.p2pUrl]);
      const converged = await waitFor(() => sameTip(a, b), 60_000);
      if (!n.expect(converged, "both nodes settle on one tip")) return;
      const end = await a.tip();
      n.say(`Both are now at height ${end.height}, tip ${end.hash.slice(0, 16)}….`);
      n.expect(
        end.chainWork >= heavier.tip.chainWork,
        `the best chain on both has at least the work of the heavier side (${heavier.node.name}'s, height ${heavier.tip.height})`,
      );
      const wonBranch = await a.call<{ confirmations: number }>("getblock", [heavier.tip.hash, true]);
      if (wonBranch.confirmations > 0)
        n.say(`${heavier.node.name}'s side had more work, and its blocks are now the best chain on both nodes.`);
      else {
        n.say(`${heavier.node.name}'s side had more work when we looked, but the other side's miner found more blocks`);
        n.say("before the two met again, and that chain won: the rule is the same, the most work wins.");
      }

      await n.step("Which payment survived?");
      const status = async (id: Hash) => [await a.confirmations(id), await b.confirmations(id)];
      const [a0, a1] = await status(ra.txid);
      const [b0, b1] = await status(rb.txid);
      const describe = (c: number | undefined) =>
        c === undefined ? "unknown (gone)" : c === 0 ? "waiting in the pool" : `${c} confirmation(s)`;
      n.say(`payment to account ${left}:  ${a.name} ${describe(a0)}, ${b.name} ${describe(a1)}`);
      n.say(`payment to account ${right}: ${a.name} ${describe(b0)}, ${b.name} ${describe(b1)}`);
      const aWon = (a0 ?? 0) > 0 && (a1 ?? 0) > 0 && b0 === undefined && b1 === undefined;
      const bWon = (b0 ?? 0) > 0 && (b1 ?? 0) > 0 && a0 === undefined && a1 === undefined;
      n.expect(aWon || bWon, "exactly one payment is confirmed on both nodes and the other is gone from both");
      const [winner, loser] = aWon ? [left, right] : [right, left];
      n.say(`The payment to account ${loser} was in blocks that lost: those blocks were disconnected, and the`);
      n.say("payment could not go back to the pool because the winning chain spends the same coin.");
      n.say(`Account ${winner} keeps its 2 coins. The rewards of the losing blocks vanished too: that is`);
      n.say("why a block reward must wait 10 blocks before it can be spent (see the immature-coinbase demo).");

      await n.step("Balances on both nodes:");
      let same = false;
      for (let i = 0; i < 5 && !same; i++) {
        const before = await a.tip();
        const infosA = await Promise.all(watched.map((x) => a.addressInfo(x)));
        const infosB = await Promise.all(watched.map((x) => b.addressInfo(x)));
        same = (await sameTip(a, b)) && (await a.tip()).hash === before.hash && infosA.every((x, k) => x.balance === infosB[k].balance);
        if (!same) await sleep(300);
      }
      const nonNegA = await showBalances(a, n, watched);
      const nonNegB = await showBalances(b, n, watched);
      n.expect(same, "both nodes report the same confirmed balances");
      n.expect(nonNegA && nonNegB, "no balance is below zero, before, during or after the race");
    } finally {
      // Leave the devnet as it was found, whatever happened above.
      await b.call("setnetworkactive", [true]).catch(() => undefined);
      if (a.p2pUrl) await b.call("addnode", [a.p2pUrl]).catch(() => undefined);
    }
  },
};
