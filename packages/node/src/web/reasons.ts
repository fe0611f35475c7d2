/** Which part of the rules a reason comes from (SPEC §6 consensus, §7 pool policy). */
export type ReasonKind = "decoding" | "transaction" | "transaction-context" | "block" | "policy";

export interface ReasonText {
  reason: string;
  kind: ReasonKind;
  /** the rule in words a newcomer understands */
  plain: string;
}

const table: ReasonText[] = [
  {
    reason: "tx-decode-failed",
    kind: "decoding",
    plain: "The bytes are not a transaction: something is cut short, left over or malformed, so nobody can even read it.",
  },
  { reason: "block-decode-failed", kind: "decoding", plain: "The bytes are not a block: something is cut short, left over or malformed." },

  {
    reason: "bad-txns-vin-empty",
    kind: "transaction",
    plain: "The transaction spends nothing. Every payment must take its money from at least one earlier output.",
  },
  { reason: "bad-txns-vout-empty", kind: "transaction", plain: "The transaction pays nobody. It needs at least one output." },
  {
    reason: "bad-txns-oversize",
    kind: "transaction",
    plain: "The transaction is bigger than a whole block could ever be, so it could never be confirmed.",
  },
  {
    reason: "bad-txns-vout-toolarge",
    kind: "transaction",
    plain: "One output pays more than all the money that can ever exist (21 million coins).",
  },
  {
    reason: "bad-txns-txouttotal-toolarge",
    kind: "transaction",
    plain: "The outputs together pay more than all the money that can ever exist (21 million coins).",
  },
  {
    reason: "bad-txns-inputs-duplicate",
    kind: "transaction",
    plain: "The same coin is listed twice as an input of one transaction: you cannot count one coin twice.",
  },
  {
    reason: "bad-cb-length",
    kind: "transaction",
    plain: "The miner's reward transaction (coinbase) has a note that is too short or too long (4 to 100 bytes).",
  },
  {
    reason: "bad-txns-prevout-null",
    kind: "transaction",
    plain:
      "An ordinary transaction pretends to be a miner's reward by spending the 'nothing' outpoint. Only a block's first transaction may create coins.",
  },
  {
    reason: "bad-txns-witness-size",
    kind: "transaction",
    plain: "An input's signature is not exactly 64 bytes, so it cannot be a valid signature.",
  },

  {
    reason: "bad-txns-inputs-missingorspent",
    kind: "transaction-context",
    plain: "A coin it spends does not exist or is already spent. This is what stops a double spend: each coin can be spent once.",
  },
  {
    reason: "bad-txns-premature-spend-of-coinbase",
    kind: "transaction-context",
    plain: "It spends a miner's reward too early. New coins from mining must wait (10 blocks on devnet) in case their block is replaced.",
  },
  {
    reason: "bad-txns-inputvalues-outofrange",
    kind: "transaction-context",
    plain: "The coins it spends add up to more than all the money that can exist: impossible, so refused.",
  },
  {
    reason: "bad-txns-in-belowout",
    kind: "transaction-context",
    plain: "It pays out more than it spends. No one spends what they do not have: the inputs must cover the outputs.",
  },
  {
    reason: "bad-txns-nonfinal",
    kind: "transaction-context",
    plain: "Its locktime says it may only be confirmed at a later block height. Wait until then.",
  },
  {
    reason: "bad-txns-sig",
    kind: "transaction-context",
    plain: "A signature does not match: only the owner of a coin's key can spend it, and the signature covers every detail of the payment.",
  },

  { reason: "duplicate", kind: "block", plain: "The node already has this block." },
  {
    reason: "high-hash",
    kind: "block",
    plain: "Not enough proof of work: the block's hash is above the target, so nobody did the mining work for it.",
  },
  {
    reason: "prev-blk-not-found",
    kind: "block",
    plain: "The block builds on a parent the node has never seen. It needs the parent first.",
  },
  { reason: "bad-prevblk", kind: "block", plain: "The block builds on a block already found invalid, so it is invalid too." },
  { reason: "bad-diffbits", kind: "block", plain: "The block claims a different difficulty than the network requires." },
  { reason: "time-too-old", kind: "block", plain: "The block's time is not after the median time of the previous 11 blocks." },
  { reason: "time-too-new", kind: "block", plain: "The block's time is more than 2 hours ahead of this node's clock." },
  { reason: "bad-blk-length", kind: "block", plain: "The block is empty or larger than the maximum block size." },
  {
    reason: "bad-txnmrklroot",
    kind: "block",
    plain: "The block's header does not commit to the transactions inside it (merkle root mismatch): its contents were changed.",
  },
  { reason: "bad-txns-duplicate", kind: "block", plain: "The same transaction appears twice in the block." },
  { reason: "bad-cb-missing", kind: "block", plain: "The block's first transaction is not the miner's reward (coinbase)." },
  { reason: "bad-cb-multiple", kind: "block", plain: "The block has more than one miner's reward transaction." },
  { reason: "bad-cb-height", kind: "block", plain: "The miner's reward does not start with this block's height." },
  {
    reason: "bad-cb-amount",
    kind: "block",
    plain: "The miner paid itself more than the block reward plus the fees. Miners cannot print money.",
  },
  {
    reason: "bad-undo",
    kind: "block",
    plain: "The node's saved undo data for this block does not match it: the node's storage is damaged.",
  },

  { reason: "txn-already-in-mempool", kind: "policy", plain: "This exact transaction is already waiting in the pool." },
  { reason: "txn-already-known", kind: "policy", plain: "This transaction is already confirmed in a block." },
  {
    reason: "txn-mempool-conflict",
    kind: "policy",
    plain: "A transaction already waiting in the pool spends the same coin. The first one seen wins: this is a double spend attempt.",
  },
  { reason: "coinbase", kind: "policy", plain: "A miner's reward transaction can only come inside a block, never on its own." },
  {
    reason: "min-relay-fee-not-met",
    kind: "policy",
    plain: "The fee is too small: the pool asks at least 1 unit per byte of transaction.",
  },
  { reason: "dust", kind: "policy", plain: "An output is so tiny (under 546 units) that it would cost more to spend than it is worth." },
  { reason: "tx-size", kind: "policy", plain: "The transaction is larger than the pool accepts (100,000 bytes)." },
  { reason: "version", kind: "policy", plain: "The pool only relays transactions of version 1." },
  {
    reason: "too-long-mempool-chain",
    kind: "policy",
    plain: "Too many unconfirmed transactions depend on each other (more than 25). Wait for a block.",
  },
  { reason: "mempool-full", kind: "policy", plain: "The pool is full and this transaction pays too low a fee rate to push others out." },
];

export const REASONS: readonly ReasonText[] = table;

const byReason = new Map(table.map((r) => [r.reason, r]));

/** The plain words for a reason; a reason this table lacks still gets an honest sentence. */
export function explain(reason: string): string {
  return byReason.get(reason)?.plain ?? "A rule of the node refused it; the code names the rule.";
}
