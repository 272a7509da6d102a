/**
 * The ipsets kube-proxy's IPVS mode keeps next to IPVS (pkg/proxy/ipvs/ipset.go, the ipsetInfo
 * table): names, types and the comments its iptables rules carry, and the `ipset restore` text.
 * Entries are formatted as upstream's ipset Entry.String(): `ip,proto:port[,ip2|,net]`, bare
 * ports for bitmap:port sets.
 */
export type IpsetType = 'hash:ip' | 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net' | 'bitmap:port';

export interface IpsetDef { name: string; type: IpsetType; comment: string }

export const KUBE_LOOP_BACK = 'KUBE-LOOP-BACK';
export const KUBE_CLUSTER_IP = 'KUBE-CLUSTER-IP';
export const KUBE_EXTERNAL_IP = 'KUBE-EXTERNAL-IP';
export const KUBE_EXTERNAL_IP_LOCAL = 'KUBE-EXTERNAL-IP-LOCAL';
export const KUBE_LOAD_BALANCER = 'KUBE-LOAD-BALANCER';
export const KUBE_LOAD_BALANCER_FW = 'KUBE-LOAD-BALANCER-FW';
export const KUBE_LOAD_BALANCER_LOCAL = 'KUBE-LOAD-BALANCER-LOCAL';
export const KUBE_LOAD_BALANCER_SOURCE_IP = 'KUBE-LOAD-BALANCER-SOURCE-IP';
export const KUBE_LOAD_BALANCER_SOURCE_CIDR = 'KUBE-LOAD-BALANCER-SOURCE-CIDR';
export const KUBE_HEALTH_CHECK_NODE_PORT = 'KUBE-HEALTH-CHECK-NODE-PORT';
export const KUBE_IPVS_IPS = 'KUBE-IPVS-IPS';

/** Per protocol: the NodePort set and its externalTrafficPolicy=Local twin. */
export const NODE_PORT_SETS: Record<string, { all: string; local: string }> = {
  tcp: { all: 'KUBE-NODE-PORT-TCP', local: 'KUBE-NODE-PORT-LOCAL-TCP' },
  udp: { all: 'KUBE-NODE-PORT-UDP', local: 'KUBE-NODE-PORT-LOCAL-UDP' },
  sctp: { all: 'KUBE-NODE-PORT-SCTP-HASH', local: 'KUBE-NODE-PORT-LOCAL-SCTP-HASH' },
};

/** In upstream's ipsetInfo order. */
export const IPSETS: readonly IpsetDef[] = [
  { name: KUBE_LOOP_BACK, type: 'hash:ip,port,ip', comment: 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose' },
  { name: KUBE_CLUSTER_IP, type: 'hash:ip,port', comment: 'Kubernetes service cluster ip + port for masquerade purpose' },
  { name: KUBE_EXTERNAL_IP, type: 'hash:ip,port', comment: 'Kubernetes service external ip + port for masquerade and filter purpose' },
  { name: KUBE_EXTERNAL_IP_LOCAL, type: 'hash:ip,port', comment: 'Kubernetes service external ip + port with externalTrafficPolicy=local' },
  { name: KUBE_LOAD_BALANCER, type: 'hash:ip,port', comment: 'Kubernetes service lb portal' },
  { name: KUBE_LOAD_BALANCER_FW, type: 'hash:ip,port', comment: 'Kubernetes service load balancer ip + port for load balancer with sourceRange' },
  { name: KUBE_LOAD_BALANCER_LOCAL, type: 'hash:ip,port', comment: 'Kubernetes service load balancer ip + port with externalTrafficPolicy=local' },
  { name: KUBE_LOAD_BALANCER_SOURCE_IP, type: 'hash:ip,port,ip', comment: 'Kubernetes service load balancer ip + port + source IP for packet filter purpose' },
  { name: KUBE_LOAD_BALANCER_SOURCE_CIDR, type: 'hash:ip,port,net', comment: 'Kubernetes service load balancer ip + port + source cidr for packet filter purpose' },
  { name: 'KUBE-NODE-PORT-TCP', type: 'bitmap:port', comment: 'Kubernetes nodeport TCP port for masquerade purpose' },
  { name: 'KUBE-NODE-PORT-LOCAL-TCP', type: 'bitmap:port', comment: 'Kubernetes nodeport TCP port with externalTrafficPolicy=local' },
  { name: 'KUBE-NODE-PORT-UDP', type: 'bitmap:port', comment: 'Kubernetes nodeport UDP port for masquerade purpose' },
  { name: 'KUBE-NODE-PORT-LOCAL-UDP', type: 'bitmap:port', comment: 'Kubernetes nodeport UDP port with externalTrafficPolicy=local' },
  { name: 'KUBE-NODE-PORT-SCTP-HASH', type: 'hash:ip,port', comment: "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'" },
  { name: 'KUBE-NODE-PORT-LOCAL-SCTP-HASH', type: 'hash:ip,port', comment: "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'" },
  { name: KUBE_HEALTH_CHECK_NODE_PORT, type: 'bitmap:port', comment: 'Kubernetes health check node port' },
  { name: KUBE_IPVS_IPS, type: 'hash:ip', comment: 'Addresses on the ipvs interface' },
];

export const ipsetDef = (name: string): IpsetDef => {
  const def = IPSETS.find((s) => s.name === name);
  if (!def) throw new Error(`ipvs: unknown ipset ${name}`);
  return def;
};

/** `ip,proto:port` (hash:ip,port) */
export const ipPortEntry = (ip: string, proto: string, port: number): string => `${ip},${proto}:${port}`;

/** Set contents: name → sorted, de-duplicated entries. */
export type IpsetEntries = Map<string, Set<string>>;

export function emptyIpsetEntries(): IpsetEntries {
  return new Map(IPSETS.map((s) => [s.name, new Set<string>()]));
}

/** `ipset restore` input: every set created (as kube-proxy ensures them all), then its entries. */
export function renderIpsetRestore(entries: IpsetEntries): string {
  const lines: string[] = [];
  for (const def of IPSETS) {
    const opts = def.type === 'bitmap:port' ? 'range 0-65535' : 'family inet hashsize 1024 maxelem 65536';
    lines.push(`create ${def.name} ${def.type} ${opts}`);
  }
  for (const def of IPSETS) for (const e of [...(entries.get(def.name) ?? [])].sort()) lines.push(`add ${def.name} ${e}`);
  return lines.join('\n') + '\n';
}
