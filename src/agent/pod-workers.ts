/**
 * podWorkers, as kubelet's: one serialized worker per pod uid. Updates only record the latest
 * pod and wake the worker; a sync never runs twice at once for one pod, and a pod that changed
 * while it synced is synced again. A worker asks to be woken after a delay (liveness, back-off).
 */
import type { Pod } from '../api/types.js';

export interface PodSyncer {
  /** Syncs a pod that exists in the API; resolves with when to look again. */
  sync(pod: Pod): Promise<{ resyncAfterMs?: number }>;
  /** Cleans up a pod that is gone from the API. */
  cleanup(uid: string): Promise<void>;
}

/** True when anything but status changed (spec, labels, annotations, deletion). */
export function needsSync(old: Pod, pod: Pod): boolean {
  const key = (p: Pod) =>
    JSON.stringify([p.spec, p.metadata?.labels, p.metadata?.annotations, p.metadata?.deletionTimestamp, p.metadata?.deletionGracePeriodSeconds]);
  return key(old) !== key(pod);
}

interface Worker {
  /** The latest pod; undefined once it left the API. */
  pod: Pod | undefined;
  running: boolean;
  dirty: boolean;
  timer?: NodeJS.Timeout;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private stopped = false;

  constructor(
    private readonly syncer: PodSyncer,
    private readonly onError: (uid: string, e: unknown) => void,
    private readonly retryMs = 2000,
  ) {}

  /**
   * A pod was added or changed. A change of status alone (most often our own write) only
   * refreshes the cached pod: as kubelet, the agent does not re-sync on it.
   */
  update(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const w = this.workers.get(uid);
    if (w?.pod && !needsSync(w.pod, pod)) {
      w.pod = pod;
      return;
    }
    const next = w ?? { pod, running: false, dirty: false };
    next.pod = pod;
    this.workers.set(uid, next);
    this.wake(uid);
  }

  /** A pod left the API (or was never there): clean it up. */
  remove(uid: string): void {
    const w = this.workers.get(uid) ?? { pod: undefined, running: false, dirty: false };
    w.pod = undefined;
    this.workers.set(uid, w);
    this.wake(uid);
  }

  /** Syncs a known pod again now (a probe result changed). */
  poke(uid: string): void {
    const w = this.workers.get(uid);
    if (w?.pod) this.wake(uid);
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.workers.values()) clearTimeout(w.timer);
  }

  /** Resolves when no worker is running (tests, shutdown). */
  async whenIdle(): Promise<void> {
    while ([...this.workers.values()].some((w) => w.running)) await new Promise((r) => setTimeout(r, 20));
  }

  private wake(uid: string): void {
    const w = this.workers.get(uid);
    if (!w || this.stopped) return;
    clearTimeout(w.timer);
    w.timer = undefined;
    if (w.running) {
      w.dirty = true;
      return;
    }
    void this.loop(uid, w);
  }

  private async loop(uid: string, w: Worker): Promise<void> {
    w.running = true;
    let after: number | undefined;
    do {
      w.dirty = false;
      after = await this.once(uid, w);
    } while (w.dirty && !this.stopped);
    w.running = false;
    if (this.stopped) return;
    if (!w.pod && after === undefined) {
      this.workers.delete(uid);
      return;
    }
    if (after !== undefined) w.timer = setTimeout(() => this.wake(uid), after);
  }

  /** One sync or cleanup; returns when to run again (undefined: only on the next update). */
  private async once(uid: string, w: Worker): Promise<number | undefined> {
    try {
      if (!w.pod) {
        await this.syncer.cleanup(uid);
        return undefined;
      }
      return (await this.syncer.sync(w.pod)).resyncAfterMs;
    } catch (e) {
      this.onError(uid, e);
      return this.retryMs;
    }
  }
}
