/**
 * The per-pod /etc files kubelet manages: resolv.conf (from dnsPolicy and dnsConfig) and the
 * Kubernetes-managed hosts file. `ip netns exec` bind-mounts /etc/netns/<sandbox>/* over /etc,
 * so writing them there gives every container of the pod its own copies.
 */
import type { Pod } from '../api/types.js';

export interface DnsSettings {
  clusterDNS: string;
  clusterDomain: string;
  /** The host's resolv.conf text, used by dnsPolicy Default. */
  hostResolvConf?: string;
}

interface ResolvParts {
  nameservers: string[];
  searches: string[];
  options: string[];
}

function parseResolvConf(text: string): ResolvParts {
  const parts: ResolvParts = { nameservers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...vals] = line.trim().split(/\s+/);
    if (key === 'nameserver' && vals[0]) parts.nameservers.push(vals[0]);
    else if (key === 'search' || key === 'domain') parts.searches = vals;
    else if (key === 'options') parts.options.push(...vals);
  }
  return parts;
}

function clusterFirst(ns: string, dns: DnsSettings): ResolvParts {
  const d = dns.clusterDomain;
  return { nameservers: [dns.clusterDNS], searches: [`${ns}.svc.${d}`, `svc.${d}`, d], options: ['ndots:5'] };
}

/** Merges spec.dnsConfig as kubelet does: servers and searches appended, options by name. */
function mergeDnsConfig(base: ResolvParts, pod: Pod): ResolvParts {
  const cfg = pod.spec?.dnsConfig;
  if (!cfg) return base;
  const uniq = (xs: string[]) => [...new Set(xs)];
  const options = new Map<string, string>();
  for (const o of base.options) options.set(o.split(':')[0], o);
  for (const o of cfg.options ?? []) options.set(o.name ?? '', o.value !== undefined ? `${o.name}:${o.value}` : `${o.name}`);
  return {
    nameservers: uniq([...base.nameservers, ...(cfg.nameservers ?? [])]),
    searches: uniq([...base.searches, ...(cfg.searches ?? [])]),
    options: [...options.values()].filter((o) => o !== ''),
  };
}

/** The resolv.conf text kubelet writes for `pod`. */
export function resolvConf(pod: Pod, dns: DnsSettings): string {
  const ns = pod.metadata?.namespace ?? 'default';
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  let base: ResolvParts;
  // kubelet: a hostNetwork pod with ClusterFirst gets the node's resolv.conf (ClusterFirstWithHostNet opts in).
  if (policy === 'ClusterFirst' && pod.spec?.hostNetwork) base = parseResolvConf(dns.hostResolvConf ?? '');
  else if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') base = clusterFirst(ns, dns);
  else if (policy === 'Default') base = parseResolvConf(dns.hostResolvConf ?? '');
  else if (policy === 'None') base = { nameservers: [], searches: [], options: [] };
  else throw new Error(`agent: Invalid value "${policy}" for spec.dnsPolicy: expected ClusterFirst, ClusterFirstWithHostNet, Default or None`);
  const p = mergeDnsConfig(base, pod);
  const lines: string[] = [];
  if (p.searches.length > 0) lines.push(`search ${p.searches.join(' ')}`);
  for (const s of p.nameservers) lines.push(`nameserver ${s}`);
  if (p.options.length > 0) lines.push(`options ${p.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

const MANAGED_HEADER = '# Kubernetes-managed hosts file.\n';
const DEFAULT_ENTRIES =
  '127.0.0.1\tlocalhost\n' +
  '::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\n' +
  'fe00::0\tip6-mcastprefix\n' +
  'fe00::1\tip6-allnodes\n' +
  'fe00::2\tip6-allrouters\n';

/** The hosts file kubelet writes: header, localhost lines, the pod's own entry, host aliases. */
export function hostsFile(pod: Pod, podIP: string, clusterDomain: string): string {
  const name = pod.spec?.hostname || pod.metadata?.name || '';
  const sub = pod.spec?.subdomain;
  const ns = pod.metadata?.namespace ?? 'default';
  let text = MANAGED_HEADER + DEFAULT_ENTRIES;
  text += sub ? `${podIP}\t${name}.${sub}.${ns}.svc.${clusterDomain}\t${name}\n` : `${podIP}\t${name}\n`;
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length > 0) {
    text += '\n# Entries added by HostAliases.\n';
    for (const a of aliases) text += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  }
  return text;
}
