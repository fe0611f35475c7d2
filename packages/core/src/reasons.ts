/**
 * Every reject reason of SPEC §6 (consensus) and §7 (pool policy) in one table: what part
 * of the rules it belongs to, whether the peer that sent it is to blame, whether a block
 * refused for it is remembered as invalid, and the rule in plain words for the web page.
 * Everything that lists reasons (the chain, the pool, the peer layer, the page, the tests)
 * derives from here; a reason missing a row, or a row missing a field, fails to compile.
 */

/** Which part of the rules a reason comes from. */
export type ReasonKind =
  /** the bytes do not decode */
  | "decoding"
  /** a transaction rule that needs no context (SPEC §6 first table) */
  | "tx"
  /** a transaction rule against the UTXO set at the spend height (§6 second table) */
  | "tx-context"
  /** a block rule (§6 third table), or the node's own storage (`bad-undo`) */
  | "block"
  /** pool policy (§7): not consensus, never a peer's fault */
  | "policy";

export interface ReasonInfo {
  readonly kind: ReasonKind;
  /**
   * A peer that relays a transaction refused for this is misbehaving: no valid chain could
   * ever hold it. Missing inputs, premature coinbase spends and non-final locktimes can be
   * honest races with the tip, and policy is only ours: those are not punished.
   */
  readonly txPeerFault: boolean;
  /**
   * A peer that sends a block refused for this is misbehaving. Not so for a block we have
   * (`duplicate`), one whose parent we lack, or one only our clock finds too new.
   */
  readonly blockPeerFault: boolean;
  /**
   * A block refused for this is remembered as invalid with its descendants. Not so where
   * the header may be fine and the body or the clock wrong (SPEC §6, v1.1); `bad-blk-length`
   * is remembered only when the body matches the header's merkle root (the chain checks that).
   */
  readonly remembered: boolean;
  /** the rule in words a newcomer understands */
  readonly plain: string;
}

const table = {
  "tx-decode-failed": {
    kind: "decoding",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: false,
    plain: "The bytes are not a transaction: something is cut short, left over or malformed, so nobody can even read it.",
  },
  "block-decode-failed": {
    kind: "decoding",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: false,
    plain: "The bytes are not a block: something is cut short, left over or malformed.",
  },
  "bad-txns-vin-empty": {
    kind: "tx",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "The transaction spends nothing. Every payment must take its money from at least one earlier output.",
  },
  "bad-txns-vout-empty": {
    kind: "tx",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "The transaction pays nobody. It needs at least one output.",
  },
  "bad-txns-oversize": {
    kind: "tx",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "The transaction is bigger than a whole block could ever be, so it could never be confirmed.",
  },
  "bad-txns-vout-toolarge": {
    kind: "tx",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "One output pays more than all the money that can ever exist (21 million coins).",
  },
  "bad-txns-txouttotal-toolarge": {
    kind: "tx",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "The outputs together pay more than all the money that can ever exist (21 million coins).",
  },
  "bad-txns-inputs-duplicate": {
    kind: "tx",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "The same coin is listed twice as an input of one transaction: you cannot count one coin twice.",
  },
  "bad-cb-length": {
    kind: "tx",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "The miner's reward transaction (coinbase) has a note that is too short or too long (4 to 100 bytes).",
  },
  "bad-txns-prevout-null": {
    kind: "tx",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain:
      "An ordinary transaction pretends to be a miner's reward by spending the 'nothing' outpoint. Only a block's first transaction may create coins.",
  },
  "bad-txns-witness-size": {
    kind: "tx",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "An input's signature is not exactly 64 bytes, so it cannot be a valid signature.",
  },
  "bad-txns-inputs-missingorspent": {
    kind: "tx-context",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "A coin it spends does not exist or is already spent. This is what stops a double spend: each coin can be spent once.",
  },
  "bad-txns-premature-spend-of-coinbase": {
    kind: "tx-context",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "It spends a miner's reward too early. New coins from mining must wait (10 blocks on devnet) in case their block is replaced.",
  },
  "bad-txns-inputvalues-outofrange": {
    kind: "tx-context",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "The coins it spends add up to more than all the money that can exist: impossible, so refused.",
  },
  "bad-txns-in-belowout": {
    kind: "tx-context",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "It pays out more than it spends. No one spends what they do not have: the inputs must cover the outputs.",
  },
  "bad-txns-nonfinal": {
    kind: "tx-context",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "Its locktime says it may only be confirmed at a later block height. Wait until then.",
  },
  "bad-txns-sig": {
    kind: "tx-context",
    txPeerFault: true,
    blockPeerFault: true,
    remembered: true,
    plain: "A signature does not match: only the owner of a coin's key can spend it, and the signature covers every detail of the payment.",
  },
  duplicate: {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "The node already has this block.",
  },
  "high-hash": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: false,
    plain: "Not enough proof of work: the block's hash is above the target, so nobody did the mining work for it.",
  },
  "prev-blk-not-found": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "The block builds on a parent the node has never seen. It needs the parent first.",
  },
  "bad-prevblk": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "The block builds on a block already found invalid, so it is invalid too.",
  },
  "bad-diffbits": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "The block claims a different difficulty than the network requires.",
  },
  "time-too-old": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "The block's time is not after the median time of the previous 11 blocks.",
  },
  "time-too-new": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "The block's time is more than 2 hours ahead of this node's clock.",
  },
  "bad-blk-length": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "The block is empty or larger than the maximum block size.",
  },
  "bad-txnmrklroot": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: false,
    plain: "The block's header does not commit to the transactions inside it (merkle root mismatch): its contents were changed.",
  },
  "bad-txns-duplicate": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "The same transaction appears twice in the block.",
  },
  "bad-cb-missing": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "The block's first transaction is not the miner's reward (coinbase).",
  },
  "bad-cb-multiple": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "The block has more than one miner's reward transaction.",
  },
  "bad-cb-height": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "The miner's reward does not start with this block's height.",
  },
  "bad-cb-amount": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: true,
    remembered: true,
    plain: "The miner paid itself more than the block reward plus the fees. Miners cannot print money.",
  },
  "bad-undo": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "The node's saved undo data for this block does not match it: the node's storage is damaged.",
  },
  "manually-invalidated": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: true,
    plain:
      "Someone running this node set this block (or one before it) aside by hand with invalidateblock or a snapshot revert; no rule was broken, and reconsiderblock brings it back.",
  },
  "low-work": {
    kind: "block",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain:
      "Nobody asked for this block and it has no more work than the chain the node already follows, so it is not even stored (a defence against floods of cheap side branches).",
  },
  "txn-already-in-mempool": {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "This exact transaction is already waiting in the pool.",
  },
  "txn-already-known": {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "This transaction is already confirmed in a block.",
  },
  "txn-mempool-conflict": {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "A transaction already waiting in the pool spends the same coin. The first one seen wins: this is a double spend attempt.",
  },
  coinbase: {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "A miner's reward transaction can only come inside a block, never on its own.",
  },
  "min-relay-fee-not-met": {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "The fee is too small: the pool asks at least 1 unit per byte of transaction.",
  },
  dust: {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "An output is so tiny (under 546 units) that it would cost more to spend than it is worth.",
  },
  "tx-size": {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "The transaction is larger than the pool accepts (100,000 bytes).",
  },
  version: {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "The pool only relays transactions of version 1.",
  },
  "too-many-sigs": {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain:
      "The transaction asks the pool to check more signatures than its budget allows (one per input). Split the payment, or combine small coins first.",
  },
  "too-long-mempool-chain": {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "Too many unconfirmed transactions depend on each other (more than 25). Wait for a block.",
  },
  "mempool-full": {
    kind: "policy",
    txPeerFault: false,
    blockPeerFault: false,
    remembered: false,
    plain: "The pool is full and this transaction pays too low a fee rate to push others out.",
  },
} as const satisfies Record<string, ReasonInfo>;

/** A reason of SPEC §6/§7, or `bad-undo` (the node's own storage is damaged). */
export type Reason = keyof typeof table;

for (const row of Object.values(table)) Object.freeze(row);
export const REASONS: Readonly<Record<Reason, ReasonInfo>> = Object.freeze(table);

/** Every reason, in the order of SPEC's tables. */
export const REASON_NAMES: readonly Reason[] = Object.freeze(Object.keys(table) as Reason[]);

export const isReason = (s: string): s is Reason => Object.hasOwn(table, s);

/** The row for a reason string as it comes from outside (a peer, a stored index entry). */
export const reasonInfo = (s: string): ReasonInfo | undefined => (isReason(s) ? REASONS[s] : undefined);

/** The plain words for a reason; a string this table lacks still gets an honest sentence. */
export const explainReason = (s: string): string => reasonInfo(s)?.plain ?? "A rule of the node refused it; the code names the rule.";
