/**
 * The iptables rules of one service port (pkg/proxy/iptables/proxier.go syncProxyRules' loop):
 * the jumps from KUBE-SERVICES / KUBE-NODEPORTS, the filter rules that REJECT (no endpoints)
 * or DROP (no local endpoints), and its own nat chains KUBE-EXT/FW/SVC/SVL/SEP. Pure.
 */
import { categorizeEndpoints, type EndpointInfo } from '../endpoints.js';
import type { ServicePortInfo } from '../service-port.js';
import * as names from './chain-names.js';

export interface ServiceRuleOptions {
  nodeIP: string;
  /** The local-traffic detector (ClusterCIDR mode): `-s` / `! -s` this. */
  clusterCIDR: string;
  masqueradeAll: boolean;
  /** Over 1000 endpoints in all: comments dropped from SVC and SEP rules (largeClusterMode). */
  largeCluster: boolean;
}

/** One service port's share of the restore input. */
export interface ServicePortRules {
  /** Rules (whole `-A ...` lines) in the shared chains, written on every sync. */
  natShared: string[];
  filterShared: string[];
  /** This port's own nat chains, in upstream's order, with their rules. */
  chains: Map<string, string[]>;
  /** The endpoints traffic can reach now (UDP conntrack cleanup). */
  reachable: EndpointInfo[];
}

const q = (s: string): string => `"${s}"`;
const dst = (sp: ServicePortInfo, ip: string, port: number): string => `-m ${sp.protocol} -p ${sp.protocol} -d ${ip} --dport ${port}`;

interface Ctx {
  sp: ServicePortInfo;
  o: ServiceRuleOptions;
  out: ServicePortRules;
}

const rule = (c: Ctx, chain: string, args: string): void => {
  const list = c.out.chains.get(chain);
  if (!list) throw new Error(`iptables: chain ${chain} written before it was declared`);
  list.push(`-A ${chain} ${args}`);
};
const comment = (c: Ctx, text: string): string => (c.o.largeCluster ? '' : `-m comment --comment ${text} `);

/** `-A svcChain` rules: affinity checks, then the statistic split over `eps` (writeServiceToEndpointRules). */
function writeServiceToEndpointRules(c: Ctx, chain: string, eps: readonly EndpointInfo[]): void {
  const { sp } = c;
  if (sp.stickyMaxAgeSeconds > 0) {
    for (const ep of eps) {
      const sep = names.endpointChain(sp, ep.endpoint);
      rule(c, chain, `${comment(c, q(`${sp.spn} -> ${ep.endpoint}`))}-m recent --name ${sep} --rcheck --seconds ${sp.stickyMaxAgeSeconds} --reap -j ${sep}`);
    }
  }
  eps.forEach((ep, i) => {
    const stat = i < eps.length - 1 ? `-m statistic --mode random --probability ${names.probability(eps.length - i)} ` : '';
    rule(c, chain, `${comment(c, q(`${sp.spn} -> ${ep.endpoint}`))}${stat}-j ${names.endpointChain(sp, ep.endpoint)}`);
  });
}

function writeEndpointChain(c: Ctx, ep: EndpointInfo): void {
  const { sp } = c;
  const sep = names.endpointChain(sp, ep.endpoint);
  c.out.chains.set(sep, []);
  rule(c, sep, `${comment(c, sp.spn)}-s ${ep.ip} -j ${names.KUBE_MARK_MASQ}`); // hairpin
  const recent = sp.stickyMaxAgeSeconds > 0 ? `-m recent --name ${sep} --set ` : '';
  rule(c, sep, `${comment(c, sp.spn)}${recent}-m ${sp.protocol} -p ${sp.protocol} -j DNAT --to-destination ${ep.endpoint}`);
}

/** KUBE-EXT-h: masquerade (Cluster) or the Local short-circuits, then the policy chain. */
function writeExternalChain(c: Ctx, hasExternalEndpoints: boolean): void {
  const { sp, o } = c;
  const ext = names.externalChain(sp);
  const svc = names.clusterPolicyChain(sp);
  c.out.chains.set(ext, []);
  if (!sp.externalPolicyLocal) {
    rule(c, ext, `-m comment --comment ${q(`masquerade traffic for ${sp.spn} external destinations`)} -j ${names.KUBE_MARK_MASQ}`);
  } else {
    rule(c, ext, `-m comment --comment ${q(`pod traffic for ${sp.spn} external destinations`)} -s ${o.clusterCIDR} -j ${svc}`);
    rule(c, ext, `-m comment --comment ${q(`masquerade LOCAL traffic for ${sp.spn} external destinations`)} -m addrtype --src-type LOCAL -j ${names.KUBE_MARK_MASQ}`);
    rule(c, ext, `-m comment --comment ${q(`route LOCAL traffic for ${sp.spn} external destinations`)} -m addrtype --src-type LOCAL -j ${svc}`);
  }
  if (hasExternalEndpoints) rule(c, ext, `-j ${sp.externalPolicyLocal ? names.localPolicyChain(sp) : svc}`);
}

/** KUBE-FW-h: one accept per source range (and the LB IPs when a range holds the node IP). */
function writeFirewallChain(c: Ctx, cidrContains: (cidr: string, ip: string) => boolean): void {
  const { sp, o } = c;
  const fw = names.firewallChain(sp);
  const ext = names.externalChain(sp);
  c.out.chains.set(fw, []);
  const head = `-m comment --comment ${q(`${sp.spn} loadbalancer IP`)}`;
  for (const cidr of sp.loadBalancerSourceRanges) rule(c, fw, `${head} -s ${cidr} -j ${ext}`);
  if (sp.loadBalancerSourceRanges.some((cidr) => cidrContains(cidr, o.nodeIP))) {
    for (const lb of sp.loadBalancerIPs) rule(c, fw, `${head} -s ${lb} -j ${ext}`);
  }
  rule(c, fw, `-m comment --comment ${q(`other traffic to ${sp.spn} will be dropped by KUBE-PROXY-FIREWALL`)}`);
}

export interface EndpointSets {
  cluster: EndpointInfo[];
  local: EndpointInfo[];
  hasEndpoints: boolean;
  hasInternal: boolean;
  hasExternal: boolean;
  usesCluster: boolean;
  usesLocal: boolean;
}

/** Which endpoints each policy uses (topology.go CategorizeEndpoints + UsesCluster/LocalEndpoints). */
export function endpointSets(sp: ServicePortInfo, eps: readonly EndpointInfo[]): EndpointSets {
  const { clusterEndpoints, localEndpoints, hasAnyEndpoints } = categorizeEndpoints(eps);
  const external = externallyAccessible(sp);
  // Even with externalTrafficPolicy Local the cluster chain serves the pod short-circuit.
  const usesCluster = !sp.internalPolicyLocal || external;
  const usesLocal = sp.internalPolicyLocal || (external && sp.externalPolicyLocal);
  const cluster = usesCluster ? clusterEndpoints : [];
  const local = usesLocal ? localEndpoints : [];
  return {
    cluster,
    local,
    hasEndpoints: hasAnyEndpoints,
    hasInternal: (sp.internalPolicyLocal ? local : cluster).length > 0,
    hasExternal: (sp.externalPolicyLocal ? local : cluster).length > 0,
    usesCluster: cluster.length > 0,
    usesLocal: local.length > 0,
  };
}

export const externallyAccessible = (sp: ServicePortInfo): boolean =>
  sp.nodePort !== 0 || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;

export { type Ctx as ServiceRuleContext, writeServiceToEndpointRules, writeEndpointChain, writeExternalChain, writeFirewallChain, rule, q, dst };
