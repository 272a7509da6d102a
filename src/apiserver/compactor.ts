/**
 * Periodic store compaction, as kube-apiserver compacts etcd every 5 minutes: each tick compacts
 * to the revision seen at the previous tick, so at least one interval of history (and never fewer
 * than the last `minRetain` revisions, kine's default 1000) stays watchable.
 */
import type { Store } from '../store/store.js';

export class Compactor {
  private timer: NodeJS.Timeout | undefined;
  private lastTickRevision = 0;

  constructor(
    private readonly store: Store,
    private readonly intervalMs: number,
    private readonly minRetain = 1000,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One compaction step; returns the revision compacted to (0 if nothing was done). */
  async tick(): Promise<number> {
    const current = await this.store.currentRevision();
    const target = Math.min(this.lastTickRevision, current - this.minRetain);
    this.lastTickRevision = current;
    if (target <= (await this.store.compactRevision())) return 0;
    await this.store.compact(target);
    return target;
  }
}
