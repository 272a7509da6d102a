/**
 * Calico's pod wiring (cni-plugin dataplane_linux.go, as facts), rendered as `ip -batch` lines
 * and sysctls: a veth `cali…` (MAC ee:ee:ee:ee:ee:ee, no address) ↔ pod `eth0` with `<ip>/32`,
 * `169.254.1.1 dev eth0 scope link` and `default via 169.254.1.1`; on the host proxy_arp=1,
 * neigh proxy_delay=0, forwarding=1, route_localnet=1 on the veth and `<ip>/32 dev cali…
 * scope link`. The pod's ARP for 169.254.1.1 is answered by the host through proxy ARP.
 */
import type { CniIPConfig } from '../types.js';

export const CALICO_GATEWAY = '169.254.1.1';
export const HOST_VETH_MAC = 'ee:ee:ee:ee:ee:ee';

/** Host netns, before the pod: the pair with the pod end made directly in the pod's netns. */
export function hostLinkLines(hostVeth: string, ifName: string, podNetns: string, mtu: number, podMac: string): string[] {
  return [
    `link add ${hostVeth} mtu ${mtu} address ${HOST_VETH_MAC} type veth peer name ${ifName} mtu ${mtu} address ${podMac} netns ${podNetns}`,
    `link set ${hostVeth} up`,
  ];
}

/** Pod netns: up, the link route to the dummy gateway, the default via it, then the /32s. */
export function podLines(ifName: string, ips: string[]): string[] {
  return [
    `link set ${ifName} up`,
    `route add ${CALICO_GATEWAY} dev ${ifName} scope link`,
    `route add default via ${CALICO_GATEWAY} dev ${ifName}`,
    ...ips.map((ip) => `addr add ${ip}/32 dev ${ifName}`),
  ];
}

/**
 * Host sysctls for the veth (configureSysctls); IPv6's accept_ra=0 as Calico sets it always.
 * Slash-separated, so an interface name with a dot (`cali` + a container id) stays one key.
 */
export function hostSysctls(hostVeth: string): Record<string, number> {
  return {
    [`net/ipv4/conf/${hostVeth}/route_localnet`]: 1,
    [`net/ipv4/neigh/${hostVeth}/proxy_delay`]: 0,
    [`net/ipv4/conf/${hostVeth}/proxy_arp`]: 1,
    [`net/ipv4/conf/${hostVeth}/forwarding`]: 1,
    [`net/ipv6/conf/${hostVeth}/accept_ra`]: 0,
  };
}

/** Pod sysctls (configureContainerSysctls, allowIPForwarding false). */
export const POD_SYSCTLS: Record<string, number> = { 'net/ipv4/ip_forward': 0 };

const sysctlWords = (settings: Record<string, number>): string => Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(' ');

/**
 * The host side in one process chain (a CNI ADD on a busy node is bound by process starts): the
 * leftover veth of this pod's earlier sandbox deleted (as Calico does), then `ip -batch` from
 * stdin (hostLinkLines + hostRouteLines), then the veth's sysctls.
 */
export const hostScript = (hostVeth: string): string => `ip link del ${hostVeth} 2>/dev/null; ip -batch - && exec sysctl -qw ${sysctlWords(hostSysctls(hostVeth))}`;

/** The pod side in one process chain: the sysctls, then `ip -batch` from stdin (podLines). */
export const podScript = (): string => `sysctl -qw ${sysctlWords(POD_SYSCTLS)} && exec ip -batch -`;

/** Host routes, one per pod address. */
export const hostRouteLines = (hostVeth: string, ips: string[]): string[] => ips.map((ip) => `route add ${ip}/32 dev ${hostVeth} scope link`);

/** The bare addresses of IPAM's answer (it gives block-prefixed CIDRs; Calico uses /32). */
export const ipv4Of = (ips: CniIPConfig[]): string[] => ips.map((i) => i.address.split('/')[0]).filter((a) => a.includes('.'));
