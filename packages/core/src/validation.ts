import { type Amount, MAX_MONEY } from "./amount.js";
import { type Block, type BlockHeader, blockSize } from "./block.js";
import type { Hash } from "./hash.js";
import { merkleRoot } from "./merkle.js";
import { type NetworkParams, subsidyAt } from "./params.js";
import { checkProofOfWork } from "./pow.js";
import type { Reason } from "./reasons.js";
import type { Refused } from "./result.js";
import type { SigCache } from "./sigcache.js";
import { type SpentOutput, sighashFromParts, sighashParts } from "./sighash.js";
import { type BatchVerifier, firstFailingSig, type SigJob } from "./sigverify.js";
import { isCoinbase, isNullOutpoint, outpointKey, type Transaction, txid, txSize } from "./transaction.js";
import { type Coin, CoinOverlay, type CoinView } from "./utxo.js";

/** A broken rule: the stable reason of SPEC §6/§7 and the numbers behind it. */
/** A consensus or policy refusal: the one refusal shape (result.ts) with a reason of the table, its detail optional. */
export interface Reject extends Omit<Refused<Reason>, "detail"> {
  readonly detail?: string;
}

export type Check = { ok: true } | Reject;

/** A refusal: only a reason of the table in reasons.ts, with the numbers behind it. */
export const reject = (reason: Reason, detail?: string): Reject =>
  detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };

/** `reason: detail`, as RPC errors, logs and the web page show it. */
export const formatReject = (r: { reason: string; detail?: string }): string => (r.detail ? `${r.reason}: ${r.detail}` : r.reason);

const OK: Check = { ok: true };

/** SPEC §6, transaction rules that need no context, in table order. */
export function checkTransaction(tx: Transaction, params: NetworkParams): Check {
  if (tx.inputs.length === 0) return reject("bad-txns-vin-empty", "a transaction needs at least one input");
  if (tx.outputs.length === 0) return reject("bad-txns-vout-empty", "a transaction needs at least one output");
  const size = txSize(tx);
  if (size > params.maxBlockSize) {
    return reject("bad-txns-oversize", `size ${size} > max ${params.maxBlockSize} bytes`);
  }
  let total = 0n;
  for (let i = 0; i < tx.outputs.length; i++) {
    const v = tx.outputs[i].value;
    if (v > MAX_MONEY) return reject("bad-txns-vout-toolarge", `output ${i} value ${v} > MAX_MONEY ${MAX_MONEY}`);
  }
  for (const o of tx.outputs) total += o.value;
  if (total > MAX_MONEY) return reject("bad-txns-txouttotal-toolarge", `outputs total ${total} > MAX_MONEY ${MAX_MONEY}`);
  const seen = new Set<string>();
  for (const i of tx.inputs) {
    const k = outpointKey(i.prevTxid, i.vout);
    if (seen.has(k)) return reject("bad-txns-inputs-duplicate", `outpoint ${k} is spent twice`);
    seen.add(k);
  }
  if (isCoinbase(tx)) {
    const n = tx.inputs[0].witness.length;
    if (n < 4 || n > 100) return reject("bad-cb-length", `coinbase witness is ${n} bytes, must be 4..100`);
    return OK;
  }
  for (let i = 0; i < tx.inputs.length; i++) {
    if (isNullOutpoint(tx.inputs[i])) {
      return reject("bad-txns-prevout-null", `input ${i} spends the null outpoint; only a coinbase may`);
    }
  }
  for (let i = 0; i < tx.inputs.length; i++) {
    const n = tx.inputs[i].witness.length;
    if (n !== 64) return reject("bad-txns-witness-size", `input ${i} witness is ${n} bytes, must be one 64-byte signature`);
  }
  return OK;
}

export const isFinalTx = (tx: Transaction, height: number): boolean => tx.locktime <= height;

export type InputsCheck = { ok: true; fee: Amount; spent: Coin[] } | Reject;

/** The signature checks of a transaction, input by input, in the order the rules check them. */
export function txSigJobs(tx: Transaction, spent: readonly SpentOutput[]): SigJob[] {
  const parts = sighashParts(tx, spent);
  const jobs: SigJob[] = new Array(tx.inputs.length);
  for (let i = 0; i < tx.inputs.length; i++) {
    jobs[i] = { sig: tx.inputs[i].witness, msg: sighashFromParts(tx, parts, i), pubkey: spent[i].pubkey };
  }
  return jobs;
}

/** The reject of SPEC §6 for input `i` whose signature does not verify. */
export function sigReject(tx: Transaction, i: number): Reject {
  return reject("bad-txns-sig", `input ${i} signature does not verify for the key of ${tx.inputs[i].prevTxid}:${tx.inputs[i].vout}`);
}

/**
 * SPEC §6, transaction rules against the UTXO set at `height` (the height of the
 * block that would hold it), in table order. Signatures are skipped only for a
 * txid already in `sigCache`, which means they were verified before.
 *
 * With `deferSigs`, the signature checks are appended to it instead of run (and
 * the cache is left alone): the caller verifies them, maybe in parallel, and the
 * first failing one decides, as it would have here.
 */
export function checkTxInputs(
  tx: Transaction,
  view: CoinView,
  height: number,
  params: NetworkParams,
  sigCache?: SigCache,
  deferSigs?: SigJob[],
): InputsCheck {
  if (isCoinbase(tx)) {
    if (!isFinalTx(tx, height)) return reject("bad-txns-nonfinal", `locktime ${tx.locktime} > block height ${height}`);
    return { ok: true, fee: 0n as Amount, spent: [] };
  }
  const spent: Coin[] = new Array(tx.inputs.length);
  for (let i = 0; i < tx.inputs.length; i++) {
    const inp = tx.inputs[i];
    const coin = view.getCoin(inp.prevTxid, inp.vout);
    if (!coin) {
      return reject("bad-txns-inputs-missingorspent", `input ${i} spends ${inp.prevTxid}:${inp.vout}, which is missing or already spent`);
    }
    spent[i] = coin;
  }
  for (let i = 0; i < spent.length; i++) {
    const c = spent[i];
    if (c.coinbase && c.height > 0 && height < c.height + params.coinbaseMaturity) {
      return reject(
        "bad-txns-premature-spend-of-coinbase",
        `input ${i} spends a coinbase output from height ${c.height}, spendable from height ${c.height + params.coinbaseMaturity}, not ${height}`,
      );
    }
  }
  let valueIn = 0n;
  for (const c of spent) {
    valueIn += c.value;
    if (c.value > MAX_MONEY || valueIn > MAX_MONEY) {
      return reject("bad-txns-inputvalues-outofrange", `inputs total ${valueIn} > MAX_MONEY ${MAX_MONEY}`);
    }
  }
  let valueOut = 0n;
  for (const o of tx.outputs) valueOut += o.value;
  if (valueIn < valueOut) return reject("bad-txns-in-belowout", `in ${valueIn} < out ${valueOut}`);
  if (!isFinalTx(tx, height)) return reject("bad-txns-nonfinal", `locktime ${tx.locktime} > block height ${height}`);
  const id = txid(tx);
  if (!sigCache?.has(id)) {
    const jobs = txSigJobs(tx, spent);
    if (deferSigs) {
      for (const j of jobs) deferSigs.push(j);
    } else {
      const bad = firstFailingSig(jobs);
      if (bad >= 0) return sigReject(tx, bad);
      sigCache?.add(id);
    }
  }
  return { ok: true, fee: (valueIn - valueOut) as Amount, spent };
}

/** Every transaction rule of SPEC §6 for one transaction: context-free first. */
export function checkTransactionFull(
  tx: Transaction,
  view: CoinView,
  height: number,
  params: NetworkParams,
  sigCache?: SigCache,
): InputsCheck {
  const cf = checkTransaction(tx, params);
  if (!cf.ok) return cf;
  return checkTxInputs(tx, view, height, params, sigCache);
}

/**
 * SPEC §6 block rule `high-hash`, the header alone: its hash meets the target its bits
 * name, within the network's powLimit. A block refused here is not remembered (a body or
 * a header of someone else's can be wrong without the named block being so).
 */
export function checkBlockHeader(header: BlockHeader, hash: Hash, params: NetworkParams): Check {
  if (!checkProofOfWork(hash, header.bits, params.powLimit)) {
    return reject("high-hash", `hash ${hash} is above the target of bits 0x${header.bits.toString(16).padStart(8, "0")}`);
  }
  return OK;
}

/** What the header rules that need the chain see of it: the parent and the clock. */
export interface HeaderContext {
  /** the parent's invalid reason as stored, when the parent is invalid */
  readonly parentInvalid?: { readonly hash: Hash; readonly reason: string };
  /** median time past of the parent (SPEC §6 `time-too-old`) */
  readonly medianTimePast: number;
  /** the node's clock, unix seconds */
  readonly now: number;
}

/**
 * SPEC §6 block rules `bad-prevblk`, `bad-diffbits`, `time-too-old`, `time-too-new`, in that
 * order: the header against its parent and the node's clock. A block whose parent was set
 * aside by hand (invalidateblock, a snapshot's revert) gets `manually-invalidated`: it broke
 * no rule, so whoever sent it is not blamed.
 */
export function contextualCheckBlockHeader(header: BlockHeader, ctx: HeaderContext, params: NetworkParams): Check {
  if (ctx.parentInvalid) {
    const { hash, reason } = ctx.parentInvalid;
    const manual = reason.startsWith("manually-invalidated" satisfies Reason);
    return reject(manual ? "manually-invalidated" : "bad-prevblk", `parent ${hash} is invalid (${reason})`);
  }
  if (header.bits !== params.bits) {
    return reject("bad-diffbits", `bits 0x${header.bits.toString(16)} != required 0x${params.bits.toString(16)}`);
  }
  if (header.time <= ctx.medianTimePast) return reject("time-too-old", `time ${header.time} <= median time past ${ctx.medianTimePast}`);
  const limit = ctx.now + params.maxFutureDrift;
  if (header.time > limit) return reject("time-too-new", `time ${header.time} > node clock + 2h = ${limit}`);
  return OK;
}

/** Block body rules that need no chain: length, merkle, duplicates, coinbase placement, each tx. */
export function checkBlockBody(block: Block, params: NetworkParams): Check {
  const size = blockSize(block);
  if (block.txs.length === 0) return reject("bad-blk-length", "a block needs at least one transaction");
  if (size > params.maxBlockSize) return reject("bad-blk-length", `block size ${size} > max ${params.maxBlockSize} bytes`);
  const ids: Hash[] = block.txs.map(txid);
  const root = merkleRoot(ids);
  if (root !== block.header.merkleRoot) {
    return reject("bad-txnmrklroot", `header says ${block.header.merkleRoot}, transactions give ${root}`);
  }
  const seen = new Set<Hash>();
  for (const id of ids) {
    if (seen.has(id)) return reject("bad-txns-duplicate", `txid ${id} appears twice`);
    seen.add(id);
  }
  if (!isCoinbase(block.txs[0])) return reject("bad-cb-missing", "the first transaction is not a coinbase");
  for (let i = 1; i < block.txs.length; i++) {
    if (isCoinbase(block.txs[i])) return reject("bad-cb-multiple", `transaction ${i} is a second coinbase`);
  }
  for (let i = 0; i < block.txs.length; i++) {
    const r = checkTransaction(block.txs[i], params);
    if (!r.ok) return { ...r, detail: `tx ${i} (${ids[i]}): ${r.detail ?? ""}`.replace(/: $/, "") };
  }
  return OK;
}

export function coinbaseHeight(tx: Transaction): number {
  const w = tx.inputs[0].witness;
  return (w[0] | (w[1] << 8) | (w[2] << 16) | (w[3] << 24)) >>> 0;
}

export function checkCoinbaseHeight(block: Block, height: number): Check {
  const h = coinbaseHeight(block.txs[0]);
  if (h !== height) return reject("bad-cb-height", `coinbase says height ${h}, block is at height ${height}`);
  return OK;
}

export type ConnectCheck = { ok: true; fees: Amount; undo: Coin[]; overlay: CoinOverlay; txFees: Amount[] } | Reject;

/**
 * A block checked in context with its signatures still to verify: `result` is what
 * the rules say if every signature verifies; `jobs` are the signatures in the order
 * the sequential rules check them, up to the first other broken rule.
 */
export interface PendingConnect {
  readonly block: Block;
  readonly result: ConnectCheck;
  readonly jobs: readonly SigJob[];
  /** per transaction with jobs: its index in the block and its jobs' range */
  readonly txJobs: readonly { t: number; id: Hash; start: number; end: number }[];
}

/** Work between two pauses of the async check (transactions, or signatures' sighashes): a few ms. */
const SLICE_TXS = 64;
const SLICE_SIGS = 128;

/**
 * Contextual checks of a block at `height` on top of `view`, signatures collected,
 * not verified: each transaction in order sees what the earlier ones created and
 * spent; then the coinbase claim. Nothing is written. Pauses (yields the jobs so far)
 * after every slice of work, so an async caller can hand them to a verifier and let
 * other work run.
 */
function* prepareSteps(
  block: Block,
  height: number,
  view: CoinView,
  params: NetworkParams,
  sigCache?: SigCache,
): Generator<readonly SigJob[], PendingConnect, void> {
  const jobs: SigJob[] = [];
  const txJobs: { t: number; id: Hash; start: number; end: number }[] = [];
  const done = (result: ConnectCheck): PendingConnect => ({ block, result, jobs, txJobs });
  const overlay = new CoinOverlay(view);
  const undo: Coin[] = [];
  const txFees: Amount[] = [];
  let fees = 0n;
  let sliceTx = 0;
  let sliceSigs = 0;
  for (let t = 0; t < block.txs.length; t++) {
    if (t - sliceTx >= SLICE_TXS || jobs.length - sliceSigs >= SLICE_SIGS) {
      sliceTx = t;
      sliceSigs = jobs.length;
      yield jobs;
    }
    const tx = block.txs[t];
    const start = jobs.length;
    const r = checkTxInputs(tx, overlay, height, params, sigCache, jobs);
    if (!r.ok) return done({ ...r, detail: `tx ${t} (${txid(tx)}): ${r.detail ?? ""}` });
    const id = txid(tx);
    if (jobs.length > start) txJobs.push({ t, id, start, end: jobs.length });
    fees += r.fee;
    txFees.push(r.fee);
    const cb = t === 0;
    if (!cb) {
      for (const inp of tx.inputs) overlay.spend(inp.prevTxid, inp.vout);
      for (const c of r.spent) undo.push(c);
    }
    for (let v = 0; v < tx.outputs.length; v++) {
      const o = tx.outputs[v];
      overlay.add(id, v, { value: o.value, pubkey: o.pubkey, height, coinbase: cb });
    }
  }
  const subsidy = subsidyAt(height, params);
  let claimed = 0n;
  for (const o of block.txs[0].outputs) claimed += o.value;
  if (claimed > subsidy + fees) {
    return done(reject("bad-cb-amount", `coinbase claims ${claimed} > subsidy ${subsidy} + fees ${fees}`));
  }
  return done({ ok: true, fees: fees as Amount, undo, overlay, txFees });
}

/** prepareSteps run to the end on the calling thread. */
export function prepareBlockTxs(block: Block, height: number, view: CoinView, params: NetworkParams, sigCache?: SigCache): PendingConnect {
  const steps = prepareSteps(block, height, view, params, sigCache);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * The verdict once the signatures are checked: the first failing signature, if any,
 * comes before every rule `result` could have broken (those were checked later in
 * sequence), so it decides, exactly as the sequential check would. Transactions whose
 * signatures all verified before that point enter the cache, as they would have.
 */
export function settleBlockTxs(p: PendingConnect, firstFailure: number, sigCache?: SigCache): ConnectCheck {
  for (const tj of p.txJobs) {
    if (firstFailure >= 0 && tj.end > firstFailure) {
      const tx = p.block.txs[tj.t];
      const r = sigReject(tx, firstFailure - tj.start);
      return { ...r, detail: `tx ${tj.t} (${tj.id}): ${r.detail ?? ""}` };
    }
    sigCache?.add(tj.id);
  }
  return p.result;
}

/**
 * Contextual checks of a block at `height` on top of `view`, on the calling thread.
 * Nothing is written: the overlay holds the net changes for the caller to apply.
 */
export function connectBlockTxs(block: Block, height: number, view: CoinView, params: NetworkParams, sigCache?: SigCache): ConnectCheck {
  const p = prepareBlockTxs(block, height, view, params, sigCache);
  return settleBlockTxs(p, firstFailingSig(p.jobs), sigCache);
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * connectBlockTxs with the signatures checked by `verifier` (a worker pool, say); the
 * same verdict. The contextual pass runs in slices with a turn of the event loop between
 * them, each slice's signatures handed to the verifier as soon as they are known, so a
 * large block neither blocks the process nor waits for its last sighash to start verifying.
 * `view` must not change until the promise settles (ChainState runs one change at a time).
 */
export async function connectBlockTxsWith(
  verifier: BatchVerifier,
  block: Block,
  height: number,
  view: CoinView,
  params: NetworkParams,
  sigCache?: SigCache,
): Promise<ConnectCheck> {
  const steps = prepareSteps(block, height, view, params, sigCache);
  const checks: Promise<number>[] = [];
  let sent = 0;
  const send = (jobs: readonly SigJob[]) => {
    if (jobs.length <= sent) return;
    const from = sent;
    checks.push(verifier.firstFailure(jobs.slice(from)).then((f) => (f < 0 ? -1 : from + f)));
    sent = jobs.length;
  };
  let p: PendingConnect;
  for (;;) {
    const s = steps.next();
    if (s.done) {
      p = s.value;
      send(p.jobs);
      break;
    }
    send(s.value);
    await nextTurn();
  }
  // Every check must settle before the verdict: a failure in any slice may be the first.
  const results = await Promise.all(checks);
  const failures = results.filter((f) => f >= 0);
  return settleBlockTxs(p, failures.length ? Math.min(...failures) : -1, sigCache);
}

/** The reverse of connectBlockTxs: removes the block's outputs and restores what it spent. */
export function disconnectBlockTxs(block: Block, undo: readonly Coin[], view: CoinView): CoinOverlay | Reject {
  const overlay = new CoinOverlay(view);
  let u = undo.length;
  for (let t = block.txs.length - 1; t >= 0; t--) {
    const tx = block.txs[t];
    const id = txid(tx);
    for (let v = tx.outputs.length - 1; v >= 0; v--) overlay.spend(id, v);
    if (t === 0) continue;
    for (let i = tx.inputs.length - 1; i >= 0; i--) {
      u--;
      if (u < 0) return reject("bad-undo", "undo data is shorter than the block's inputs");
      overlay.add(tx.inputs[i].prevTxid, tx.inputs[i].vout, undo[u]);
    }
  }
  if (u !== 0) return reject("bad-undo", "undo data is longer than the block's inputs");
  return overlay;
}
