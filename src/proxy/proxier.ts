/**
 * The nftables proxier of one node: Service and EndpointSlice informers feed a
 * BoundedFrequencyRunner and a ServiceChangeTracker; each sync writes one `nft -f -`
 * transaction in the node's netns: a full sync (at start, after a failure, every
 * fullSyncPeriodMs, when the table vanished) rebuilds every Service, a partial sync only the
 * Services that changed since the last one. Then stale UDP conntrack flows are deleted.
 */
import type { Client } from '../client/client.js';
import { nftApply } from '../dataplane/exec.js';
import { cleanStaleUdpFlows, deleteConntrackEntries, listUdpFlows, type ConntrackOps } from './conntrack.js';
import { ServiceChangeTracker, serviceKey } from './change-tracker.js';
import { endpointsKey } from './endpoints.js';
import { readTableContents, tableExists, type TableContents } from './kernel-state.js';
import { validateProxyOptions } from './options.js';
import { ProxierLoop, startOrStop } from './proxier-loop.js';
import { isServiceChainName } from './chain-names.js';
import { buildServiceFragment, ServiceTable, type ServiceFragment } from './service-table.js';
import { StaleChains, STALE_CHAIN_DELETE_DELAY_MS } from './stale-chains.js';
import { deltaTransaction, fullSyncTransaction, partialSyncScript } from './sync-proxy-rules.js';
import type { Transaction } from './transaction.js';

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
  /** Which Services changed since the last sync (fed by the informers). */
  private readonly tracker = new ServiceChangeTracker();
  /** What the last successful sync wrote; undefined forces a full sync (start, after a failure). */
  private written: ServiceTable | undefined;
  private lastFullSync = 0;
  /** Flushed service chains awaiting their delayed delete, and the sync that will delete them. */
  private readonly stale = new StaleChains();
  /**
   * Affinity sets nobody wants, deleted with the stale chains a second later (upstream deletes
   * them at once; with nft 1.0.6 any delete makes nft dump every chain of the table, so an
   * endpoint change of a ClientIP Service would cost seconds at 10,000 Services).
   */
  private readonly staleSets = new StaleChains();
  private staleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: ProxyOptions,
    private readonly deps: ProxierDeps = realDeps,
  ) {
    validateProxyOptions(opts);
    // kube-proxy skips services another proxy owns and headless services' slices; that is done
    // when the model is built (service-port.ts, endpoints.ts), so no server-side selector is needed.
    this.loop = new ProxierLoop(opts, `proxy ${opts.nodeName}`, () => this.syncProxyRules());
    this.loop.trackChanges(this.tracker);
  }

  /** Starts both informers; the first sync runs once both have listed (sync discipline §14). */
  start(): Promise<void> {
    return this.loop.start();
  }

  stop(): Promise<void> {
    clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    return this.loop.stop();
  }

  syncNow(): Promise<void> {
    return this.loop.syncNow();
  }

  /**
   * A full sync rebuilds every Service's fragment and rewrites the table; a partial sync
   * rebuilds only the Services the tracker saw change and writes the difference (O(change)).
   */
  private async syncProxyRules(): Promise<void> {
    const { netns } = this.opts;
    const changed = this.tracker.take();
    const now = this.deps.now();
    const due = now - this.lastFullSync >= (this.opts.fullSyncPeriodMs ?? 3_600_000);
    // Someone flushed the ruleset (or deleted the netns table): rewrite everything now.
    const full = !this.written || due || !(await this.deps.tableExists(netns));
    const table = full ? new ServiceTable() : this.written!;
    this.written = undefined; // a failure below makes the next sync a full one
    const tx = full ? await this.fullSync(table, now) : this.partialSync(table, changed, now);
    if (tx.err) throw tx.err;
    if (tx.numOperations > 0) await this.deps.apply(netns, full ? tx.toString() : partialSyncScript(tx, table.desired));
    this.written = table;
    if (full) this.lastFullSync = now;
    this.scheduleStaleChainDeletion();
    if (table.hasUdpPorts()) await cleanStaleUdpFlows(this.deps, netns, table.servicePorts(), table.desired.reachable, endpointsKey);
  }

  private async fullSync(table: ServiceTable, now: number): Promise<Transaction> {
    for (const svc of this.loop.services.list()) {
      const key = serviceKey(svc.metadata?.namespace, svc.metadata?.name ?? '');
      table.setService(key, this.fragment(key));
    }
    table.takeDelta(); // everything is written anyway
    const { nodeIP, clusterCIDR, serviceCIDR, netns } = this.opts;
    const existing = await this.deps.readTable(netns);
    const deleteNow = (chain: string) => this.stale.due(chain, now);
    const { tx } = fullSyncTransaction({ nodeIP, clusterCIDR, serviceCIDR, existing }, table.desired, deleteNow);
    const unwanted = existing.chains.filter((c) => isServiceChainName(c) && !table.desired.chains.has(c) && !deleteNow(c));
    this.stale.resetTo(unwanted, now);
    this.staleSets.resetTo([], now); // a full sync deletes the kernel's unwanted affinity sets
    return tx;
  }

  /** Only the changed Services; chains they no longer want are flushed now, deleted a second later. */
  private partialSync(table: ServiceTable, changed: ReadonlySet<string>, now: number): Transaction {
    for (const key of changed) table.setService(key, this.fragment(key));
    const delta = table.takeDelta();
    const { deleteChains: gone, deleteSets: goneSets } = delta;
    const tx = deltaTransaction({ ...delta, deleteSets: [] }, { deleteGoneChains: false });
    const deleting = new Set(this.stale.takeDue(now, (c) => table.desired.chains.has(c)));
    for (const name of deleting) tx.delete({ kind: 'chain', name });
    this.stale.flushed(gone.filter((c) => !deleting.has(c)), now);
    // After the chains: a set is deleted once nothing refers to it.
    const deletingSets = new Set(this.staleSets.takeDue(now, (s) => table.desired.affinitySets.has(s)));
    for (const name of deletingSets) tx.delete({ kind: 'set', name });
    this.staleSets.flushed(goneSets.filter((s) => !deletingSets.has(s)), now);
    return tx;
  }

  /** A sync a second from now deletes the chains flushed as stale (kube-proxy queues one too). */
  private scheduleStaleChainDeletion(): void {
    if ((this.stale.size === 0 && this.staleSets.size === 0) || this.staleTimer) return;
    this.staleTimer = setTimeout(() => {
      this.staleTimer = undefined;
      this.loop.runner.run();
    }, STALE_CHAIN_DELETE_DELAY_MS);
    this.staleTimer.unref();
  }

  private fragment(key: string): ServiceFragment {
    const { nodeName, nodeIP, clusterCIDR } = this.opts;
    return buildServiceFragment(this.loop.services.get(key), this.tracker.slicesOf(key), { nodeName, nodeIP, clusterCIDR });
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
