/**
 * A set that forgets its oldest members beyond `capacity` (a peer's known inventory, the signature cache).
 *
 * Why not a plain `Set` and `values().next()` for the oldest: V8 leaves a hole for every
 * deleted entry at the front of a Set's table and the iterator walks over all of them,
 * so once the set is full every insert costs O(holes) and 50,000 inserts take seconds
 * (issue 12, attack 3). Here membership lives in a Map from member to the sequence
 * number of its insertion, and insertion order in a separate array used as a queue;
 * eviction pops the queue's head, skipping entries that were deleted or re-added since
 * (their sequence number no longer matches). Every queue entry is popped or compacted
 * away at most once, so each operation is amortized O(1).
 */
export class BoundedSet<T> {
  private readonly items = new Map<T, number>();
  private queue: T[] = [];
  private seqs: number[] = [];
  private head = 0;
  private seq = 0;
  private _steps = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`BoundedSet capacity must be a whole number >= 1, got ${capacity}`);
  }

  has(v: T): boolean {
    return this.items.has(v);
  }

  add(v: T): void {
    if (this.items.has(v)) return;
    if (this.items.size >= this.capacity) this.evictOldest();
    const s = this.seq++;
    this.items.set(v, s);
    this.queue.push(v);
    this.seqs.push(s);
    // deleted members leave stale queue entries behind: compact before they outnumber the live ones
    if (this.queue.length - this.head > 2 * this.capacity + 16) this.compact();
  }

  delete(v: T): void {
    this.items.delete(v);
  }

  get size(): number {
    return this.items.size;
  }

  /** Queue entries visited by evictions and compactions so far: stays linear in the number of adds (tests check it). */
  get steps(): number {
    return this._steps;
  }

  private evictOldest(): void {
    while (this.head < this.queue.length) {
      const v = this.queue[this.head];
      const s = this.seqs[this.head];
      this.head++;
      this._steps++;
      if (this.items.get(v) === s) {
        this.items.delete(v);
        break;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) this.compact();
  }

  /** Drops the consumed head and stale entries: O(queue length), run only after as many cheap steps. */
  private compact(): void {
    const q: T[] = [];
    const s: number[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      this._steps++;
      if (this.items.get(this.queue[i]) === this.seqs[i]) {
        q.push(this.queue[i]);
        s.push(this.seqs[i]);
      }
    }
    this.queue = q;
    this.seqs = s;
    this.head = 0;
  }
}
