/**
 * syncProxyRules: the whole desired `ip kube-proxy` table for a set of service ports and their
 * endpoints, as one Transaction (pkg/proxy/nftables/proxier.go syncProxyRules). Pure: no kernel
 * access; `existing` names what the kernel holds so stale service chains and affinity sets are
 * deleted.
 */
import {
  MARK_FOR_MASQUERADE, NO_ENDPOINT_NODEPORTS_MAP, NO_ENDPOINT_SERVICES_MAP, REJECT_CHAIN, CLUSTER_IPS_SET,
  SERVICE_IPS_MAP, SERVICE_NODEPORTS_MAP, TABLE_NAME, writeBaseRules,
} from './base-rules.js';
import {
  affinitySetName, endpointChainName, externalChainName, isAffinitySetName, isServiceChainName, localChainName, serviceChainName,
} from './chain-names.js';
import { categorizeEndpoints, endpointsKey, type EndpointInfo, type EndpointsMap } from './endpoints.js';
import type { ServicePortInfo } from './service-port.js';
import { Transaction } from './transaction.js';

export interface ProxyState {
  servicePorts: readonly ServicePortInfo[];
  endpoints: EndpointsMap;
  nodeIP: string;
  /** Pod traffic comes from here (the local-traffic detector); other sources are masqueraded. */
  clusterCIDR: string;
  /** Traffic to unallocated IPs in this range is dropped. */
  serviceCIDR?: string;
  /** Chains and sets the kernel's table holds now (empty on a fresh node). */
  existing?: { chains: readonly string[]; sets: readonly string[] };
}

/** What one sync decided, besides the transaction: used for conntrack cleanup and status. */
export interface SyncResult {
  tx: Transaction;
  /** Per service port (by endpointsKey): the endpoints traffic can be sent to now. */
  reachable: Map<string, EndpointInfo[]>;
}

const REJECT = `goto ${REJECT_CHAIN}`;

interface PortPlan {
  internalChain: string;
  externalChain: string;
  usesCluster: boolean;
  usesLocal: boolean;
  hasInternal: boolean;
  hasExternal: boolean;
  internalVerdict: string;
  externalVerdict: string;
  clusterEndpoints: EndpointInfo[];
  localEndpoints: EndpointInfo[];
}

const externallyAccessible = (sp: ServicePortInfo): boolean =>
  sp.nodePort > 0 || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;

function planPort(sp: ServicePortInfo, eps: readonly EndpointInfo[]): PortPlan {
  const { clusterEndpoints, localEndpoints, hasAnyEndpoints } = categorizeEndpoints(eps);
  const ext = externallyAccessible(sp);
  // With eTP=Local, pod and host traffic to external IPs is short-circuited to cluster endpoints.
  const usesCluster = clusterEndpoints.length > 0 && (!sp.internalPolicyLocal || ext);
  const usesLocal = localEndpoints.length > 0 && (sp.internalPolicyLocal || sp.externalPolicyLocal);
  const hasInternal = sp.internalPolicyLocal ? localEndpoints.length > 0 : clusterEndpoints.length > 0;
  const hasExternal = sp.externalPolicyLocal ? localEndpoints.length > 0 : clusterEndpoints.length > 0;
  return {
    internalChain: sp.internalPolicyLocal ? localChainName(sp) : serviceChainName(sp),
    externalChain: externalChainName(sp),
    usesCluster,
    usesLocal,
    hasInternal,
    hasExternal: hasExternal && ext,
    // Drop rather than reject only when endpoints exist elsewhere but none is usable here.
    internalVerdict: hasAnyEndpoints ? 'drop' : REJECT,
    externalVerdict: hasAnyEndpoints ? 'drop' : REJECT,
    clusterEndpoints,
    localEndpoints,
  };
}

/** Builds the full-sync transaction for `state`. */
export function syncProxyRules(state: ProxyState): SyncResult {
  const tx = new Transaction('ip', TABLE_NAME);
  writeBaseRules(tx, { nodeIP: state.nodeIP, serviceCIDR: state.serviceCIDR });
  const activeChains = new Set<string>();
  const activeSets = new Set<string>();
  const reachable = new Map<string, EndpointInfo[]>();
  for (const sp of state.servicePorts) {
    const plan = planPort(sp, state.endpoints.get(endpointsKey(sp)) ?? []);
    const eps = writeServicePort(tx, sp, plan, state.clusterCIDR, activeChains, activeSets);
    reachable.set(endpointsKey(sp), eps);
  }
  for (const chain of state.existing?.chains ?? []) {
    if (isServiceChainName(chain) && !activeChains.has(chain)) tx.flush({ kind: 'chain', name: chain }).delete({ kind: 'chain', name: chain });
  }
  for (const set of state.existing?.sets ?? []) {
    if (isAffinitySetName(set) && !activeSets.has(set)) tx.delete({ kind: 'set', name: set });
  }
  return { tx, reachable };
}

function declareChain(tx: Transaction, name: string, active: Set<string>): void {
  tx.add({ kind: 'chain', name }).flush({ kind: 'chain', name });
  active.add(name);
}

/** Writes one service port's chains, rules and map elements; returns its reachable endpoints. */
function writeServicePort(
  tx: Transaction, sp: ServicePortInfo, plan: PortPlan, clusterCIDR: string, chains: Set<string>, sets: Set<string>,
): EndpointInfo[] {
  const reachable = new Map<string, EndpointInfo>();
  if (plan.usesCluster) for (const ep of plan.clusterEndpoints) reachable.set(ep.endpoint, ep);
  if (plan.usesLocal) for (const ep of plan.localEndpoints) reachable.set(ep.endpoint, ep);
  const eps = [...reachable.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : 1));
  for (const ep of eps) writeEndpointChain(tx, sp, ep, chains, sets);
  if (plan.usesCluster) writePolicyChain(tx, sp, serviceChainName(sp), plan.clusterEndpoints, clusterCIDR, chains);
  if (plan.usesLocal) writePolicyChain(tx, sp, localChainName(sp), plan.localEndpoints, clusterCIDR, chains);
  if (plan.hasExternal) writeExternalChain(tx, sp, plan, clusterCIDR, chains);
  writeElements(tx, sp, plan);
  return eps;
}

function writeEndpointChain(tx: Transaction, sp: ServicePortInfo, ep: EndpointInfo, chains: Set<string>, sets: Set<string>): void {
  const chain = endpointChainName(sp, ep.ip, ep.port);
  declareChain(tx, chain, chains);
  const rules = [`ip saddr ${ep.ip} jump ${MARK_FOR_MASQUERADE}`];
  if (sp.stickyMaxAgeSeconds > 0) {
    const set = affinitySetName(sp, ep.ip, ep.port);
    tx.add({ kind: 'set', name: set, type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeoutSeconds: sp.stickyMaxAgeSeconds });
    sets.add(set);
    rules.push(`update @${set} { ip saddr }`);
  }
  rules.push(`meta l4proto ${sp.protocol} dnat to ${ep.endpoint}`);
  for (const rule of rules) tx.add({ kind: 'rule', chain, rule });
}

/** `service-*` / `local-*`: masquerade off-cluster sources, affinity, then random choice. */
function writePolicyChain(
  tx: Transaction, sp: ServicePortInfo, chain: string, eps: readonly EndpointInfo[], clusterCIDR: string, chains: Set<string>,
): void {
  declareChain(tx, chain, chains);
  tx.add({ kind: 'rule', chain, rule: `ip daddr ${sp.clusterIP} ip saddr != ${clusterCIDR} jump ${MARK_FOR_MASQUERADE}` });
  const targets = eps.map((ep) => endpointChainName(sp, ep.ip, ep.port));
  if (sp.stickyMaxAgeSeconds > 0) {
    eps.forEach((ep, i) => tx.add({ kind: 'rule', chain, rule: `ip saddr @${affinitySetName(sp, ep.ip, ep.port)} goto ${targets[i]}` }));
  }
  const vmap = targets.map((t, i) => `${i} : goto ${t}`).join(' , ');
  tx.add({ kind: 'rule', chain, rule: `numgen random mod ${targets.length} vmap { ${vmap} }` });
}

/** `external-*`: NodePort, external IP and load-balancer traffic (eTP semantics). */
function writeExternalChain(tx: Transaction, sp: ServicePortInfo, plan: PortPlan, clusterCIDR: string, chains: Set<string>): void {
  const chain = plan.externalChain;
  declareChain(tx, chain, chains);
  const cluster = serviceChainName(sp);
  if (!sp.externalPolicyLocal) {
    tx.add({ kind: 'rule', chain, rule: `jump ${MARK_FOR_MASQUERADE}` });
    tx.add({ kind: 'rule', chain, rule: `goto ${cluster}` });
    return;
  }
  if (plan.usesCluster) {
    tx.add({ kind: 'rule', chain, rule: `ip saddr ${clusterCIDR} goto ${cluster}`, comment: 'short-circuit pod traffic' });
    tx.add({ kind: 'rule', chain, rule: `fib saddr type local jump ${MARK_FOR_MASQUERADE}`, comment: 'masquerade local traffic' });
    tx.add({ kind: 'rule', chain, rule: `fib saddr type local goto ${cluster}`, comment: 'short-circuit local traffic' });
  }
  tx.add({ kind: 'rule', chain, rule: `goto ${localChainName(sp)}` });
}

function writeElements(tx: Transaction, sp: ServicePortInfo, plan: PortPlan): void {
  const p = sp.protocol;
  const port = String(sp.port);
  tx.add({ kind: 'element', set: CLUSTER_IPS_SET, key: [sp.clusterIP] });
  if (plan.hasInternal) tx.add({ kind: 'element', set: SERVICE_IPS_MAP, key: [sp.clusterIP, p, port], value: [`goto ${plan.internalChain}`] });
  else tx.add({ kind: 'element', set: NO_ENDPOINT_SERVICES_MAP, key: [sp.clusterIP, p, port], value: [plan.internalVerdict], comment: sp.spn });
  for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
    if (plan.hasExternal) tx.add({ kind: 'element', set: SERVICE_IPS_MAP, key: [ip, p, port], value: [`goto ${plan.externalChain}`] });
    else tx.add({ kind: 'element', set: NO_ENDPOINT_SERVICES_MAP, key: [ip, p, port], value: [plan.externalVerdict], comment: sp.spn });
  }
  if (sp.nodePort > 0) {
    const key = [p, String(sp.nodePort)];
    if (plan.hasExternal) tx.add({ kind: 'element', set: SERVICE_NODEPORTS_MAP, key, value: [`goto ${plan.externalChain}`] });
    else tx.add({ kind: 'element', set: NO_ENDPOINT_NODEPORTS_MAP, key, value: [plan.externalVerdict], comment: sp.spn });
  }
}
