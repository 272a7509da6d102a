/**
 * The nftables proxier of one node: Service and EndpointSlice informers feed a
 * BoundedFrequencyRunner; each sync recomputes the desired table from the informer caches,
 * writes it as one `nft -f -` transaction in the node's netns (a full sync at start, after a
 * failure and every fullSyncPeriodMs; otherwise only what changed), then deletes stale UDP
 * conntrack flows.
 */
import type { EndpointSlice, KubeObject, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { nftApply } from '../dataplane/exec.js';
import { BoundedFrequencyRunner } from '../util/runner.js';
import { deleteConntrackEntries, listUdpFlows, staleUdpFlows, type ConntrackDeletion, type FlowEntry } from './conntrack.js';
import { buildEndpointsMap, endpointsKey } from './endpoints.js';
import { readTableContents, tableExists, type TableContents } from './kernel-state.js';
import { validateProxyOptions } from './options.js';
import { buildServicePorts } from './service-port.js';
import { partialSyncProxyRules, syncProxyRules, type DesiredState, type ProxyState } from './sync-proxy-rules.js';

export interface ProxyOptions {
  client: Client;
  nodeName: string;
  /** The node's network namespace, where the `ip kube-proxy` table lives. */
  netns: string;
  nodeIP: string;
  /** Pod network (10.244.0.0/16): the local-traffic detector. */
  clusterCIDR: string;
  /** Service network (10.96.0.0/12): unallocated IPs in it are dropped. */
  serviceCIDR: string;
  /** Default 1000 (kube-proxy minSyncPeriod 1 s). */
  minSyncPeriodMs?: number;
  /** Default 30000 (kube-proxy syncPeriod 30 s). */
  syncPeriodMs?: number;
  /** A full sync (rewrite everything, delete strays) at least this often; default 1 h as kube-proxy. */
  fullSyncPeriodMs?: number;
  /** Called when a sync fails (default: log); the runner retries. */
  onError?: (e: unknown) => void;
}

export interface Proxy {
  stop(): Promise<void>;
  /** Runs one sync now (serialized with the runner's) and rejects if it fails. */
  syncNow(): Promise<void>;
}

/** The kernel operations a sync uses; real by default, replaced in tests (style rule 4). */
export interface ProxierDeps {
  apply(netns: string, script: string): Promise<void>;
  readTable(netns: string): Promise<TableContents>;
  /** Whether the table is still there (a cheap canary: its small `services` chain). */
  tableExists(netns: string): Promise<boolean>;
  listUdpFlows(netns: string): Promise<FlowEntry[]>;
  deleteConntrack(netns: string, dels: readonly ConntrackDeletion[]): Promise<void>;
  now(): number;
}

const realDeps: ProxierDeps = {
  apply: nftApply,
  readTable: readTableContents,
  tableExists,
  listUdpFlows,
  deleteConntrack: deleteConntrackEntries,
  now: () => Date.now(),
};

type Svc = Service & KubeObject;
type Slice = EndpointSlice & KubeObject;

/** Drops managedFields and annotations: the proxy never reads them (slim records). */
function slim<T extends KubeObject>(obj: T): T {
  if (!obj.metadata) return obj;
  const { managedFields: _m, annotations: _a, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}

export class Proxier {
  private readonly services: Informer<Svc>;
  private readonly slices: Informer<Slice>;
  private readonly runner: BoundedFrequencyRunner;
  private lock: Promise<void> = Promise.resolve();
  /** What the last successful sync wrote; undefined forces a full sync (start, after a failure). */
  private written: DesiredState | undefined;
  private lastFullSync = 0;

  constructor(
    private readonly opts: ProxyOptions,
    private readonly deps: ProxierDeps = realDeps,
  ) {
    validateProxyOptions(opts);
    // kube-proxy skips services another proxy owns and headless services' slices; that is done
    // when the model is built (service-port.ts, endpoints.ts), so no server-side selector is needed.
    this.services = new Informer<Svc>(opts.client, 'services', { transform: slim });
    this.slices = new Informer<Slice>(opts.client, 'endpointslices', { transform: slim });
    this.runner = new BoundedFrequencyRunner(() => this.syncNow(), {
      name: `proxy ${opts.nodeName}`,
      minIntervalMs: opts.minSyncPeriodMs ?? 1000,
      maxIntervalMs: opts.syncPeriodMs ?? 30000,
      onError: (e) => this.onError(e),
    });
  }

  /**
   * Starts both informers; the first sync runs once both have listed (sync discipline §14). A
   * failed first sync is reported through onError and retried by the runner, not thrown.
   */
  async start(): Promise<void> {
    const kick = { add: () => this.runner.run(), update: () => this.runner.run(), delete: () => this.runner.run() };
    this.services.on(kick);
    this.slices.on(kick);
    await Promise.all([this.services.start(), this.slices.start()]);
    try {
      await this.syncNow();
    } catch (e) {
      this.onError(e);
    }
    // Starts periodic resyncs (and retries, if the first sync failed).
    this.runner.start();
  }

  private onError(e: unknown): void {
    (this.opts.onError ?? ((err) => console.error(`proxy ${this.opts.nodeName}: sync failed:`, err)))(e);
  }

  async stop(): Promise<void> {
    this.runner.stop();
    this.services.stop();
    this.slices.stop();
    await this.lock.catch(() => undefined);
  }

  syncNow(): Promise<void> {
    const next = this.lock.catch(() => undefined).then(() => this.syncProxyRules());
    this.lock = next;
    return next;
  }

  private async syncProxyRules(): Promise<void> {
    const { netns, nodeName, nodeIP, clusterCIDR, serviceCIDR } = this.opts;
    const servicePorts = buildServicePorts(this.services.list());
    const state: ProxyState = { servicePorts, endpoints: buildEndpointsMap(this.slices.list(), nodeName), nodeIP, clusterCIDR, serviceCIDR };
    const due = this.deps.now() - this.lastFullSync >= (this.opts.fullSyncPeriodMs ?? 3_600_000);
    // Someone flushed the ruleset (or deleted the netns table): rewrite everything now.
    const full = !this.written || due || !(await this.deps.tableExists(netns));
    const previous = this.written;
    this.written = undefined; // a failure below makes the next sync a full one
    const { tx, desired, reachable } = full || !previous
      ? syncProxyRules({ ...state, existing: await this.deps.readTable(netns) })
      : partialSyncProxyRules(state, previous);
    if (tx.err) throw tx.err;
    if (tx.numOperations > 0) await this.deps.apply(netns, tx.toString());
    this.written = desired;
    if (full) this.lastFullSync = this.deps.now();
    if (servicePorts.some((sp) => sp.protocol === 'udp')) {
      const stale = staleUdpFlows(await this.deps.listUdpFlows(netns), servicePorts, reachable, endpointsKey);
      await this.deps.deleteConntrack(netns, stale);
    }
  }
}

/**
 * Starts the proxy for one node; resolves after the informers listed and the first sync ran.
 * A failed first sync goes to onError and is retried; it does not reject.
 */
export async function startProxy(opts: ProxyOptions): Promise<Proxy> {
  const p = new Proxier(opts);
  try {
    await p.start();
  } catch (e) {
    await p.stop();
    throw e;
  }
  return { stop: () => p.stop(), syncNow: () => p.syncNow() };
}
