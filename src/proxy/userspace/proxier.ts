/**
 * The userspace proxier (kube-proxy's original mode, pkg/proxy/userspace in v1.25): Service and
 * EndpointSlice informers feed a BoundedFrequencyRunner; each sync hands every TCP/UDP service
 * port with its endpoints to the socket process in the node's netns, which listens on a proxy
 * port per service port, then rewrites the portal table redirecting service IP:port and node
 * ports to those proxy ports. SCTP is not proxied (upstream's userspace mode had no SCTP either).
 */
import { nft, nftApply } from '../../dataplane/exec.js';
import { ProxierLoop, startOrStop } from '../proxier-loop.js';
import { buildEndpointsMap } from '../endpoints.js';
import { validateProxyOptions } from '../options.js';
import type { Proxy, ProxyOptions } from '../proxier.js';
import { buildServicePorts } from '../service-port.js';
import { CANARY_SET, renderPortalCleanup, renderPortalRules, USERSPACE_TABLE, type Portal } from './portal-rules.js';
import { DEFAULT_UDP_IDLE_TIMEOUT_MS } from './udp-proxy-socket.js';
import { SocketProcessClient } from './socket-process-client.js';
import { isProxied, portalsFor, servicePortSpecs, type ProxiedPort } from './sync-plan.js';
import { deleteUdpPortalFlows, listUdpPortalFlows, staleUdpPortalFlows } from './udp-conntrack.js';

export interface UserspaceProxyOptions extends ProxyOptions {
  /** Idle timeout of a UDP client's "connection" (upstream --udp-timeout, default 250 ms). */
  udpIdleTimeoutMs?: number;
  /** Where warnings go (a skipped SCTP port, a node port that cannot be held); default stderr. */
  log?: (message: string) => void;
}

async function portalTableExists(netns: string): Promise<boolean> {
  const out = await nft(netns, ['-t', 'list', 'set', 'ip', USERSPACE_TABLE, CANARY_SET], { allowFailure: true }).catch(() => '');
  return out.includes(CANARY_SET);
}

export class UserspaceProxier {
  private readonly loop: ProxierLoop;
  private sockets: SocketProcessClient | undefined;
  private stopped = false;
  /** The UDP portals (`vip:port`) the last sync wrote, so flows to removed ones get cleared. */
  private udpPortals = new Set<string>();
  /** The portal script the last sync applied (undefined: unknown, apply the next one). */
  private written: string | undefined;
  /** Warnings already given: each is logged once, not every sync. */
  private readonly warned = new Set<string>();

  constructor(private readonly opts: UserspaceProxyOptions) {
    validateProxyOptions(opts);
    const t = opts.udpIdleTimeoutMs;
    if (t !== undefined && !(Number.isInteger(t) && t > 0)) {
      throw new Error(`proxy: Invalid options: udpIdleTimeoutMs: Invalid value "${t}": must be a positive integer`);
    }
    this.loop = new ProxierLoop(opts, `userspace proxy ${opts.nodeName}`, () => this.syncProxyRules());
  }

  start(): Promise<void> {
    return this.loop.start();
  }

  /** Stops syncing, removes the portal table and ends the socket process. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
    try {
      await nftApply(this.opts.netns, renderPortalCleanup());
    } finally {
      await this.sockets?.stop();
      this.sockets = undefined;
    }
  }

  syncNow(): Promise<void> {
    return this.loop.syncNow();
  }

  /** The socket process's pid (tests check it is gone after stop). */
  get socketProcessPid(): number | undefined {
    return this.sockets?.pid;
  }

  private async socketProcess(): Promise<SocketProcessClient> {
    if (this.sockets?.alive) return this.sockets;
    // A socket process that dies between syncs is replaced (and the portals rewritten) by a sync.
    this.sockets = await SocketProcessClient.start(this.opts.netns, this.opts.udpIdleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS, () => {
      if (!this.stopped) this.loop.runner.run();
    });
    return this.sockets;
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    (this.opts.log ?? ((m: string) => console.error(m)))(`userspace proxy ${this.opts.nodeName}: ${message}`);
  }

  /** The TCP and UDP service ports; an SCTP one is logged (once) and skipped, as upstream. */
  private proxiedServicePorts(): ProxiedPort[] {
    const all = buildServicePorts(this.loop.services.list());
    for (const sp of all) {
      if (!isProxied(sp)) this.warnOnce(`Not proxying "${sp.spn}": protocol ${sp.protocol.toUpperCase()} is not supported in userspace mode`);
    }
    return all.filter(isProxied);
  }

  private async syncProxyRules(): Promise<void> {
    if (this.stopped) return;
    const servicePorts = this.proxiedServicePorts();
    const specs = servicePortSpecs(servicePorts, buildEndpointsMap(this.loop.slices.list(), this.opts.nodeName));
    const { portals, failures } = portalsFor(servicePorts, await (await this.socketProcess()).sync(specs));
    for (const { sp, error } of failures) this.warnOnce(`Not fully proxying "${sp.spn}": ${error}`);
    await this.writePortals(renderPortalRules(portals));
    await this.clearStaleUdpFlows(portals);
  }

  /**
   * Applies the portal table unless it is what the last sync wrote and still there: a periodic
   * resync of 10,000 Services would otherwise rewrite 20,000 rules every syncPeriod.
   */
  private async writePortals(script: string): Promise<void> {
    if (script === this.written && (await portalTableExists(this.opts.netns))) return;
    this.written = undefined;
    await nftApply(this.opts.netns, script);
    this.written = script;
  }

  private async clearStaleUdpFlows(portals: readonly Portal[]): Promise<void> {
    const current = new Map<string, number>();
    for (const { sp, proxyPort } of portals) {
      if (sp.protocol !== 'udp') continue;
      for (const vip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) current.set(`${vip}:${sp.port}`, proxyPort);
    }
    if (current.size > 0 || this.udpPortals.size > 0) {
      const stale = staleUdpPortalFlows(await listUdpPortalFlows(this.opts.netns), current, this.udpPortals);
      await deleteUdpPortalFlows(this.opts.netns, stale);
    }
    this.udpPortals = new Set(current.keys());
  }
}

/**
 * Starts the userspace proxy for one node (same options and handle as startProxy, plus
 * udpIdleTimeoutMs); resolves after the informers listed and the first sync ran. A failed first
 * sync goes to onError and is retried; it does not reject.
 */
export async function startUserspaceProxy(opts: UserspaceProxyOptions): Promise<Proxy & { readonly socketProcessPid: number | undefined }> {
  const p = await startOrStop(new UserspaceProxier(opts));
  return { stop: () => p.stop(), syncNow: () => p.syncNow(), get socketProcessPid() { return p.socketProcessPid; } };
}
