/** A set that forgets its oldest members beyond `capacity` (a peer's known inventory, the signature cache). */
export class BoundedSet<T> {
  private readonly items = new Set<T>();

  constructor(readonly capacity: number) {}

  has(v: T): boolean {
    return this.items.has(v);
  }

  add(v: T): void {
    if (this.items.has(v)) return;
    if (this.items.size >= this.capacity) {
      const oldest = this.items.values().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
    this.items.add(v);
  }

  delete(v: T): void {
    this.items.delete(v);
  }

  get size(): number {
    return this.items.size;
  }
}
