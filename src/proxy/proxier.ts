/**
 * The nftables proxier of one node: Service and EndpointSlice informers feed a
 * BoundedFrequencyRunner; each sync recomputes the desired table from the informer caches,
 * writes it as one `nft -f -` transaction in the node's netns (a full sync at start, after a
 * failure and every fullSyncPeriodMs; otherwise only what changed), then deletes stale UDP
 * conntrack flows.
 */
import type { Client } from '../client/client.js';
import { nftApply } from '../dataplane/exec.js';
import { cleanStaleUdpFlows, deleteConntrackEntries, listUdpFlows, type ConntrackOps } from './conntrack.js';
import { buildEndpointsMap, endpointsKey } from './endpoints.js';
import { readTableContents, tableExists, type TableContents } from './kernel-state.js';
import { validateProxyOptions } from './options.js';
import { buildServicePorts } from './service-port.js';
import { ProxierLoop, startOrStop } from './proxier-loop.js';
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
export interface ProxierDeps extends ConntrackOps {
  apply(netns: string, script: string): Promise<void>;
  readTable(netns: string): Promise<TableContents>;
  /** Whether the table is still there (a cheap canary: its `cluster-ips` set, listed tersely). */
  tableExists(netns: string): Promise<boolean>;
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

export class Proxier {
  private readonly loop: ProxierLoop;
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
    this.loop = new ProxierLoop(opts, `proxy ${opts.nodeName}`, () => this.syncProxyRules());
  }

  /** Starts both informers; the first sync runs once both have listed (sync discipline §14). */
  start(): Promise<void> {
    return this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  syncNow(): Promise<void> {
    return this.loop.syncNow();
  }

  private async syncProxyRules(): Promise<void> {
    const { netns, nodeName, nodeIP, clusterCIDR, serviceCIDR } = this.opts;
    const servicePorts = buildServicePorts(this.loop.services.list());
    const state: ProxyState = { servicePorts, endpoints: buildEndpointsMap(this.loop.slices.list(), nodeName), nodeIP, clusterCIDR, serviceCIDR };
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
    await cleanStaleUdpFlows(this.deps, netns, servicePorts, reachable, endpointsKey);
  }
}

/**
 * Starts the proxy for one node; resolves after the informers listed and the first sync ran.
 * A failed first sync goes to onError and is retried; it does not reject.
 */
export async function startProxy(opts: ProxyOptions): Promise<Proxy> {
  const p = await startOrStop(new Proxier(opts));
  return { stop: () => p.stop(), syncNow: () => p.syncNow() };
}
