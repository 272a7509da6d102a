/**
 * flanneld's `--ip-masq` in its nftables form (flannel pkg/trafficmngr/nftables, table
 * `ip flannel-ipv4`): pod traffic leaving the pod network is masqueraded to the node's address,
 * traffic inside the pod network keeps its source. Without it, a host off the pod network (the
 * control plane behind the `kubernetes` Service, a client outside) has no route back to pods.
 */
import { nftApply } from '../dataplane/exec.js';

export const MASQ_TABLE = 'flannel-ipv4';
/** kube-proxy's masquerade mark: such packets are kube-proxy's to masquerade. */
const KUBE_PROXY_MARK = '0x4000';
const MULTICAST = '224.0.0.0/4';

/** The `nft -f` text for the masquerade and forward-accept rules of a node with lease `podCIDR`. */
export function renderIpMasq(clusterCIDR: string, podCIDR: string): string {
  const t = `ip ${MASQ_TABLE}`;
  const masq = 'masquerade fully-random';
  return [
    `add table ${t} { comment "rules for ${MASQ_TABLE}" ; }`,
    `add chain ${t} forward { type filter hook forward priority 0 ; comment "chain to accept flannel traffic" ; }`,
    `flush chain ${t} forward`,
    `add chain ${t} postrtg { type nat hook postrouting priority 100 ; comment "chain to manage traffic masquerading by flannel" ; }`,
    `flush chain ${t} postrtg`,
    `add rule ${t} forward ip saddr ${clusterCIDR} accept`,
    `add rule ${t} forward ip daddr ${clusterCIDR} accept`,
    `add rule ${t} postrtg meta mark ${KUBE_PROXY_MARK} return`,
    // Inside the overlay, and traffic arriving for this node's pods, keep their source.
    `add rule ${t} postrtg ip saddr ${podCIDR} ip daddr ${clusterCIDR} return`,
    `add rule ${t} postrtg ip saddr ${clusterCIDR} ip daddr ${podCIDR} return`,
    `add rule ${t} postrtg ip saddr != ${clusterCIDR} ip daddr ${podCIDR} return`,
    `add rule ${t} postrtg ip saddr ${clusterCIDR} ip daddr != ${MULTICAST} ${masq}`,
    // The host reaching pods on other nodes: masquerade to the flannel.1 address.
    `add rule ${t} postrtg ip saddr != ${clusterCIDR} ip daddr ${clusterCIDR} ${masq}`,
    '',
  ].join('\n');
}

/** Writes the rules in `netns` as one transaction (idempotent: chains are flushed and rewritten). */
export async function ensureIpMasq(netns: string, clusterCIDR: string, podCIDR: string): Promise<void> {
  await nftApply(netns, renderIpMasq(clusterCIDR, podCIDR));
}
