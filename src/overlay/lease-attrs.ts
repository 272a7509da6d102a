/**
 * flannel's etcd subnet manager layout (pkg/subnet/etcd, pkg/lease), pure: the network config
 * at `<prefix>/config`, one lease per subnet at `<prefix>/subnets/<a.b.c.d>-<len>` whose value is
 * LeaseAttrs JSON (`{"PublicIP":..,"PublicIPv6":null,"BackendType":..,"BackendData":..}`; host-gw
 * has no BackendData), put under an etcd lease of 24 h renewed 1 h before it runs out.
 */
import type { Lease } from './annotations.js';
import { parseBackendData } from './annotations.js';
import { formatCIDR, networkAddress, parseCIDR } from './subnet.js';

/** flanneld's subnetTTL (24 h) and --subnet-lease-renew-margin default (60 min). */
export const SUBNET_TTL_SECONDS = 24 * 3600;
export const RENEW_MARGIN_SECONDS = 3600;

/**
 * Where a podnet cluster keeps flannel's keys in a shared etcd: flannel's default
 * `--etcd-prefix` (/coreos.com/network) under the cluster's own datastore prefix, because one
 * etcd can hold several podnet clusters and a bare /coreos.com/network would be shared by all.
 */
export const etcdNetworkPrefix = (clusterPrefix: string): string => `${clusterPrefix}/coreos.com/network`;

export interface NetworkConfig {
  Network: string;
  SubnetLen: number;
  Backend: { Type: string };
}

export interface LeaseAttrs {
  PublicIP: string;
  PublicIPv6: null;
  BackendType: string;
  BackendData?: unknown;
}

/** `subnets/10.244.1.0-24` for 10.244.1.0/24 (flannel's MakeSubnetKey). */
export function subnetKey(subnet: string): string {
  const net = parseCIDR(subnet, 'subnet');
  return `subnets/${networkAddress(net)}-${net.prefix}`;
}

/** The subnet of a lease key, or undefined when the key is not one. */
export function subnetOfKey(key: string): string | undefined {
  const m = /(?:^|\/)subnets\/(\d{1,3}(?:\.\d{1,3}){3})-(\d{1,2})$/.exec(key);
  if (!m) return undefined;
  try {
    return formatCIDR(parseCIDR(`${m[1]}/${m[2]}`));
  } catch {
    return undefined;
  }
}

/** The value flannel stores: field order and `PublicIPv6: null` as its LeaseAttrs marshals. */
export function renderLeaseAttrs(a: LeaseAttrs): string {
  const out: Record<string, unknown> = { PublicIP: a.PublicIP, PublicIPv6: null, BackendType: a.BackendType };
  if (a.BackendData !== undefined && a.BackendData !== null) out.BackendData = a.BackendData;
  return JSON.stringify(out);
}

/** A lease read from etcd as the backends want it; undefined for a malformed key or value. */
export function leaseFromEtcd(key: string, value: string): Lease | undefined {
  const subnet = subnetOfKey(key);
  if (!subnet) return undefined;
  try {
    const a = JSON.parse(value) as Partial<LeaseAttrs>;
    if (typeof a.PublicIP !== 'string' || !a.PublicIP) return undefined;
    const data = a.BackendData === undefined ? undefined : JSON.stringify(a.BackendData);
    // etcd leases carry no node name: peers are told apart by public IP.
    return { nodeName: '', subnet, publicIP: a.PublicIP, backendType: a.BackendType ?? '', vtepMAC: parseBackendData(data)?.VtepMAC };
  } catch {
    return undefined;
  }
}

/** Checks a stored config against the cluster's; the error names the field that differs. */
export function checkNetworkConfig(have: string, want: NetworkConfig, key: string): void {
  let cfg: Partial<NetworkConfig>;
  try {
    cfg = JSON.parse(have) as Partial<NetworkConfig>;
  } catch {
    throw new Error(`flannel: ${key}: Invalid value: not JSON`);
  }
  if (cfg.Network !== want.Network) throw new Error(`flannel: ${key}: Network is "${cfg.Network}", the cluster's is "${want.Network}"`);
  if ((cfg.SubnetLen ?? 24) !== want.SubnetLen) throw new Error(`flannel: ${key}: SubnetLen is ${cfg.SubnetLen}, the cluster's is ${want.SubnetLen}`);
  if (cfg.Backend?.Type !== want.Backend.Type) throw new Error(`flannel: ${key}: Backend.Type is "${cfg.Backend?.Type}", the cluster's is "${want.Backend.Type}"`);
}
