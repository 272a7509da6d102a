/**
 * The static part of the `ip kube-proxy` table, kube-proxy v1.35 layout (PR #132456): base
 * chains with their hooks and priorities, the helper chains, the sets and verdict maps that
 * per-service state fills, and the jump rules between them.
 */
import { cidrContains } from './service-port.js';
import type { ChainObj, SetObj, Transaction } from './transaction.js';

export const TABLE_NAME = 'kube-proxy';
export const TABLE_COMMENT = 'rules for kube-proxy';
/** 1 << masqueradeBit (14); the mark bit is internal to the proxy. */
export const MASQUERADE_MARK = '0x4000';

export const MARK_FOR_MASQUERADE = 'mark-for-masquerade';
export const REJECT_CHAIN = 'reject-chain';
export const CLUSTER_IPS_SET = 'cluster-ips';
export const NODEPORT_IPS_SET = 'nodeport-ips';
export const SERVICE_IPS_MAP = 'service-ips';
export const SERVICE_NODEPORTS_MAP = 'service-nodeports';
export const NO_ENDPOINT_SERVICES_MAP = 'no-endpoint-services';
export const NO_ENDPOINT_NODEPORTS_MAP = 'no-endpoint-nodeports';
export const FIREWALL_IPS_MAP = 'firewall-ips';

export const BASE_CHAINS: readonly ChainObj[] = [
  { kind: 'chain', name: 'filter-prerouting-pre-dnat', type: 'filter', hook: 'prerouting', priority: -110 },
  { kind: 'chain', name: 'filter-output-pre-dnat', type: 'filter', hook: 'output', priority: -110 },
  { kind: 'chain', name: 'filter-forward', type: 'filter', hook: 'forward', priority: 0 },
  { kind: 'chain', name: 'filter-input', type: 'filter', hook: 'input', priority: 0 },
  { kind: 'chain', name: 'filter-output', type: 'filter', hook: 'output', priority: 0 },
  { kind: 'chain', name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
  { kind: 'chain', name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  { kind: 'chain', name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
];

export const HELPER_CHAINS: readonly ChainObj[] = [
  { kind: 'chain', name: 'cluster-ips-check' },
  { kind: 'chain', name: 'firewall-check' },
  { kind: 'chain', name: MARK_FOR_MASQUERADE },
  { kind: 'chain', name: 'masquerading' },
  { kind: 'chain', name: 'nodeport-endpoints-check' },
  { kind: 'chain', name: REJECT_CHAIN, comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports' },
  { kind: 'chain', name: 'services' },
  { kind: 'chain', name: 'service-endpoints-check' },
];

const SERVICE_KEY = 'ipv4_addr . inet_proto . inet_service : verdict';
export const BASE_SETS: readonly SetObj[] = [
  { kind: 'set', name: CLUSTER_IPS_SET, type: 'ipv4_addr', comment: 'Active ClusterIPs' },
  { kind: 'set', name: NODEPORT_IPS_SET, type: 'ipv4_addr', comment: 'IPs that accept NodePort traffic' },
  { kind: 'map', name: FIREWALL_IPS_MAP, type: SERVICE_KEY, comment: 'destinations that are subject to LoadBalancerSourceRanges' },
  { kind: 'map', name: NO_ENDPOINT_NODEPORTS_MAP, type: 'inet_proto . inet_service : verdict', comment: 'vmap to drop or reject packets to service nodeports with no endpoints' },
  { kind: 'map', name: NO_ENDPOINT_SERVICES_MAP, type: SERVICE_KEY, comment: 'vmap to drop or reject packets to services with no endpoints' },
  { kind: 'map', name: SERVICE_IPS_MAP, type: SERVICE_KEY, comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic' },
  { kind: 'map', name: SERVICE_NODEPORTS_MAP, type: 'inet_proto . inet_service : verdict', comment: 'NodePort traffic' },
];

/** [chain, rule, comment?] in rule order within each chain. */
function baseRuleList(serviceCIDR: string | undefined, m: string, nodePortsOnAllIPs: boolean): [string, string, string?][] {
  // --nodeport-addresses matching everything: no nodeport-ips set, any local address but loopback.
  const nodePortMatch = nodePortsOnAllIPs ? 'ip daddr != 127.0.0.0/8' : `ip daddr @${NODEPORT_IPS_SET}`;
  return [
    ['filter-prerouting-pre-dnat', 'ct state new jump firewall-check'],
    ['filter-output-pre-dnat', 'ct state new jump firewall-check'],
    ['filter-input', 'ct state new jump nodeport-endpoints-check'],
    ['filter-input', 'ct state new jump service-endpoints-check'],
    ['filter-forward', 'ct state new jump service-endpoints-check'],
    ['filter-forward', 'ct state new jump cluster-ips-check'],
    ['filter-output', 'ct state new jump service-endpoints-check'],
    ['filter-output', 'ct state new jump cluster-ips-check'],
    ['nat-prerouting', 'jump services'],
    ['nat-output', 'jump services'],
    ['nat-postrouting', 'jump masquerading'],
    ['cluster-ips-check', `ip daddr @${CLUSTER_IPS_SET} reject`, 'Reject traffic to invalid ports of ClusterIPs'],
    ...(serviceCIDR ? [['cluster-ips-check', `ip daddr { ${serviceCIDR} } drop`, 'Drop traffic to unallocated ClusterIPs'] as [string, string, string]] : []),
    ['firewall-check', `ip daddr . meta l4proto . th dport vmap @${FIREWALL_IPS_MAP}`],
    [MARK_FOR_MASQUERADE, `mark set mark or ${m}`],
    ['masquerading', `mark and ${m} == 0 return`],
    ['masquerading', `mark set mark xor ${m}`],
    ['masquerading', 'masquerade fully-random'],
    ['nodeport-endpoints-check', `${nodePortMatch} meta l4proto . th dport vmap @${NO_ENDPOINT_NODEPORTS_MAP}`],
    [REJECT_CHAIN, 'reject'],
    ['services', `ip daddr . meta l4proto . th dport vmap @${SERVICE_IPS_MAP}`],
    ['services', `${nodePortsOnAllIPs ? 'fib daddr type local ' : ''}${nodePortMatch} meta l4proto . th dport vmap @${SERVICE_NODEPORTS_MAP}`],
    ['service-endpoints-check', `ip daddr . meta l4proto . th dport vmap @${NO_ENDPOINT_SERVICES_MAP}`],
  ];
}

export interface BaseRuleOptions {
  nodeIP: string;
  serviceCIDR?: string;
  /** The masquerade mark (default MASQUERADE_MARK, 1 << 14). */
  masqueradeMark?: string;
  /**
   * --nodeport-addresses CIDRs (default: the node's primary IP only, as kube-proxy's nftables
   * mode). Loopback CIDRs are ignored; one matching everything makes NodePorts answer on every
   * local address.
   */
  nodePortAddresses?: readonly string[];
}

const MATCH_ALL = new Set(['0.0.0.0/0']);
const isLoopbackCIDR = (c: string): boolean => c.startsWith('127.');

/** The nodeport-ips elements, or 'all' when --nodeport-addresses matches every address. */
export function nodePortIPs(opts: BaseRuleOptions): string[] | 'all' {
  if (opts.nodePortAddresses === undefined) return [opts.nodeIP];
  const cidrs = opts.nodePortAddresses.filter((c) => !isLoopbackCIDR(c));
  if (cidrs.some((c) => MATCH_ALL.has(c))) return 'all';
  return cidrs.some((c) => cidrContains(c, opts.nodeIP)) ? [opts.nodeIP] : [];
}

/**
 * Adds (and flushes, so a full sync rewrites them) the table, base and helper chains, sets and
 * maps, then the static rules and the node IPs in nodeport-ips.
 */
export function writeBaseRules(tx: Transaction, opts: BaseRuleOptions): void {
  const ips = nodePortIPs(opts);
  tx.add({ kind: 'table', comment: TABLE_COMMENT });
  for (const c of [...BASE_CHAINS, ...HELPER_CHAINS]) tx.add(c).flush({ kind: 'chain', name: c.name });
  for (const s of BASE_SETS) if (ips !== 'all' || s.name !== NODEPORT_IPS_SET) tx.add(s).flush({ kind: s.kind, name: s.name });
  for (const [chain, rule, comment] of baseRuleList(opts.serviceCIDR, opts.masqueradeMark ?? MASQUERADE_MARK, ips === 'all')) {
    tx.add({ kind: 'rule', chain, rule, comment });
  }
  if (ips !== 'all') for (const ip of ips) tx.add({ kind: 'element', set: NODEPORT_IPS_SET, key: [ip] });
}
