/**
 * The proxy's mode switch (kube-proxy --proxy-mode): nftables (the default), iptables or
 * userspace. Every mode takes the same options and returns the same handle.
 */
import { startProxy as startNftablesProxy, type Proxy, type ProxyOptions } from './proxier.js';
import { startIptablesProxy } from './iptables/proxier.js';
import { startUserspaceProxy } from './userspace/proxier.js';
import { detectIpvs } from './ipvs/detect.js';
import type { ProxyHooks } from './proxier-loop.js';
import { cleanupLeftovers } from './cleanup/cleanup-leftovers.js';
import { parseBindAddress, startProxyHealthServer, type ProxyHealthServer } from './healthz/healthz-server.js';
import type { ProxierHealth } from './healthz/proxier-health.js';

export const PROXY_MODES = ['nftables', 'iptables', 'userspace'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];
export const DEFAULT_PROXY_MODE: ProxyMode = 'nftables';

/** Checks a mode given as `field` (a flag or a config field); the error names both. */
export function parseProxyMode(value: string, field = '--proxy-mode'): ProxyMode {
  if ((PROXY_MODES as readonly string[]).includes(value)) return value as ProxyMode;
  if (value === 'ipvs') throw new Error(`${field}: Unsupported value: "ipvs": ${ipvsRefusal()}`);
  throw new Error(`${field}: Unsupported value: "${value}": supported values: ${PROXY_MODES.map((m) => `"${m}"`).join(', ')}`);
}

export interface ModeProxyOptions extends ProxyOptions {
  /** Default nftables. */
  mode?: ProxyMode;
  /**
   * kube-proxy's --healthz-bind-address (`0.0.0.0:10256` upstream): serve /healthz and /livez
   * there in the node netns. Unset: no health server (tests that start many proxies).
   */
  healthzBindAddress?: string;
  /** Remove the other modes' rules from the netns first (kube-proxy does on start); default true. */
  cleanupLeftovers?: boolean;
}

/** A running proxy; `health` is there when it serves healthz (the service health checks read it). */
export interface ModeProxy extends Proxy {
  readonly health?: ProxierHealth;
}

/**
 * Starts the proxy of one node in `opts.mode`: removes the other modes' leftovers from its
 * netns, starts the health server if asked, then the mode's proxier with the health hooks.
 */
export async function startProxy(opts: ModeProxyOptions): Promise<ModeProxy> {
  const { mode = DEFAULT_PROXY_MODE, healthzBindAddress, cleanupLeftovers: clean = true, ...rest } = opts;
  const checked = parseProxyMode(mode, 'mode');
  // Bad input fails before anything touches the kernel.
  if (healthzBindAddress !== undefined) parseBindAddress(healthzBindAddress, 'healthzBindAddress');
  if (clean) {
    // As upstream, a failed cleanup is reported, not fatal: the new mode can still run.
    await cleanupLeftovers(rest.netns, checked).catch((e) => console.error(`proxy ${rest.nodeName}: cleaning up other modes' rules failed:`, e));
  }
  let healthz: ProxyHealthServer | undefined;
  if (healthzBindAddress !== undefined) {
    healthz = await startProxyHealthServer({
      client: rest.client, nodeName: rest.nodeName, netns: rest.netns, bindAddress: healthzBindAddress,
      healthTimeoutMs: 2 * (rest.syncPeriodMs ?? 30_000),
    });
  }
  // Every proxier hands its options to ProxierLoop, which calls the hooks.
  const withHooks: ProxyOptions & ProxyHooks = { ...rest, ...healthz?.hooks };
  const proxy = await startMode(checked, withHooks).catch(async (e) => {
    await healthz?.stop();
    throw e;
  });
  if (!healthz) return proxy;
  const server = healthz;
  // Inherit the mode's handle (its getters too: userspace's socketProcessPid); stop ends both.
  const handle = Object.create(proxy) as { -readonly [K in keyof ModeProxy]: ModeProxy[K] };
  handle.stop = async () => {
    await proxy.stop();
    await server.stop();
  };
  handle.health = server.health;
  return handle;
}

function startMode(mode: ProxyMode, opts: ProxyOptions & ProxyHooks): Promise<Proxy> {
  switch (mode) {
    case 'nftables':
      return startNftablesProxy(opts);
    case 'iptables':
      return startIptablesProxy(opts);
    case 'userspace':
      return startUserspaceProxy(opts);
  }
}

/** Why `ipvs` cannot run: the kernel/tools (detectIpvs), or, where IPVS exists, no running IPVS proxier yet. */
function ipvsRefusal(): string {
  const s = detectIpvs();
  const why = s.available ? 'IPVS is present, but podnet runs no IPVS proxier (only its renderer and programIpvs)' : s.reason;
  return `${why}; use "nftables" or "iptables" (\`podnet proxy render --mode ipvs\` shows what IPVS mode would program)`;
}
