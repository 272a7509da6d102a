/**
 * The proxy's mode switch (kube-proxy --proxy-mode): nftables (the default), iptables or
 * userspace. Every mode takes the same options and returns the same handle.
 */
import { startProxy as startNftablesProxy, type Proxy, type ProxyOptions } from './proxier.js';
import { startIptablesProxy } from './iptables/proxier.js';
import { startUserspaceProxy } from './userspace/proxier.js';
import { detectIpvs } from './ipvs/detect.js';

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
}

/** Starts the proxy of one node in `opts.mode`. */
export function startProxy(opts: ModeProxyOptions): Promise<Proxy> {
  const { mode = DEFAULT_PROXY_MODE, ...rest } = opts;
  switch (parseProxyMode(mode, 'mode')) {
    case 'nftables':
      return startNftablesProxy(rest);
    case 'iptables':
      return startIptablesProxy(rest);
    case 'userspace':
      return startUserspaceProxy(rest);
  }
}

/** Why `ipvs` cannot run: the kernel/tools (detectIpvs), or, where IPVS exists, no running IPVS proxier yet. */
function ipvsRefusal(): string {
  const s = detectIpvs();
  const why = s.available ? 'IPVS is present, but podnet runs no IPVS proxier (only its renderer and programIpvs)' : s.reason;
  return `${why}; use "nftables" or "iptables" (\`podnet proxy render --mode ipvs\` shows what IPVS mode would program)`;
}
