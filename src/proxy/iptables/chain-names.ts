/**
 * kube-proxy iptables-mode chain names (pkg/proxy/iptables/proxier.go): the service chains are
 * `KUBE-<kind>-` + base32(sha256(spn + proto))[0:16], an endpoint's chain hashes
 * spn + proto + `ip:port` too. Plain concatenations, no separators (notes §1.2).
 */
import { portProtoHash } from '../chain-names.js';
import type { ServicePortInfo } from '../service-port.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
/** kubelet creates the same chain and rule; kube-proxy writes it too (IPv4, localhost NodePorts). */
export const KUBE_FIREWALL = 'KUBE-FIREWALL';
export const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';

type SpnProto = Pick<ServicePortInfo, 'spn' | 'protocol'>;

export const clusterPolicyChain = (sp: SpnProto): string => 'KUBE-SVC-' + portProtoHash(sp.spn + sp.protocol);
export const localPolicyChain = (sp: SpnProto): string => 'KUBE-SVL-' + portProtoHash(sp.spn + sp.protocol);
export const externalChain = (sp: SpnProto): string => 'KUBE-EXT-' + portProtoHash(sp.spn + sp.protocol);
export const firewallChain = (sp: SpnProto): string => 'KUBE-FW-' + portProtoHash(sp.spn + sp.protocol);
/** `endpoint` is `ip:port` (net.JoinHostPort), the target port from the EndpointSlice. */
export const endpointChain = (sp: SpnProto, endpoint: string): string => 'KUBE-SEP-' + portProtoHash(sp.spn + sp.protocol + endpoint);

/** The per-service nat chains a sync owns (stale ones of these prefixes are deleted). */
export const isServiceNatChain = (chain: string): boolean => /^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(chain);

/**
 * Go's `fmt.Sprintf("%0.10f", 1.0/n)`: the exact binary value rounded half-to-even. JS toFixed
 * rounds exact ties up instead, which differs for n = 2048 (0.00048828125).
 */
export function probability(n: number): string {
  const scaled2 = 2n * 10n ** 10n;
  const big = BigInt(n);
  if (scaled2 % big === 0n && (scaled2 / big) % 2n === 1n) {
    const floor = 10n ** 10n / big; // an exact tie: round to the even neighbour
    const digits = (floor % 2n === 0n ? floor : floor + 1n).toString().padStart(11, '0');
    return `${digits.slice(0, -10)}.${digits.slice(-10)}`;
  }
  return (1 / n).toFixed(10);
}
