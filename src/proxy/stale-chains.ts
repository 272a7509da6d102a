/**
 * Service chains nobody wants any more are flushed at once but deleted only a second later, as
 * kube-proxy's nftables proxier does (its staleChains): on kernels before 6.2 a chain stays
 * referenced for a short while after the map element that pointed at it was deleted, and the
 * delete would fail the whole transaction. A chain wanted again before then is simply kept.
 * The proxier keeps a second instance for affinity sets (names are names).
 */
export const STALE_CHAIN_DELETE_DELAY_MS = 1000;

export class StaleChains {
  /** Chain name → when it was flushed (ms). */
  private readonly since = new Map<string, number>();

  constructor(private readonly delayMs = STALE_CHAIN_DELETE_DELAY_MS) {}

  get size(): number {
    return this.since.size;
  }

  /** Records chains flushed now (keeps the earlier time of a chain already stale). */
  flushed(names: Iterable<string>, now: number): void {
    for (const name of names) if (!this.since.has(name)) this.since.set(name, now);
  }

  /** Whether a stale chain may be deleted now. */
  due(name: string, now: number): boolean {
    const t = this.since.get(name);
    return t !== undefined && now - t >= this.delayMs;
  }

  /**
   * The stale chains to delete in this sync (forgotten here; if the sync fails, the next full
   * sync finds them in the kernel again). Chains `wanted` again are dropped from the list.
   */
  takeDue(now: number, wanted: (name: string) => boolean): string[] {
    const out: string[] = [];
    for (const name of [...this.since.keys()]) {
      if (wanted(name)) this.since.delete(name);
      else if (this.due(name, now)) {
        out.push(name);
        this.since.delete(name);
      }
    }
    return out;
  }

  /** After a full sync: exactly `stale` (the kernel's unwanted chains) remain, keeping their times. */
  resetTo(stale: readonly string[], now: number): void {
    const keep = new Set(stale);
    for (const name of [...this.since.keys()]) if (!keep.has(name)) this.since.delete(name);
    this.flushed(stale, now);
  }
}
