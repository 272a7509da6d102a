/**
 * The iptables half of kube-proxy's IPVS mode (pkg/proxy/ipvs/proxier.go: iptablesJumpChain,
 * iptablesChains, ipsetWithIptablesChain, writeIptablesRules): rules that match the ipsets for
 * masquerading, NodePort and load-balancer handling and filtering, as `iptables-restore` input,
 * plus the jump rules kube-proxy inserts outside the restore (EnsureRule Prepend).
 */
import { IPSETS, KUBE_CLUSTER_IP, KUBE_EXTERNAL_IP, KUBE_EXTERNAL_IP_LOCAL, KUBE_HEALTH_CHECK_NODE_PORT, KUBE_IPVS_IPS, KUBE_LOAD_BALANCER, type IpsetEntries } from './ipsets.js';
import type { IpvsState } from './ipvs-state.js';

const SERVICES = 'KUBE-SERVICES';
const POSTROUTING = 'KUBE-POSTROUTING';
const NODE_PORT = 'KUBE-NODE-PORT';
const LOAD_BALANCER = 'KUBE-LOAD-BALANCER';
const MARK_MASQ = 'KUBE-MARK-MASQ';
const FORWARD = 'KUBE-FORWARD';
const PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
const SOURCE_RANGES_FIREWALL = 'KUBE-SOURCE-RANGES-FIREWALL';
const IPVS_FILTER = 'KUBE-IPVS-FILTER';
const IPVS_OUT_FILTER = 'KUBE-IPVS-OUT-FILTER';

export const NAT_CHAINS = [SERVICES, POSTROUTING, NODE_PORT, LOAD_BALANCER, MARK_MASQ] as const;
export const FILTER_CHAINS = [FORWARD, NODE_PORT, PROXY_FIREWALL, SOURCE_RANGES_FIREWALL, IPVS_FILTER, IPVS_OUT_FILTER] as const;

/** `-t <table> -I <from> ...`: what kube-proxy prepends to the built-in chains. */
export const JUMP_RULES: readonly string[] = [
  `-t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j ${SERVICES}`,
  `-t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j ${SERVICES}`,
  `-t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j ${POSTROUTING}`,
  `-t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j ${FORWARD}`,
  `-t filter -I INPUT -m comment --comment "kubernetes health check rules" -j ${NODE_PORT}`,
  `-t filter -I INPUT -m comment --comment "kube-proxy firewall rules" -j ${PROXY_FIREWALL}`,
  `-t filter -I FORWARD -m comment --comment "kube-proxy firewall rules" -j ${PROXY_FIREWALL}`,
  `-t filter -I INPUT -m comment --comment "kubernetes ipvs access filter" -j ${IPVS_FILTER}`,
  `-t filter -I OUTPUT -m comment --comment "kubernetes ipvs access filter" -j ${IPVS_OUT_FILTER}`,
];

/** [set, table, from chain, target, match type, protocol] in upstream's order. */
const SET_RULES: readonly [string, 'nat' | 'filter', string, string, string, string?][] = [
  ['KUBE-LOOP-BACK', 'nat', POSTROUTING, 'MASQUERADE', 'dst,dst,src'],
  [KUBE_LOAD_BALANCER, 'nat', SERVICES, LOAD_BALANCER, 'dst,dst'],
  ['KUBE-LOAD-BALANCER-LOCAL', 'nat', LOAD_BALANCER, 'RETURN', 'dst,dst'],
  ['KUBE-NODE-PORT-LOCAL-TCP', 'nat', NODE_PORT, 'RETURN', 'dst', 'tcp'],
  ['KUBE-NODE-PORT-TCP', 'nat', NODE_PORT, MARK_MASQ, 'dst', 'tcp'],
  ['KUBE-NODE-PORT-LOCAL-UDP', 'nat', NODE_PORT, 'RETURN', 'dst', 'udp'],
  ['KUBE-NODE-PORT-UDP', 'nat', NODE_PORT, MARK_MASQ, 'dst', 'udp'],
  ['KUBE-NODE-PORT-LOCAL-SCTP-HASH', 'nat', NODE_PORT, 'RETURN', 'dst,dst', 'sctp'],
  ['KUBE-NODE-PORT-SCTP-HASH', 'nat', NODE_PORT, MARK_MASQ, 'dst,dst', 'sctp'],
  ['KUBE-LOAD-BALANCER-FW', 'filter', PROXY_FIREWALL, SOURCE_RANGES_FIREWALL, 'dst,dst'],
  ['KUBE-LOAD-BALANCER-SOURCE-CIDR', 'filter', SOURCE_RANGES_FIREWALL, 'RETURN', 'dst,dst,src'],
  ['KUBE-LOAD-BALANCER-SOURCE-IP', 'filter', SOURCE_RANGES_FIREWALL, 'RETURN', 'dst,dst,src'],
];

export interface IpvsIptablesOptions {
  /** The local-traffic detector: ClusterIP traffic from outside it is masqueraded. */
  clusterCIDR: string;
  /** As iptables writes it, e.g. 0x00004000. */
  masqueradeMark: string;
}

const comment = (name: string): string => `-m comment --comment "${IPSETS.find((s) => s.name === name)?.comment ?? name}"`;
const nonEmpty = (sets: IpsetEntries, name: string): boolean => (sets.get(name)?.size ?? 0) > 0;

function natServiceRules(sets: IpsetEntries, o: IpvsIptablesOptions): string[] {
  const rules: string[] = [];
  if (nonEmpty(sets, KUBE_CLUSTER_IP)) {
    rules.push(`-A ${SERVICES} ${comment(KUBE_CLUSTER_IP)} -m set --match-set ${KUBE_CLUSTER_IP} dst,dst ! -s ${o.clusterCIDR} -j ${MARK_MASQ}`);
  }
  // External IPs: masquerade (Cluster policy only), then accept off-machine and local-destination traffic.
  for (const set of [KUBE_EXTERNAL_IP, KUBE_EXTERNAL_IP_LOCAL]) {
    if (!nonEmpty(sets, set)) continue;
    const base = `-A ${SERVICES} ${comment(set)} -m set --match-set ${set} dst,dst`;
    if (set === KUBE_EXTERNAL_IP) rules.push(`${base} -j ${MARK_MASQ}`);
    rules.push(`${base} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`, `${base} -m addrtype --dst-type LOCAL -j ACCEPT`);
  }
  rules.push(`-A ${SERVICES} -m addrtype --dst-type LOCAL -j ${NODE_PORT}`, `-A ${LOAD_BALANCER} -j ${MARK_MASQ}`);
  return rules;
}

/** The `iptables-restore --noflush` input kube-proxy's IPVS mode writes on a sync. */
export function renderIpvsIptables(state: IpvsState, o: IpvsIptablesOptions): string {
  const sets = state.ipsets;
  const nat: string[] = [`-A ${SERVICES} -s 127.0.0.0/8 -j RETURN`];
  const filter: string[] = [];
  for (const [set, table, from, to, match, proto] of SET_RULES) {
    if (!nonEmpty(sets, set)) continue;
    (table === 'nat' ? nat : filter).push(`-A ${from}${proto ? ` -p ${proto}` : ''} ${comment(set)} -m set --match-set ${set} ${match} -j ${to}`);
  }
  nat.push(...natServiceRules(sets, o));
  filter.push(`-A ${SOURCE_RANGES_FIREWALL} -j DROP`);
  for (const e of state.lbNoNodeAccess) {
    filter.push(`-A ${IPVS_OUT_FILTER} -s ${e.ip} -m ipvs --vaddr ${e.ip} --vproto ${e.protocol} --vport ${e.port} -j DROP`);
  }
  // Accept traffic to virtual services before anything else can drop it.
  for (const set of [KUBE_CLUSTER_IP, KUBE_LOAD_BALANCER]) if (nonEmpty(sets, set)) nat.push(`-A ${SERVICES} -m set --match-set ${set} dst,dst -j ACCEPT`);
  const m = `${o.masqueradeMark}/${o.masqueradeMark}`;
  filter.push(
    `-A ${FORWARD} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${m} -j ACCEPT`,
    `-A ${FORWARD} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A ${NODE_PORT} ${comment(KUBE_HEALTH_CHECK_NODE_PORT)} -m set --match-set ${KUBE_HEALTH_CHECK_NODE_PORT} dst -j ACCEPT`,
    ...[KUBE_LOAD_BALANCER, KUBE_CLUSTER_IP, KUBE_EXTERNAL_IP, KUBE_EXTERNAL_IP_LOCAL].map((s) => `-A ${IPVS_FILTER} -m set --match-set ${s} dst,dst -j RETURN`),
    `-A ${IPVS_FILTER} -m set --match-set ${KUBE_HEALTH_CHECK_NODE_PORT} dst -j RETURN`,
    // Host ports reached through a service VIP are refused (kubernetes#72236).
    `-A ${IPVS_FILTER} -m conntrack --ctstate NEW -m set --match-set ${KUBE_IPVS_IPS} dst -j REJECT`,
  );
  nat.push(
    `-A ${POSTROUTING} -m mark ! --mark ${m} -j RETURN`,
    `-A ${POSTROUTING} -j MARK --xor-mark ${o.masqueradeMark}`,
    `-A ${POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
    `-A ${MARK_MASQ} -j MARK --or-mark ${o.masqueradeMark}`,
  );
  return [
    '*nat', ...NAT_CHAINS.map((c) => `:${c} - [0:0]`), ...nat, 'COMMIT',
    '*filter', ...FILTER_CHAINS.map((c) => `:${c} - [0:0]`), ...filter, 'COMMIT',
  ].join('\n') + '\n';
}
