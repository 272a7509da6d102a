/**
 * Endpoints per service port, from EndpointSlices (pkg/proxy/endpointslicecache.go): slices are
 * grouped by the label kubernetes.io/service-name, a slice port matches a service port by name
 * and protocol, only addresses[0] of each IPv4 endpoint is used, nil conditions default to
 * ready/serving true and terminating false, duplicates merge (local wins), and endpoints sort
 * by their `ip:port` string.
 */
import type { EndpointSlice } from '../api/types.js';
import { servicePortChainNameBase, type ServicePortRef } from './chain-names.js';
import { isIPv4 } from './service-port.js';

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';

export interface EndpointInfo {
  ip: string;
  port: number;
  /** `ip:port`: the sort key and the DNAT target. */
  endpoint: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  isLocal: boolean;
}

/** Endpoints keyed by servicePortChainNameBase (`ns/svc/proto/portName`). */
export type EndpointsMap = Map<string, EndpointInfo[]>;

export const endpointsKey = (sp: ServicePortRef): string => servicePortChainNameBase(sp);

function addSlice(byKey: Map<string, Map<string, EndpointInfo>>, slice: EndpointSlice, nodeName: string): void {
  const svcName = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
  if (!svcName || slice.metadata?.labels?.[LABEL_HEADLESS] !== undefined) return;
  if (slice.addressType !== 'IPv4') return;
  const ns = slice.metadata?.namespace ?? 'default';
  for (const port of slice.ports ?? []) {
    if (port.port === undefined || port.port === null) continue;
    const key = servicePortChainNameBase({ namespace: ns, name: svcName, protocol: (port.protocol ?? 'TCP').toLowerCase(), portName: port.name ?? '' });
    const eps = byKey.get(key) ?? new Map<string, EndpointInfo>();
    byKey.set(key, eps);
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!ip || !isIPv4(ip)) continue;
      const c = ep.conditions ?? {};
      const info: EndpointInfo = {
        ip,
        port: port.port,
        endpoint: `${ip}:${port.port}`,
        ready: c.ready ?? true,
        serving: c.serving ?? true,
        terminating: c.terminating ?? false,
        isLocal: ep.nodeName === nodeName,
      };
      const prev = eps.get(info.endpoint);
      eps.set(info.endpoint, prev ? { ...prev, isLocal: prev.isLocal || info.isLocal } : info);
    }
  }
}

/** Builds the endpoints map from every slice; `nodeName` decides which endpoints are local. */
export function buildEndpointsMap(slices: readonly EndpointSlice[], nodeName: string): EndpointsMap {
  const byKey = new Map<string, Map<string, EndpointInfo>>();
  // Slices in name order: an endpoint listed by two slices merges the same way however the
  // slices arrived (a partial sync sees one Service's slices in another order than a full one).
  const name = (s: EndpointSlice): string => `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;
  const ordered = [...slices].sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  for (const s of ordered) addSlice(byKey, s, nodeName);
  const out: EndpointsMap = new Map();
  for (const [key, eps] of byKey) {
    out.set(key, [...eps.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0)));
  }
  return out;
}

export interface CategorizedEndpoints {
  /** Endpoints for Cluster traffic policy (undefined when the policy is Local). */
  clusterEndpoints: EndpointInfo[];
  /** Node-local endpoints for Local traffic policy. */
  localEndpoints: EndpointInfo[];
  /** Whether any usable endpoint exists cluster-wide (reject vs drop). */
  hasAnyEndpoints: boolean;
}

/** Ready ones, else (when none is ready) the serving-and-terminating ones (pkg/proxy/topology.go). */
function usable(eps: readonly EndpointInfo[]): EndpointInfo[] {
  const ready = eps.filter((e) => e.ready);
  return ready.length > 0 ? ready : eps.filter((e) => e.serving && e.terminating);
}

/** CategorizeEndpoints without topology hints. */
export function categorizeEndpoints(eps: readonly EndpointInfo[]): CategorizedEndpoints {
  const clusterEndpoints = usable(eps);
  const localEndpoints = usable(eps.filter((e) => e.isLocal));
  return { clusterEndpoints, localEndpoints, hasAnyEndpoints: clusterEndpoints.length > 0 || localEndpoints.length > 0 };
}
