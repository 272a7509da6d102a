/**
 * buildServicePortRules: everything one service port contributes to the restore input, in the
 * order kube-proxy's iptables proxier writes it (ClusterIP, external IPs, load-balancer IPs,
 * NodePort, then the EXT, FW, SVC, SVL and SEP chains).
 */
import type { EndpointInfo } from '../endpoints.js';
import { cidrContains, type ServicePortInfo } from '../service-port.js';
import * as names from './chain-names.js';
import {
  dst, endpointSets, externallyAccessible, q, writeEndpointChain, writeExternalChain, writeFirewallChain,
  writeServiceToEndpointRules, type EndpointSets, type ServicePortRules, type ServiceRuleContext, type ServiceRuleOptions,
} from './service-chains.js';

interface FilterTargets { internal: [string, string]; external: [string, string] }

/** REJECT when nothing serves the port at all, DROP when only the Local policy lacks endpoints. */
function filterTargets(sp: ServicePortInfo, s: EndpointSets): FilterTargets {
  if (!s.hasEndpoints) {
    const reject: [string, string] = ['REJECT', q(`${sp.spn} has no endpoints`)];
    return { internal: reject, external: reject };
  }
  const drop: [string, string] = ['DROP', q(`${sp.spn} has no local endpoints`)];
  return { internal: drop, external: drop };
}

/** Rules in KUBE-SERVICES, KUBE-NODEPORTS (nat) and the filter chains. */
function writeSharedRules(c: ServiceRuleContext, s: EndpointSets, usesFW: boolean): void {
  const { sp, out } = c;
  const t = filterTargets(sp, s);
  const internalChain = sp.internalPolicyLocal ? names.localPolicyChain(sp) : names.clusterPolicyChain(sp);
  const ext = names.externalChain(sp);
  if (s.hasInternal) {
    out.natShared.push(`-A ${names.KUBE_SERVICES} -m comment --comment ${q(`${sp.spn} cluster IP`)} ${dst(sp, sp.clusterIP, sp.port)} -j ${internalChain}`);
  } else {
    out.filterShared.push(`-A ${names.KUBE_SERVICES} -m comment --comment ${t.internal[1]} ${dst(sp, sp.clusterIP, sp.port)} -j ${t.internal[0]}`);
  }
  const externalReject = (match: string) =>
    out.filterShared.push(`-A ${names.KUBE_EXTERNAL_SERVICES} -m comment --comment ${t.external[1]} ${match} -j ${t.external[0]}`);
  for (const eip of sp.externalIPs) {
    if (s.hasEndpoints) out.natShared.push(`-A ${names.KUBE_SERVICES} -m comment --comment ${q(`${sp.spn} external IP`)} ${dst(sp, eip, sp.port)} -j ${ext}`);
    if (!s.hasExternal) externalReject(dst(sp, eip, sp.port));
  }
  const lbTarget = usesFW ? names.firewallChain(sp) : ext;
  for (const lb of sp.loadBalancerIPs) {
    if (s.hasEndpoints) out.natShared.push(`-A ${names.KUBE_SERVICES} -m comment --comment ${q(`${sp.spn} loadbalancer IP`)} ${dst(sp, lb, sp.port)} -j ${lbTarget}`);
    if (usesFW) {
      out.filterShared.push(`-A ${names.KUBE_PROXY_FIREWALL} -m comment --comment ${q(`${sp.spn} traffic not accepted by ${names.firewallChain(sp)}`)} ${dst(sp, lb, sp.port)} -j DROP`);
    }
  }
  if (!s.hasExternal) for (const lb of sp.loadBalancerIPs) externalReject(dst(sp, lb, sp.port));
  if (sp.nodePort !== 0) {
    // NodePorts are not subject to loadBalancerSourceRanges (upstream keeps it that way).
    if (s.hasEndpoints) out.natShared.push(`-A ${names.KUBE_NODEPORTS} -m comment --comment ${sp.spn} -m ${sp.protocol} -p ${sp.protocol} --dport ${sp.nodePort} -j ${ext}`);
    if (!s.hasExternal) externalReject(`-m addrtype --dst-type LOCAL -m ${sp.protocol} -p ${sp.protocol} --dport ${sp.nodePort}`);
  }
  if (sp.healthCheckNodePort) {
    out.filterShared.push(`-A ${names.KUBE_NODEPORTS} -m comment --comment ${q(`${sp.spn} health check node port`)} -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);
  }
}

/** The port's own nat chains. */
function writeServiceChains(c: ServiceRuleContext, s: EndpointSets, usesFW: boolean): void {
  const { sp, o, out } = c;
  if (s.hasInternal) {
    const chain = sp.internalPolicyLocal ? names.localPolicyChain(sp) : names.clusterPolicyChain(sp);
    const args = `-m comment --comment ${q(`${sp.spn} cluster IP`)} ${dst(sp, sp.clusterIP, sp.port)}`;
    // Declared early so the masquerade rule lands first; its endpoint rules follow below.
    out.chains.set(chain, []);
    out.chains.get(chain)!.push(`-A ${chain} ${args}${o.masqueradeAll ? '' : ` ! -s ${o.clusterCIDR}`} -j ${names.KUBE_MARK_MASQ}`);
  }
  const decl = new Map(out.chains);
  out.chains.clear();
  if (s.hasEndpoints && externallyAccessible(sp)) writeExternalChain(c, s.hasExternal);
  if (usesFW) writeFirewallChain(c, cidrContains);
  for (const [policyChain, eps, used] of [
    [names.clusterPolicyChain(sp), s.cluster, s.usesCluster],
    [names.localPolicyChain(sp), s.local, s.usesLocal],
  ] as const) {
    if (!used) continue;
    out.chains.set(policyChain, decl.get(policyChain) ?? []);
    writeServiceToEndpointRules(c, policyChain, eps);
  }
  const seen = new Set<string>();
  for (const ep of [...s.cluster, ...s.local]) {
    if (seen.has(ep.endpoint)) continue;
    seen.add(ep.endpoint);
    writeEndpointChain(c, ep);
  }
}

export function buildServicePortRules(sp: ServicePortInfo, eps: readonly EndpointInfo[], o: ServiceRuleOptions): ServicePortRules {
  const out: ServicePortRules = { natShared: [], filterShared: [], chains: new Map(), reachable: [] };
  const c: ServiceRuleContext = { sp, o, out };
  const s = endpointSets(sp, eps);
  const usesFW = s.hasEndpoints && sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  writeSharedRules(c, s, usesFW);
  writeServiceChains(c, s, usesFW);
  const reachable = new Map([...s.cluster, ...s.local].map((e) => [e.endpoint, e]));
  out.reachable = [...reachable.values()];
  return out;
}
