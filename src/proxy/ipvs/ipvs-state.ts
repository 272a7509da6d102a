/**
 * What kube-proxy's IPVS mode programs for a set of services (pkg/proxy/ipvs/proxier.go,
 * syncProxyRules): one virtual server per ClusterIP, external IP, load-balancer IP and (per node
 * address) NodePort, each with the service port's endpoints as real servers; the addresses bound
 * to the kube-ipvs0 dummy device; and the ipset entries its iptables rules match. Pure.
 */
import type { Service } from '../../api/types.js';
import { categorizeEndpoints, endpointsKey, type EndpointInfo, type EndpointsMap } from '../endpoints.js';
import { cidrContains, servicePortsOf, type ServicePortInfo } from '../service-port.js';
import {
  emptyIpsetEntries, ipPortEntry, KUBE_CLUSTER_IP, KUBE_EXTERNAL_IP, KUBE_EXTERNAL_IP_LOCAL, KUBE_HEALTH_CHECK_NODE_PORT,
  KUBE_IPVS_IPS, KUBE_LOAD_BALANCER, KUBE_LOAD_BALANCER_FW, KUBE_LOAD_BALANCER_LOCAL, KUBE_LOAD_BALANCER_SOURCE_CIDR,
  KUBE_LOAD_BALANCER_SOURCE_IP, KUBE_LOOP_BACK, NODE_PORT_SETS, type IpsetEntries,
} from './ipsets.js';

export const DUMMY_DEVICE = 'kube-ipvs0';
export const DEFAULT_SCHEDULER = 'rr';

export interface RealServer { ip: string; port: number; weight: number }
export interface VirtualServer {
  protocol: string;
  address: string;
  port: number;
  scheduler: string;
  /** ClientIP affinity: persistence timeout in seconds. */
  persistenceTimeout?: number;
  realServers: RealServer[];
  /** ServicePortName.String() of the service port it serves. */
  spn: string;
}

export interface IpvsState {
  virtualServers: VirtualServer[];
  /** Addresses bound (as /32) to kube-ipvs0. */
  dummyAddresses: string[];
  ipsets: IpsetEntries;
  /** LB IP:port:proto whose source ranges leave the node out (KUBE-IPVS-OUT-FILTER drops). */
  lbNoNodeAccess: { ip: string; protocol: string; port: number }[];
}

export interface IpvsNodeOptions {
  nodeIP: string;
  /** --nodeport-addresses CIDRs; default: the node IP (the only node address known offline). */
  nodePortAddresses?: readonly string[];
  scheduler?: string;
}

/** Node addresses NodePort virtual servers are made on (loopback never, as upstream). */
export function nodePortAddressesOf(opts: IpvsNodeOptions): string[] {
  const cidrs = opts.nodePortAddresses;
  if (!cidrs || cidrs.some((c) => c === '0.0.0.0/0')) return [opts.nodeIP];
  return cidrs.some((c) => !c.startsWith('127.') && cidrContains(c, opts.nodeIP)) ? [opts.nodeIP] : [];
}

/**
 * syncEndpoint: Local policy uses local endpoints, or all cluster endpoints when there is none
 * (upstream PR #97081, unlike iptables/nftables which drop). Weight 1; a serving+terminating
 * endpoint not in use is shown at weight 0, as the graceful-termination manager leaves an
 * existing real server until its connections end.
 */
export function realServersFor(eps: readonly EndpointInfo[], onlyLocal: boolean): RealServer[] {
  const { clusterEndpoints, localEndpoints } = categorizeEndpoints(eps);
  const used = onlyLocal && localEndpoints.length > 0 ? localEndpoints : clusterEndpoints;
  const chosen = new Set(used.map((e) => e.endpoint));
  const draining = eps.filter((e) => e.terminating && !chosen.has(e.endpoint) && (!onlyLocal || localEndpoints.length === 0 || e.isLocal));
  return [
    ...used.map((e) => ({ ip: e.ip, port: e.port, weight: 1 })),
    ...draining.map((e) => ({ ip: e.ip, port: e.port, weight: 0 })),
  ].sort((a, b) => (`${a.ip}:${a.port}` < `${b.ip}:${b.port}` ? -1 : 1));
}

function virtualServer(sp: ServicePortInfo, address: string, port: number, rs: RealServer[], scheduler: string): VirtualServer {
  const vs: VirtualServer = { protocol: sp.protocol, address, port, scheduler, realServers: rs, spn: sp.spn };
  if (sp.stickyMaxAgeSeconds > 0) vs.persistenceTimeout = sp.stickyMaxAgeSeconds;
  return vs;
}

/** The IPVS state for `services` and their endpoints on one node. */
export function buildIpvsState(services: readonly Service[], endpoints: EndpointsMap, opts: IpvsNodeOptions): IpvsState {
  const out: IpvsState = { virtualServers: [], dummyAddresses: [], ipsets: emptyIpsetEntries(), lbNoNodeAccess: [] };
  const nodeIPs = nodePortAddressesOf(opts);
  const bound = new Set<string>();
  for (const sp of services.flatMap(servicePortsOf)) {
    addServicePort(out, sp, endpoints.get(endpointsKey(sp)) ?? [], { ...opts, nodeIPs, bound });
    // Set only for LoadBalancer + externalTrafficPolicy Local (serviceport.go).
    if (sp.healthCheckNodePort) out.ipsets.get(KUBE_HEALTH_CHECK_NODE_PORT)!.add(String(sp.healthCheckNodePort));
  }
  out.dummyAddresses = [...bound].sort();
  for (const ip of bound) out.ipsets.get(KUBE_IPVS_IPS)!.add(ip);
  out.virtualServers.sort((a, b) => `${a.spn} ${a.address}:${a.port}`.localeCompare(`${b.spn} ${b.address}:${b.port}`));
  return out;
}

interface Ctx extends IpvsNodeOptions { nodeIPs: string[]; bound: Set<string> }

function addServicePort(out: IpvsState, sp: ServicePortInfo, eps: readonly EndpointInfo[], ctx: Ctx): void {
  const sched = ctx.scheduler ?? DEFAULT_SCHEDULER;
  const set = (name: string, entry: string) => out.ipsets.get(name)!.add(entry);
  const p = sp.protocol;
  // Hairpin: a local endpoint reaching itself through the service is masqueraded.
  for (const e of eps) if (e.isLocal) set(KUBE_LOOP_BACK, `${e.ip},${p}:${e.port},${e.ip}`);
  set(KUBE_CLUSTER_IP, ipPortEntry(sp.clusterIP, p, sp.port));
  out.virtualServers.push(virtualServer(sp, sp.clusterIP, sp.port, realServersFor(eps, sp.internalPolicyLocal), sched));
  ctx.bound.add(sp.clusterIP);
  const external = realServersFor(eps, sp.externalPolicyLocal);
  for (const ip of sp.externalIPs) {
    set(sp.externalPolicyLocal ? KUBE_EXTERNAL_IP_LOCAL : KUBE_EXTERNAL_IP, ipPortEntry(ip, p, sp.port));
    out.virtualServers.push(virtualServer(sp, ip, sp.port, external, sched));
    if (ip !== ctx.nodeIP) ctx.bound.add(ip); // never bound when it is a node address
  }
  for (const ip of sp.loadBalancerIPs) addLoadBalancerIP(out, sp, ip, ctx);
  for (const ip of sp.loadBalancerIPs) {
    out.virtualServers.push(virtualServer(sp, ip, sp.port, external, sched));
    if (ip !== ctx.nodeIP) ctx.bound.add(ip);
  }
  if (sp.nodePort > 0 && ctx.nodeIPs.length > 0) {
    const sets = NODE_PORT_SETS[p];
    const entries = p === 'sctp' ? ctx.nodeIPs.map((ip) => ipPortEntry(ip, p, sp.nodePort)) : [String(sp.nodePort)];
    for (const e of entries) set(sets.all, e);
    if (sp.externalPolicyLocal) for (const e of entries) set(sets.local, e);
    for (const ip of ctx.nodeIPs) out.virtualServers.push(virtualServer(sp, ip, sp.nodePort, external, sched));
  }
}

function addLoadBalancerIP(out: IpvsState, sp: ServicePortInfo, ip: string, ctx: Ctx): void {
  const entry = ipPortEntry(ip, sp.protocol, sp.port);
  out.ipsets.get(KUBE_LOAD_BALANCER)!.add(entry);
  if (sp.externalPolicyLocal) out.ipsets.get(KUBE_LOAD_BALANCER_LOCAL)!.add(entry);
  if (sp.loadBalancerSourceRanges.length === 0) return;
  out.ipsets.get(KUBE_LOAD_BALANCER_FW)!.add(entry);
  for (const cidr of sp.loadBalancerSourceRanges) out.ipsets.get(KUBE_LOAD_BALANCER_SOURCE_CIDR)!.add(`${entry},${cidr}`);
  if (sp.loadBalancerSourceRanges.some((c) => cidrContains(c, ctx.nodeIP))) out.ipsets.get(KUBE_LOAD_BALANCER_SOURCE_IP)!.add(`${entry},${ip}`);
  else out.lbNoNodeAccess.push({ ip, protocol: sp.protocol, port: sp.port });
}
