/**
 * What every proxy mode shares: Service and EndpointSlice informers feeding a
 * BoundedFrequencyRunner, syncs serialized one at a time, and a first sync only once both
 * informers have listed (an event during the lists would sync a half-listed view, where a
 * Service without its slices gets REJECT). Each mode supplies its own sync.
 */
import type { EndpointSlice, KubeObject, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Informer, type EventHandler } from '../client/informer.js';
import { BoundedFrequencyRunner } from '../util/runner.js';

export type Svc = Service & KubeObject;
export type Slice = EndpointSlice & KubeObject;

/**
 * Callbacks for kube-proxy's health server (healthz/): onQueued when a Service or EndpointSlice
 * change arrives after the initial lists (upstream QueuedUpdate), onUpdated when the loop starts
 * and after every successful sync (upstream Updated). Every proxier passes its options here.
 */
export interface ProxyHooks {
  onQueued?: () => void;
  onUpdated?: () => void;
}

export interface ProxierLoopOptions extends ProxyHooks {
  client: Client;
  nodeName: string;
  minSyncPeriodMs?: number;
  syncPeriodMs?: number;
  onError?: (e: unknown) => void;
}

/** Drops managedFields and annotations: no proxy mode reads them (slim records). */
function slim<T extends KubeObject>(obj: T): T {
  if (!obj.metadata) return obj;
  const { managedFields: _m, annotations: _a, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}

export class ProxierLoop {
  readonly services: Informer<Svc>;
  readonly slices: Informer<Slice>;
  readonly runner: BoundedFrequencyRunner;
  private lock: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: ProxierLoopOptions,
    /** Names the mode in logs, e.g. `proxy node1 (iptables)`. */
    private readonly label: string,
    private readonly sync: () => Promise<void>,
  ) {
    this.services = new Informer<Svc>(opts.client, 'services', { transform: slim });
    this.slices = new Informer<Slice>(opts.client, 'endpointslices', { transform: slim });
    this.runner = new BoundedFrequencyRunner(() => this.syncNow(), {
      name: label,
      minIntervalMs: opts.minSyncPeriodMs ?? 1000,
      maxIntervalMs: opts.syncPeriodMs ?? 30000,
      onError: (e) => this.reportError(e),
    });
  }

  /**
   * Feeds a change tracker from both informers (the nftables proxier's partial sync); its
   * handlers run before the runner is kicked, so a sync never misses the event that caused it.
   */
  trackChanges(tracker: { serviceHandler: EventHandler<Svc>; sliceHandler: EventHandler<Slice> }): void {
    this.services.on(tracker.serviceHandler);
    this.slices.on(tracker.sliceHandler);
  }

  /** Lists both, runs the first sync (a failure is reported and retried, not thrown), then the runner. */
  async start(): Promise<void> {
    let listed = false;
    // Upstream marks the proxier updated as its sync loop starts, in case no sync ever succeeds.
    this.opts.onUpdated?.();
    const run = (): void => {
      if (!listed) return;
      this.opts.onQueued?.();
      this.runner.run();
    };
    const kick = { add: run, update: run, delete: run };
    this.services.on(kick);
    this.slices.on(kick);
    await Promise.all([this.services.start(), this.slices.start()]);
    listed = true;
    try {
      await this.syncNow();
    } catch (e) {
      this.reportError(e);
    }
    this.runner.start();
  }

  /** Runs one sync after any in flight; rejects if it fails. */
  syncNow(): Promise<void> {
    const next = this.lock.catch(() => undefined).then(() => this.sync()).then(() => this.opts.onUpdated?.());
    this.lock = next;
    return next;
  }

  /** Stops the runner and informers and waits for a sync in flight. */
  async stop(): Promise<void> {
    this.runner.stop();
    this.services.stop();
    this.slices.stop();
    await this.lock.catch(() => undefined);
  }

  reportError(e: unknown): void {
    (this.opts.onError ?? ((err) => console.error(`${this.label}: sync failed:`, err)))(e);
  }
}

/**
 * Starts a proxier; if that fails, stops what it started and rethrows the start's error (a
 * failing stop must not hide it).
 */
export async function startOrStop<P extends { start(): Promise<void>; stop(): Promise<void> }>(p: P): Promise<P> {
  try {
    await p.start();
  } catch (e) {
    await p.stop().catch(() => undefined);
    throw e;
  }
  return p;
}
