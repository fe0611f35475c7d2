import { bytesToHex, COIN, encodeTx, MAX_MONEY, parseCoins, parseUnits, Writer } from "@utxolab/core";
import { coins } from "./narrator.js";
import { showRefusal } from "./nodes.js";
import { findCoin, relayFee, showBalances, signedPayment } from "./payments.js";
import type { Demo } from "./types.js";

const U64_MAX = (1n << 64n) - 1n;

/** Space-separated bytes, the way a hex dump shows them. */
const spaced = (hex: string) => hex.match(/../g)?.join(" ") ?? hex;

export const negativeAmount: Demo = {
  name: "negative-amount",
  summary:
    'someone types "-5": refused before anything is signed; written into the bytes it becomes a huge u64, refused with bad-txns-vout-toolarge',
  nodes: 1,
  steps: 5,
  async run({ nodes: [node], n }) {
    await n.step('Someone asks their wallet to send "-5" coins.');
    const typed = parseCoins("-5", "amount");
    n.say('The wallet reads the amount with parseCoins("-5"):');
    n.say(`  ${typed.ok ? `${typed.value} units` : typed.detail}`);
    n.expect(!typed.ok, "the amount is refused before any transaction exists");
    const json = parseUnits("-500000000", "value");
    n.say('A JSON amount in units ("-500000000") meets the same rule:');
    n.say(`  ${json.ok ? `${json.value} units` : json.detail}`);
    n.expect(!json.ok, "the JSON form is refused too");
    n.say("Nothing was signed and nothing reached the network. `utxolab wallet send ADDRESS -5`");
    n.say("stops with the same message.");

    await n.step("What if someone skips the wallet and writes -5 coins into the transaction bytes?");
    const minusFive = -5n * COIN;
    const asU64 = BigInt.asUintN(64, minusFive);
    const bytes = bytesToHex(new Writer(8).u64(asU64).finish());
    n.say("An output on the wire is `value:u64 | pubkey:32`. A u64 is 8 bytes, unsigned:");
    n.say(`it holds 0 … ${U64_MAX}. There is no sign, so there is no negative amount to write.`);
    n.say(`-5 coins is ${minusFive} units. Written as a signed 64-bit number its bytes (little-endian) are`);
    n.say(`  ${spaced(bytes)}`);
    n.say(`and read back as the u64 the format says it is, those bytes mean ${asU64} units:`);
    n.say(`${coins(asU64)}, far above MAX_MONEY (${coins(MAX_MONEY)}).`);

    const coin = await findCoin(node, COIN, { prefer: [5, 6] });
    const other = coin.account === 6 ? 7 : 6;
    await n.step(`Account ${coin.account} signs such a payment: "-5 coins" to account ${other}, its coin back to itself.`);
    const tx = signedPayment(
      [coin],
      [
        { to: other, value: asU64 },
        { to: coin.account, value: coin.value - relayFee(1, 2) },
      ],
    );
    const shown = await node.call<{ outputs: { value: string }[] }>("decoderawtransaction", [bytesToHex(encodeTx(tx))]);
    n.say(`decoderawtransaction shows output 0 as it is: value "${shown.outputs[0].value}".`);
    n.expect(shown.outputs[0].value === asU64.toString(), "the node reads the bytes as a huge positive amount");
    const r = await node.send(tx);
    n.ledger(r.ok ? `accepted, txid ${r.txid}` : showRefusal(r));
    n.expect(!r.ok && r.reason === "bad-txns-vout-toolarge", "refused with bad-txns-vout-toolarge");
    n.say("A “negative” output turns into an enormous positive one and is refused by the first");
    n.say("amount rule, before the node even looks up the coin. Had it been small enough to pass,");
    n.say("the next rule would demand that the inputs cover it: no one spends what they do not have.");

    await n.step("Balances (nothing moved):");
    n.expect(await showBalances(node, n, [coin.account, other]), "no balance is below zero");
  },
};
