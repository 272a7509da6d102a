/**
 * Controller expectations, as upstream's ControllerExpectations: after creating or deleting
 * objects, a controller must not act on the same owner again until its cache has seen those
 * writes, or it would create twice. Entries expire, so a lost event cannot wedge an owner.
 */
export class Expectations {
  private readonly pending = new Map<string, { adds: Set<string>; dels: Set<string>; at: number }>();

  constructor(private readonly ttlMs = 30_000, private readonly now: () => number = Date.now) {}

  expectCreate(owner: string, name: string): void {
    this.entry(owner).adds.add(name);
  }

  expectDelete(owner: string, name: string): void {
    this.entry(owner).dels.add(name);
  }

  /**
   * True when every expected create is in the cache and every expected delete is gone from it;
   * `seen(name)` answers "is this object (still, and not terminating) in the cache".
   */
  satisfied(owner: string, seen: (name: string) => boolean): boolean {
    const e = this.pending.get(owner);
    if (!e) return true;
    for (const n of e.adds) if (seen(n)) e.adds.delete(n);
    for (const n of e.dels) if (!seen(n)) e.dels.delete(n);
    if ((e.adds.size === 0 && e.dels.size === 0) || this.now() - e.at > this.ttlMs) {
      this.pending.delete(owner);
      return true;
    }
    return false;
  }

  forget(owner: string): void {
    this.pending.delete(owner);
  }

  private entry(owner: string) {
    let e = this.pending.get(owner);
    if (!e) {
      e = { adds: new Set(), dels: new Set(), at: this.now() };
      this.pending.set(owner, e);
    }
    e.at = this.now();
    return e;
  }
}
