/**
 * The iptables-mode proxier of one node (pkg/proxy/iptables): the same informers and runner as
 * the nftables proxier; each sync writes one `iptables-restore --noflush` in the node's netns.
 * Full sync at start, after a failure, when the canary chain vanished and every
 * fullSyncPeriodMs (jump rules and canary ensured, stale chains found in the kernel); partial
 * syncs otherwise. Stale UDP conntrack flows are deleted afterwards, as in nftables mode.
 */
import { ProxierLoop, startOrStop } from '../proxier-loop.js';
import { cleanStaleUdpFlows, deleteConntrackEntries, listUdpFlows, type ConntrackOps } from '../conntrack.js';
import { buildEndpointsMap, endpointsKey } from '../endpoints.js';
import { validateProxyOptions } from '../options.js';
import type { Proxy, ProxyOptions } from '../proxier.js';
import { buildServicePorts } from '../service-port.js';
import { firewallJumpRules, jumpRules, type JumpRule } from './jump-rules.js';
import { canaryExists, ensureCanary, ensureJumpRules, ensureRouteLocalnet, iptablesRestore, listNatChains } from './kernel.js';
import { buildIptablesRuleset, localhostNodePortsEnabled, type IptablesOptions, type IptablesRuleset } from './ruleset.js';
import { planFullSync, planPartialSync, type IptablesSyncPlan } from './sync.js';

export type IptablesProxyOptions = ProxyOptions & Omit<IptablesOptions, 'nodeIP' | 'clusterCIDR'>;

/** Kernel operations (real by default; replaced in unit tests). */
export interface IptablesProxierDeps extends ConntrackOps {
  restore(netns: string, input: string): Promise<void>;
  listNatChains(netns: string): Promise<string[]>;
  ensureJumpRules(netns: string, rules: readonly JumpRule[]): Promise<void>;
  ensureCanary(netns: string): Promise<void>;
  canaryExists(netns: string): Promise<boolean>;
  /** net.ipv4.conf.all.route_localnet=1 (localhost NodePorts). */
  ensureRouteLocalnet(netns: string): Promise<void>;
  now(): number;
}

const realDeps: IptablesProxierDeps = {
  restore: iptablesRestore,
  listNatChains,
  ensureJumpRules,
  ensureCanary,
  canaryExists,
  ensureRouteLocalnet,
  listUdpFlows,
  deleteConntrack: deleteConntrackEntries,
  now: () => Date.now(),
};

export class IptablesProxier {
  private readonly loop: ProxierLoop;
  /** What the last successful sync left in the kernel; undefined forces a full sync. */
  private written: IptablesRuleset | undefined;
  private lastFullSync = 0;
  /** The last sync's plan (tests and debugging). */
  lastPlan: IptablesSyncPlan | undefined;

  constructor(private readonly opts: IptablesProxyOptions, private readonly deps: IptablesProxierDeps = realDeps) {
    validateProxyOptions(opts);
    this.loop = new ProxierLoop(opts, `proxy ${opts.nodeName} (iptables)`, () => this.syncProxyRules());
  }

  /** The first sync runs once both informers have listed (see ProxierLoop). */
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
    const { netns, nodeName } = this.opts;
    const servicePorts = buildServicePorts(this.loop.services.list());
    const desired = buildIptablesRuleset({ ...this.opts, servicePorts, endpoints: buildEndpointsMap(this.loop.slices.list(), nodeName) });
    const due = this.deps.now() - this.lastFullSync >= (this.opts.fullSyncPeriodMs ?? 3_600_000);
    const previous = this.written;
    const full = !previous || due || !(await this.deps.canaryExists(netns));
    this.written = undefined; // a failure below makes the next sync a full one
    let plan: IptablesSyncPlan;
    if (full || !previous) {
      await this.deps.ensureCanary(netns);
      // Upstream sets it once at start; a full sync is this proxier's start (and after a flush).
      if (localhostNodePortsEnabled(this.opts)) await this.deps.ensureRouteLocalnet(netns);
      plan = planFullSync(desired, await this.deps.listNatChains(netns));
    } else {
      plan = planPartialSync(desired, previous);
    }
    await this.deps.restore(netns, plan.input);
    // After the restore, so the jumps never lead to chains that do not exist yet.
    // kubelet's INPUT/OUTPUT jumps to KUBE-FIREWALL come last, so (prepended) they end up first.
    if (full) await this.deps.ensureJumpRules(netns, [...jumpRules(), ...firewallJumpRules()]);
    this.written = desired;
    this.lastPlan = plan;
    if (full) this.lastFullSync = this.deps.now();
    await cleanStaleUdpFlows(this.deps, netns, servicePorts, desired.reachable, endpointsKey);
  }
}

/** Starts the iptables-mode proxy; resolves after the informers listed and the first sync ran. */
export async function startIptablesProxy(opts: IptablesProxyOptions): Promise<Proxy> {
  const p = await startOrStop(new IptablesProxier(opts));
  return { stop: () => p.stop(), syncNow: () => p.syncNow() };
}
