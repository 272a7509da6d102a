/**
 * The record set of one name in the cluster zone, as CoreDNS's kubernetes plugin computes it
 * (schema 1.1.0 plus CoreDNS's pod records): services, headless endpoints, SRV for named ports,
 * ExternalName CNAMEs, `dns-version`. `undefined` means the name does not exist (NXDOMAIN).
 */
import type { SrvData } from 'dns-packet';
import { dashedToIPv4 } from './query-name.js';
import { type DnsEndpoint, type DnsLookup, type DnsPort, type DnsService, endpointLabel } from './records.js';

export const DNS_SCHEMA_VERSION = '1.1.0';

export interface NameRecords {
  a: string[];
  aaaa: string[];
  srv: SrvData[];
  /** Addresses of SRV targets, for the additional section: [name, ip]. */
  srvExtra: [string, string][];
  cname?: string;
  txt?: string;
  /** The zone apex answers SOA and NS. */
  apex?: boolean;
}

const empty = (): NameRecords => ({ a: [], aaaa: [], srv: [], srvExtra: [] });
const isV6 = (ip: string): boolean => ip.includes(':');

function addresses(ips: string[]): NameRecords {
  const r = empty();
  for (const ip of ips) (isV6(ip) ? r.aaaa : r.a).push(ip);
  return r;
}

/** Ready endpoint addresses with their DNS label. */
function readyAddresses(eps: DnsEndpoint[]): { ep: DnsEndpoint; ip: string; label: string }[] {
  return eps.filter((e) => e.ready).flatMap((ep) => ep.addresses.map((ip) => ({ ep, ip, label: endpointLabel(ep, ip) })));
}

const portMatches = (p: DnsPort, port?: string, proto?: string): boolean =>
  p.name !== '' && (port === undefined || p.name.toLowerCase() === port) && (proto === undefined || p.protocol.toLowerCase() === proto);

/** SRV weight: 100 split evenly among the records of one priority, at least 1 (CoreDNS). */
function finishSrv(r: NameRecords): NameRecords {
  const weight = Math.max(1, Math.floor(100 / Math.max(1, r.srv.length)));
  const seen = new Set<string>();
  r.srv = r.srv.filter((s) => !seen.has(`${s.target}|${s.port}`) && seen.add(`${s.target}|${s.port}`)).map((s) => ({ ...s, weight }));
  return r;
}

/** Records of `<svc>.<ns>.svc.<zone>` or its `_port._proto` / endpoint sub-names. */
function serviceRecords(lookup: DnsLookup, svc: DnsService, zone: string, port?: string, proto?: string): NameRecords | undefined {
  const base = `${svc.name}.${svc.namespace}.svc.${zone}`;
  if (svc.externalName) {
    if (port !== undefined) return empty(); // SRV for ExternalName is filtered out: NODATA
    return { ...empty(), cname: svc.externalName };
  }
  const r = empty();
  if (!svc.headless) {
    Object.assign(r, addresses(svc.clusterIPs));
    for (const p of svc.ports.filter((x) => portMatches(x, port, proto))) {
      for (const ip of svc.clusterIPs) {
        r.srv.push({ priority: 0, weight: 0, port: p.port, target: base });
        r.srvExtra.push([base, ip]);
      }
    }
  } else {
    const ready = readyAddresses(lookup.endpointsOf(svc.namespace, svc.name));
    if (ready.length === 0) return undefined; // headless without ready endpoints: NXDOMAIN
    const ips = ready.filter((x) => port === undefined || x.ep.ports.some((p) => portMatches(p, port, proto))).map((x) => x.ip);
    Object.assign(r, addresses([...new Set(ips)]));
    for (const { ep, ip, label } of ready) {
      for (const p of ep.ports.filter((x) => portMatches(x, port, proto))) {
        r.srv.push({ priority: 0, weight: 0, port: p.port, target: `${label}.${base}` });
        r.srvExtra.push([`${label}.${base}`, ip]);
      }
    }
  }
  if (port !== undefined && r.srv.length === 0) return undefined;
  return finishSrv(r);
}

function endpointRecords(lookup: DnsLookup, svc: DnsService, label: string): NameRecords | undefined {
  const ips = readyAddresses(lookup.endpointsOf(svc.namespace, svc.name)).filter((x) => x.label === label).map((x) => x.ip);
  return ips.length ? addresses([...new Set(ips)]) : undefined;
}

function svcNameRecords(lookup: DnsLookup, labels: string[], zone: string): NameRecords | undefined {
  const [ns, svcName] = [labels[labels.length - 1], labels[labels.length - 2]];
  if (!lookup.namespaceExists(ns)) return undefined;
  if (labels.length === 1) return empty();
  const svc = lookup.serviceByName(ns, svcName);
  if (!svc) return undefined;
  if (labels.length === 2) return serviceRecords(lookup, svc, zone);
  if (svc.externalName) return undefined; // names under an ExternalName service do not exist
  if (labels.length === 3) return endpointRecords(lookup, svc, labels[0]);
  if (labels.length === 4) return serviceRecords(lookup, svc, zone, labels[0].replace(/^_/, ''), labels[1].replace(/^_/, ''));
  return undefined;
}

/** `pods insecure` (kubeadm's setting): any dashed IPv4 in an existing namespace. */
function podRecords(lookup: DnsLookup, labels: string[]): NameRecords | undefined {
  const ns = labels[labels.length - 1];
  if (!lookup.namespaceExists(ns)) return undefined;
  if (labels.length === 1) return empty();
  const ip = labels.length === 2 ? dashedToIPv4(labels[0]) : undefined;
  return ip ? addresses([ip]) : undefined;
}

/** All records of the name `labels`.<zone> (labels lower-cased, left to right). */
export function recordsFor(lookup: DnsLookup, labels: string[], zoneAsQueried: string): NameRecords | undefined {
  if (labels.length === 0) return { ...empty(), apex: true };
  if (labels.length === 1 && labels[0] === 'dns-version') return { ...empty(), txt: DNS_SCHEMA_VERSION };
  const kind = labels[labels.length - 1];
  const rest = labels.slice(0, -1);
  if (kind === 'svc') return rest.length === 0 ? empty() : svcNameRecords(lookup, rest, zoneAsQueried);
  if (kind === 'pod') return rest.length === 0 ? empty() : podRecords(lookup, rest);
  return undefined;
}
