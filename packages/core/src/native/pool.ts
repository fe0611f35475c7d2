import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { BackendName, SchnorrBackend } from "../secp.js";
import type { BatchVerifier, SigJob } from "../sigverify.js";
import { JOB_BYTES, type PoolRequest, type PoolResponse } from "./protocol.js";

// Tests run core from its TypeScript sources, where no worker.js sits beside this file;
// the worker then comes from the build (`tsc -b` runs before every test run).
const WORKER_URL = import.meta.url.endsWith(".ts")
  ? new URL("../../dist/native/worker.js", import.meta.url)
  : new URL("./worker.js", import.meta.url);

/** Jobs per message: enough to pay for the message, few enough that threads share a block evenly. */
const MIN_CHUNK = 16;
const CHUNKS_PER_THREAD = 4;

interface Batch {
  /** lowest failing index found so far (Infinity: none yet) */
  best: number;
  pending: number;
  resolve(first: number): void;
  reject(e: Error): void;
}

interface Chunk {
  batch: Batch;
  start: number;
  jobs: readonly SigJob[];
}

interface Slot {
  worker: Worker;
  chunk: Chunk | undefined;
}

export class PoolClosedError extends Error {
  constructor() {
    super("the signature verification pool is closed: the process is stopping, nothing was verified or applied");
  }
}

/** The number of threads `--verify-threads` means by default: one per available core. */
export const defaultVerifyThreads = (): number => availableParallelism();

/**
 * A worker_threads pool that verifies signatures in parallel. The answer is the
 * sequential one: every job before the lowest failing index verified, so whoever
 * asks can report exactly the reason a one-thread check would. Idle workers do
 * not keep the process alive; close() terminates them and fails what is pending.
 */
export class VerifyPool implements BatchVerifier {
  readonly backend: BackendName;
  readonly threads: number;
  private readonly impl: SchnorrBackend;
  private readonly slots: Slot[] = [];
  private readonly queue: Chunk[] = [];
  private nextId = 1;
  private closed = false;
  private readonly batches = new Set<Batch>();

  /** `impl` is the backend the workers load by name, and the one used here if a worker dies */
  constructor(impl: SchnorrBackend, threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`a verification pool needs at least 1 thread, not ${threads}`);
    this.backend = impl.name;
    this.threads = threads;
    this.impl = impl;
    for (let i = 0; i < threads; i++) this.spawn();
  }

  private spawn(): void {
    const worker = new Worker(WORKER_URL, { workerData: { backend: this.backend } });
    const slot: Slot = { worker, chunk: undefined };
    worker.unref();
    worker.on("message", (res: PoolResponse) => {
      const c = slot.chunk;
      slot.chunk = undefined;
      worker.unref();
      if (c && res.id) this.finish(c, res.first);
      this.pump();
    });
    const lost = () => {
      // A worker that dies (out of memory, a bug) must not lose its jobs: check them here.
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const c = slot.chunk;
      slot.chunk = undefined;
      if (c && !this.closed) this.finish(c, this.verifyHere(c.jobs));
      this.pump();
    };
    worker.on("error", lost);
    worker.on("exit", lost);
    this.slots.push(slot);
  }

  private verifyHere(jobs: readonly SigJob[]): number {
    for (let i = 0; i < jobs.length; i++) if (!this.impl.verify(jobs[i].sig, jobs[i].msg, jobs[i].pubkey)) return i;
    return -1;
  }

  private finish(c: Chunk, first: number): void {
    const b = c.batch;
    if (first >= 0) b.best = Math.min(b.best, c.start + first);
    if (--b.pending === 0) {
      this.batches.delete(b);
      b.resolve(Number.isFinite(b.best) ? b.best : -1);
    }
  }

  private pump(): void {
    for (;;) {
      const c = this.queue.shift();
      if (!c) return;
      // A failure before this chunk already decides the batch: skip the work.
      if (c.start > c.batch.best) {
        this.finish(c, -1);
        continue;
      }
      const slot = this.slots.find((s) => !s.chunk);
      if (!slot) {
        if (this.slots.length === 0) {
          this.finish(c, this.verifyHere(c.jobs));
          continue;
        }
        this.queue.unshift(c);
        return;
      }
      const buf = new Uint8Array(c.jobs.length * JOB_BYTES);
      for (let i = 0; i < c.jobs.length; i++) {
        const j = c.jobs[i];
        buf.set(j.sig, i * JOB_BYTES);
        buf.set(j.msg, i * JOB_BYTES + 64);
        buf.set(j.pubkey, i * JOB_BYTES + 96);
      }
      slot.chunk = c;
      slot.worker.ref();
      const req: PoolRequest = { id: this.nextId++, buf: buf.buffer };
      slot.worker.postMessage(req, [buf.buffer]);
    }
  }

  firstFailure(jobs: readonly SigJob[]): Promise<number> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    // A job of the wrong shape cannot be packed; it fails, so only the jobs before it need checking.
    let n = jobs.length;
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i];
      if (j.sig.length !== 64 || j.msg.length !== 32 || j.pubkey.length !== 32) {
        n = i;
        break;
      }
    }
    if (n === 0) return Promise.resolve(jobs.length === 0 ? -1 : 0);
    return new Promise<number>((resolve, reject) => {
      const size = Math.max(MIN_CHUNK, Math.ceil(n / (this.threads * CHUNKS_PER_THREAD)));
      const batch: Batch = { best: n < jobs.length ? n : Number.POSITIVE_INFINITY, pending: 0, resolve, reject };
      this.batches.add(batch);
      for (let s = 0; s < n; s += size) {
        batch.pending++;
        this.queue.push({ batch, start: s, jobs: jobs.slice(s, Math.min(n, s + size)) });
      }
      this.pump();
    });
  }

  /** Terminates the workers; batches still pending fail with PoolClosedError (nothing of theirs applies). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    for (const b of this.batches) b.reject(new PoolClosedError());
    this.batches.clear();
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
