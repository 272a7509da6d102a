/**
 * The whole iptables state kube-proxy wants (static chains + every service port), and the
 * `iptables-restore --noflush` input that writes it: `*filter ... COMMIT *nat ... COMMIT`.
 * Shared chains are flushed (`:CHAIN - [0:0]`) and rewritten every time; a service port's own
 * chains only when asked to (full sync, or they changed); stale chains are flushed and `-X`ed.
 */
import { endpointsKey, type EndpointInfo, type EndpointsMap } from '../endpoints.js';
import { cidrContains, type ServicePortInfo } from '../service-port.js';
import * as names from './chain-names.js';
import type { ServicePortRules } from './service-chains.js';
import { buildServicePortRules } from './service-port-rules.js';

export interface IptablesOptions {
  nodeIP: string;
  clusterCIDR: string;
  /** Default 14: the mark is 0x4000. */
  masqueradeBit?: number;
  /**
   * NodePorts also answer on 127.0.0.1 (upstream's iptables.localhostNodePorts, default true):
   * needs route_localnet=1 in the node netns and adds KUBE-FIREWALL's martian drop. Off when
   * nodePortAddresses exclude loopback. No nfacct counter rule: this kernel has no nfacct objects.
   */
  localhostNodePorts?: boolean;
  /** nf_conntrack_tcp_be_liberal is set: no INVALID drop (default false). */
  conntrackTCPLiberal?: boolean;
  masqueradeAll?: boolean;
  /** MASQUERADE --random-fully (the kernel supports it; default true). */
  randomFully?: boolean;
  /**
   * --nodeport-addresses CIDRs (default: every local address). Unless one matches everything,
   * NodePorts answer only on the node IP, when a CIDR holds it (offline renders).
   */
  nodePortAddresses?: readonly string[];
}

export interface IptablesState extends IptablesOptions {
  servicePorts: readonly ServicePortInfo[];
  endpoints: EndpointsMap;
}

export interface IptablesRuleset {
  filterChains: string[];
  filterRules: string[];
  natChains: string[];
  /** Static nat rules (KUBE-POSTROUTING, KUBE-MARK-MASQ). */
  natStatic: string[];
  /** Per service port (endpointsKey), in sync order. */
  services: Map<string, ServicePortRules>;
  /** The last rule of nat KUBE-SERVICES. */
  natTail: string[];
  reachable: Map<string, EndpointInfo[]>;
}

const LARGE_CLUSTER_ENDPOINTS = 1000;

function markOf(o: IptablesOptions): string {
  return '0x' + (1 << (o.masqueradeBit ?? 14)).toString(16);
}

/**
 * Whether localhost NodePorts are on: asked for (default true) and nodePortAddresses, if set,
 * hold IPv4 loopback (upstream NewProxier turns them off otherwise).
 */
export function localhostNodePortsEnabled(o: IptablesOptions): boolean {
  const npa = o.nodePortAddresses;
  return o.localhostNodePorts !== false && (!npa || npa.some((c) => cidrContains(c, '127.0.0.1')));
}

function staticRules(o: IptablesOptions, r: IptablesRuleset): void {
  const mark = markOf(o);
  r.natStatic.push(
    `-A ${names.KUBE_POSTROUTING} -m mark ! --mark ${mark}/${mark} -j RETURN`,
    `-A ${names.KUBE_POSTROUTING} -j MARK --xor-mark ${mark}`,
    `-A ${names.KUBE_POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${o.randomFully === false ? '' : ' --random-fully'}`,
    `-A ${names.KUBE_MARK_MASQ} -j MARK --or-mark ${mark}`,
  );
  if (localhostNodePortsEnabled(o)) {
    r.filterChains.push(names.KUBE_FIREWALL);
    r.filterRules.push(`-A ${names.KUBE_FIREWALL} -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
  }
}

function tailRules(o: IptablesOptions, r: IptablesRuleset): void {
  const mark = markOf(o);
  const localhost = localhostNodePortsEnabled(o);
  const comment = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  const npa = o.nodePortAddresses;
  if (!npa || npa.includes('0.0.0.0/0')) {
    r.natTail.push(`-A ${names.KUBE_SERVICES} ${comment} -m addrtype --dst-type LOCAL${localhost ? '' : ' ! -d 127.0.0.0/8'} -j ${names.KUBE_NODEPORTS}`);
  } else {
    // One rule per matching node IP instead of addrtype (the node IP, and lo's 127.0.0.1, are the ones we know).
    const ips = [o.nodeIP, ...(localhost ? ['127.0.0.1'] : [])].filter((ip) => npa.some((c) => cidrContains(c, ip)));
    for (const ip of ips) r.natTail.push(`-A ${names.KUBE_SERVICES} ${comment} -d ${ip} -j ${names.KUBE_NODEPORTS}`);
  }
  if (!o.conntrackTCPLiberal) r.filterRules.push(`-A ${names.KUBE_FORWARD} -m conntrack --ctstate INVALID -j DROP`);
  r.filterRules.push(
    `-A ${names.KUBE_FORWARD} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`,
    `-A ${names.KUBE_FORWARD} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );
}

/** Computes the whole ruleset for `state`. Pure. */
export function buildIptablesRuleset(state: IptablesState): IptablesRuleset {
  const r: IptablesRuleset = {
    filterChains: [names.KUBE_SERVICES, names.KUBE_EXTERNAL_SERVICES, names.KUBE_FORWARD, names.KUBE_NODEPORTS, names.KUBE_PROXY_FIREWALL],
    filterRules: [],
    natChains: [names.KUBE_SERVICES, names.KUBE_NODEPORTS, names.KUBE_POSTROUTING, names.KUBE_MARK_MASQ],
    natStatic: [],
    services: new Map(),
    natTail: [],
    reachable: new Map(),
  };
  staticRules(state, r);
  // Upstream sums the endpoints of the service ports it proxies (slices of unknown or headless
  // services do not count).
  let total = 0;
  for (const sp of state.servicePorts) total += state.endpoints.get(endpointsKey(sp))?.length ?? 0;
  const opts = { nodeIP: state.nodeIP, clusterCIDR: state.clusterCIDR, masqueradeAll: state.masqueradeAll ?? false, largeCluster: total > LARGE_CLUSTER_ENDPOINTS };
  for (const sp of state.servicePorts) {
    const key = endpointsKey(sp);
    const rules = buildServicePortRules(sp, state.endpoints.get(key) ?? [], opts);
    r.services.set(key, rules);
    r.filterRules.push(...rules.filterShared);
    r.reachable.set(key, rules.reachable);
  }
  tailRules(state, r);
  return r;
}

/** The per-service chains of a ruleset, by name: what the next partial sync diffs against. */
export function serviceChainsOf(r: IptablesRuleset): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of r.services.values()) for (const [name, rules] of s.chains) out.set(name, rules);
  return out;
}

export interface RestoreOptions {
  /** Service ports (endpointsKey) whose chains are written; undefined: all of them (full sync). */
  write?: ReadonlySet<string>;
  /** Service chains to flush and delete. */
  stale?: readonly string[];
}

const decl = (chain: string): string => `:${chain} - [0:0]`;

/** The `iptables-restore --noflush` input. */
export function restoreInput(r: IptablesRuleset, opts: RestoreOptions = {}): string {
  // Appended in loops, never as spread arguments: 10,000 Services are ~500,000 lines, more
  // than a call's argument limit (a spread push overflowed the stack).
  const lines = ['*filter', ...r.filterChains.map(decl), ...r.filterRules, 'COMMIT', '*nat', ...r.natChains.map(decl)];
  const rules: string[] = [...r.natStatic];
  const append = (to: string[], from: Iterable<string>): void => {
    for (const l of from) to.push(l);
  };
  for (const [key, s] of r.services) {
    const write = !opts.write || opts.write.has(key);
    if (write) for (const c of s.chains.keys()) lines.push(decl(c));
    append(rules, s.natShared);
    if (write) for (const chainRules of s.chains.values()) append(rules, chainRules);
  }
  append(rules, r.natTail);
  const stale = [...(opts.stale ?? [])].sort();
  append(lines, stale.map(decl));
  append(lines, rules);
  append(lines, stale.map((c) => `-X ${c}`));
  lines.push('COMMIT');
  return lines.join('\n') + '\n';
}
