/**
 * host-local's configuration, read from the `ipam` section of the network configuration:
 * `ranges` (a list of range sets) or the legacy single-range form (`subnet`, `rangeStart`,
 * `rangeEnd`, `gateway`), `routes`, `dataDir` and `resolvConf`; plus the IPs a runtime may
 * request (CNI_ARGS `IP=`, `runtimeConfig.ips`, `args.cni.ips`).
 */
import { CniError, CniErrorCode, type CniRoute, type NetConf } from '../types.js';
import { type IP, formatIP, parseCIDR, parseIP } from '../ip/addr.js';
import { type RangeSet, canonicalizeRangeSet, rangeSetsOverlap } from './range.js';

export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';

export interface HostLocalConfig {
  name: string;
  rangeSets: RangeSet[];
  routes: CniRoute[];
  dataDir: string;
  resolvConf?: string;
  requestedIPs: IP[];
}

const invalid = (field: string, msg: string): CniError => new CniError(CniErrorCode.InvalidNetworkConfig, `${field}: ${msg}`);

function parseRoutes(v: unknown): CniRoute[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid('ipam.routes', 'must be a list');
  return v.map((r: unknown, i) => {
    const route = r as Partial<CniRoute> | null;
    if (!route || typeof route.dst !== 'string' || !parseCIDR(route.dst)) {
      throw invalid(`ipam.routes[${i}].dst`, `Invalid CIDR ${JSON.stringify(route?.dst ?? null)}`);
    }
    if (route.gw !== undefined && !parseIP(route.gw)) throw invalid(`ipam.routes[${i}].gw`, `Invalid IP address ${JSON.stringify(route.gw)}`);
    return { ...route } as CniRoute;
  });
}

function rawRangeSets(ipam: Record<string, unknown>): unknown[] {
  const sets: unknown[] = [];
  if (ipam.subnet !== undefined) {
    sets.push([{ subnet: ipam.subnet, rangeStart: ipam.rangeStart, rangeEnd: ipam.rangeEnd, gateway: ipam.gateway }]);
  }
  if (ipam.ranges !== undefined) {
    if (!Array.isArray(ipam.ranges)) throw invalid('ipam.ranges', 'must be a list of range sets');
    sets.push(...ipam.ranges);
  }
  return sets;
}

/** Parses `IP=a,b` from CNI_ARGS and `ips` lists from runtimeConfig / args.cni. */
export function requestedIPs(conf: NetConf, cniArgs: ReadonlyArray<[string, string]>): IP[] {
  const texts: string[] = [];
  for (const [k, v] of cniArgs) if (k === 'IP') texts.push(...v.split(',').filter(Boolean));
  const lists = [conf.runtimeConfig?.ips, (conf.args?.cni as Record<string, unknown> | undefined)?.ips];
  for (const l of lists) if (Array.isArray(l)) texts.push(...l.map(String));
  return texts.map((t) => {
    const ip = parseIP(t.includes('/') ? t.slice(0, t.indexOf('/')) : t);
    if (!ip) throw new CniError(CniErrorCode.InvalidNetworkConfig, `ips: Invalid IP address ${JSON.stringify(t)}`);
    return ip;
  });
}

/** Reads and validates host-local's config; errors carry code 7 and name the field. */
export function parseHostLocalConfig(conf: NetConf, cniArgs: ReadonlyArray<[string, string]> = []): HostLocalConfig {
  const ipam = conf.ipam as Record<string, unknown> | undefined;
  if (!ipam || typeof ipam !== 'object') throw invalid('ipam', 'missing');
  if (typeof conf.name !== 'string' || conf.name === '') throw invalid('name', 'missing');
  const raw = rawRangeSets(ipam);
  if (raw.length === 0) throw invalid('ipam.ranges', 'no IP ranges specified');
  const rangeSets = raw.map((s, i) => canonicalizeRangeSet(s, `ipam.ranges[${i}]`));
  for (let i = 0; i < rangeSets.length; i++) {
    for (let j = 0; j < i; j++) {
      if (rangeSetsOverlap(rangeSets[i], rangeSets[j])) throw invalid(`ipam.ranges[${i}]`, `range set ${i} overlaps with range set ${j}`);
    }
  }
  if (ipam.dataDir !== undefined && (typeof ipam.dataDir !== 'string' || ipam.dataDir === '')) {
    throw invalid('ipam.dataDir', 'must be a non-empty path');
  }
  return {
    name: conf.name,
    rangeSets,
    routes: parseRoutes(ipam.routes),
    dataDir: (ipam.dataDir as string | undefined) ?? DEFAULT_DATA_DIR,
    resolvConf: typeof ipam.resolvConf === 'string' ? ipam.resolvConf : undefined,
    requestedIPs: requestedIPs(conf, cniArgs),
  };
}

export const describeRangeSet = (set: RangeSet): string =>
  set.map((r) => `${formatIP(r.rangeStart)}-${formatIP(r.rangeEnd)}`).join(',');
