/**
 * Per-service-port rules of the nftables proxier (pkg/proxy/nftables/proxier.go, the loop over
 * service ports): which endpoints a port uses under its traffic policies, its `service-*`,
 * `local-*`, `external-*` and `endpoint-*` chains, affinity sets and map elements. Pure: it
 * fills a DesiredState that a full or a partial sync turns into a transaction.
 */
import {
  CLUSTER_IPS_SET, FIREWALL_IPS_MAP, MARK_FOR_MASQUERADE, NO_ENDPOINT_NODEPORTS_MAP, NO_ENDPOINT_SERVICES_MAP, REJECT_CHAIN,
  SERVICE_IPS_MAP, SERVICE_NODEPORTS_MAP,
} from './base-rules.js';
import { affinitySetName, endpointChainName, externalChainName, firewallChainName, localChainName, serviceChainName } from './chain-names.js';
import { categorizeEndpoints, type EndpointInfo } from './endpoints.js';
import { cidrContains, type ServicePortInfo } from './service-port.js';
import type { ElementObj, SetObj } from './transaction.js';

/** Everything the per-service part of the table should hold. */
export interface DesiredState {
  /** Service and endpoint chains with their rules, endpoint chains before the chains using them. */
  chains: Map<string, string[]>;
  /** ClientIP affinity sets (never flushed: they hold the affinity state). */
  affinitySets: Map<string, SetObj>;
  /** Elements of the base sets and maps, keyed by `elementKey`. */
  elements: Map<string, ElementObj>;
  /** Per service port (endpointsKey): the endpoints traffic can go to. */
  reachable: Map<string, EndpointInfo[]>;
}

export const emptyDesiredState = (): DesiredState => ({ chains: new Map(), affinitySets: new Map(), elements: new Map(), reachable: new Map() });

/** An element's identity inside its set or map (a changed value is a different element). */
export const elementKey = (e: ElementObj): string => `${e.set} { ${e.key.join(' . ')} }`;

const REJECT = `goto ${REJECT_CHAIN}`;

interface PortPlan {
  internalChain: string;
  externalChain: string;
  usesCluster: boolean;
  usesLocal: boolean;
  hasInternal: boolean;
  hasExternal: boolean;
  /** Verdict without usable endpoints: drop only when endpoints exist but none fits the policy. */
  noEndpointsVerdict: string;
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
  const hasExternal = (sp.externalPolicyLocal ? localEndpoints.length : clusterEndpoints.length) > 0;
  return {
    internalChain: sp.internalPolicyLocal ? localChainName(sp) : serviceChainName(sp),
    externalChain: externalChainName(sp),
    usesCluster,
    usesLocal,
    hasInternal: (sp.internalPolicyLocal ? localEndpoints.length : clusterEndpoints.length) > 0,
    hasExternal: hasExternal && ext,
    noEndpointsVerdict: hasAnyEndpoints ? 'drop' : REJECT,
    clusterEndpoints,
    localEndpoints,
  };
}

export interface NodeContext {
  nodeIP: string;
  clusterCIDR: string;
}

/** Adds one service port's chains, sets and elements to `out`. */
export function addServicePort(out: DesiredState, sp: ServicePortInfo, eps: readonly EndpointInfo[], node: NodeContext, key: string): void {
  const { clusterCIDR } = node;
  const plan = planPort(sp, eps);
  const reachable = new Map<string, EndpointInfo>();
  if (plan.usesCluster) for (const ep of plan.clusterEndpoints) reachable.set(ep.endpoint, ep);
  if (plan.usesLocal) for (const ep of plan.localEndpoints) reachable.set(ep.endpoint, ep);
  const sorted = [...reachable.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : 1));
  out.reachable.set(key, sorted);
  for (const ep of sorted) addEndpointChain(out, sp, ep);
  if (plan.usesCluster) addPolicyChain(out, sp, serviceChainName(sp), plan.clusterEndpoints, clusterCIDR);
  if (plan.usesLocal) addPolicyChain(out, sp, localChainName(sp), plan.localEndpoints, clusterCIDR);
  if (plan.hasExternal) addExternalChain(out, sp, plan, clusterCIDR);
  if (plan.hasExternal) addFirewall(out, sp, node.nodeIP);
  addElements(out, sp, plan);
}

/**
 * loadBalancerSourceRanges: LB IPs go through `firewall-*` before DNAT, which drops other
 * sources. If a range holds the node IP, the LB IPs are allowed too (hairpin through the LB).
 */
function addFirewall(out: DesiredState, sp: ServicePortInfo, nodeIP: string): void {
  if (sp.loadBalancerIPs.length === 0 || sp.loadBalancerSourceRanges.length === 0) return;
  const chain = firewallChainName(sp);
  const allowed = [...sp.loadBalancerSourceRanges];
  if (allowed.some((r) => cidrContains(r, nodeIP))) allowed.push(...sp.loadBalancerIPs);
  out.chains.set(chain, [`ip saddr != { ${allowed.join(', ')} } drop`]);
  for (const ip of sp.loadBalancerIPs) put(out, { kind: 'element', set: FIREWALL_IPS_MAP, key: [ip, sp.protocol, String(sp.port)], value: [`goto ${chain}`] });
}

function addEndpointChain(out: DesiredState, sp: ServicePortInfo, ep: EndpointInfo): void {
  const rules = [`ip saddr ${ep.ip} jump ${MARK_FOR_MASQUERADE}`];
  if (sp.stickyMaxAgeSeconds > 0) {
    const set = affinitySetName(sp, ep.ip, ep.port);
    out.affinitySets.set(set, { kind: 'set', name: set, type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeoutSeconds: sp.stickyMaxAgeSeconds });
    rules.push(`update @${set} { ip saddr }`);
  }
  rules.push(`meta l4proto ${sp.protocol} dnat to ${ep.endpoint}`);
  out.chains.set(endpointChainName(sp, ep.ip, ep.port), rules);
}

/** `service-*` / `local-*`: masquerade off-cluster sources, affinity, then a random endpoint. */
function addPolicyChain(out: DesiredState, sp: ServicePortInfo, chain: string, eps: readonly EndpointInfo[], clusterCIDR: string): void {
  const rules = [`ip daddr ${sp.clusterIP} ip saddr != ${clusterCIDR} jump ${MARK_FOR_MASQUERADE}`];
  const targets = eps.map((ep) => endpointChainName(sp, ep.ip, ep.port));
  if (sp.stickyMaxAgeSeconds > 0) eps.forEach((ep, i) => rules.push(`ip saddr @${affinitySetName(sp, ep.ip, ep.port)} goto ${targets[i]}`));
  rules.push(`numgen random mod ${targets.length} vmap { ${targets.map((t, i) => `${i} : goto ${t}`).join(' , ')} }`);
  out.chains.set(chain, rules);
}

/** `external-*`: NodePort, external IP and load-balancer traffic, with eTP semantics. */
function addExternalChain(out: DesiredState, sp: ServicePortInfo, plan: PortPlan, clusterCIDR: string): void {
  const cluster = serviceChainName(sp);
  const rules: string[] = [];
  if (!sp.externalPolicyLocal) {
    rules.push(`jump ${MARK_FOR_MASQUERADE}`, `goto ${cluster}`);
  } else {
    if (plan.usesCluster) {
      rules.push(
        `ip saddr ${clusterCIDR} goto ${cluster} comment "short-circuit pod traffic"`,
        `fib saddr type local jump ${MARK_FOR_MASQUERADE} comment "masquerade local traffic"`,
        `fib saddr type local goto ${cluster} comment "short-circuit local traffic"`,
      );
    }
    rules.push(`goto ${localChainName(sp)}`);
  }
  out.chains.set(plan.externalChain, rules);
}

function put(out: DesiredState, e: ElementObj): void {
  out.elements.set(elementKey(e), e);
}

function addElements(out: DesiredState, sp: ServicePortInfo, plan: PortPlan): void {
  const p = sp.protocol;
  const port = String(sp.port);
  put(out, { kind: 'element', set: CLUSTER_IPS_SET, key: [sp.clusterIP] });
  if (plan.hasInternal) put(out, { kind: 'element', set: SERVICE_IPS_MAP, key: [sp.clusterIP, p, port], value: [`goto ${plan.internalChain}`] });
  else put(out, { kind: 'element', set: NO_ENDPOINT_SERVICES_MAP, key: [sp.clusterIP, p, port], value: [plan.noEndpointsVerdict], comment: sp.spn });
  for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
    if (plan.hasExternal) put(out, { kind: 'element', set: SERVICE_IPS_MAP, key: [ip, p, port], value: [`goto ${plan.externalChain}`] });
    else put(out, { kind: 'element', set: NO_ENDPOINT_SERVICES_MAP, key: [ip, p, port], value: [plan.noEndpointsVerdict], comment: sp.spn });
  }
  if (sp.nodePort > 0) {
    const key = [p, String(sp.nodePort)];
    if (plan.hasExternal) put(out, { kind: 'element', set: SERVICE_NODEPORTS_MAP, key, value: [`goto ${plan.externalChain}`] });
    else put(out, { kind: 'element', set: NO_ENDPOINT_NODEPORTS_MAP, key, value: [plan.noEndpointsVerdict], comment: sp.spn });
  }
}
