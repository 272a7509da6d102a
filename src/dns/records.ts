/**
 * Slim records and the narrow reader the DNS handler needs, as CoreDNS's kubernetes plugin
 * (object.Service / object.Endpoints behind a dnsController): the informers keep only these
 * fields, and the handler can be tested with a fake lookup.
 */
import type { EndpointSlice, Service } from '../api/types.js';

export interface DnsPort {
  name: string;
  protocol: string;
  port: number;
}

export interface DnsService {
  name: string;
  namespace: string;
  /** ClusterIP, NodePort, LoadBalancer or ExternalName. */
  type: string;
  /** Empty for headless and ExternalName services. */
  clusterIPs: string[];
  headless: boolean;
  externalName?: string;
  ports: DnsPort[];
}

export interface DnsEndpoint {
  addresses: string[];
  hostname?: string;
  /** conditions.ready nil or true (CoreDNS serves both). */
  ready: boolean;
  ports: DnsPort[];
}

/** What the handler reads; every name argument is lower case. */
export interface DnsLookup {
  hasSynced(): boolean;
  serviceByName(namespace: string, name: string): DnsService | undefined;
  /** The endpoints of the service's EndpointSlices. */
  endpointsOf(namespace: string, service: string): DnsEndpoint[];
  namespaceExists(namespace: string): boolean;
  /** Services with this ClusterIP (reverse lookups; IPv6 given as 32 nibbles or any spelling). */
  servicesByIP(ip: string): DnsService[];
  /** Ready endpoints with this address, with their service and the address as they spell it. */
  endpointsByIP(ip: string): { service: DnsService; endpoint: DnsEndpoint; address: string }[];
  /** SOA serial: Unix time of the last change seen. */
  serial(): number;
}

export function toDnsService(svc: Service): DnsService {
  const spec = svc.spec ?? {};
  const ips = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip !== 'None');
  const out: DnsService = {
    name: (svc.metadata?.name ?? '').toLowerCase(),
    namespace: (svc.metadata?.namespace ?? '').toLowerCase(),
    type: spec.type ?? 'ClusterIP',
    clusterIPs: spec.type === 'ExternalName' ? [] : ips,
    headless: spec.type !== 'ExternalName' && spec.clusterIP === 'None',
    ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port })),
  };
  if (spec.type === 'ExternalName' && spec.externalName) out.externalName = spec.externalName;
  return out;
}

export function toDnsEndpoints(slice: EndpointSlice): DnsEndpoint[] {
  const ports = (slice.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? 0 }));
  return (slice.endpoints ?? []).map((e) => {
    const ep: DnsEndpoint = { addresses: e.addresses, ready: e.conditions?.ready !== false, ports };
    if (e.hostname) ep.hostname = e.hostname.toLowerCase();
    return ep;
  });
}

/** The name of an endpoint in DNS: its hostname, else its dashed IP (`10-244-0-5`). */
export function endpointLabel(ep: DnsEndpoint, address: string): string {
  if (ep.hostname) return ep.hostname;
  const dashed = address.replace(/[.:]/g, '-');
  return dashed.endsWith('-') ? `${dashed}0` : dashed;
}
