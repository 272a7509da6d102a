/**
 * Who is in the node-to-node mesh. In Calico's Kubernetes datastore a node's BGP address is the
 * Node annotation `projectcalico.org/IPv4Address` (`<ip>/<len>`), which calico-node writes on its
 * own Node when it starts; confd peers with every node that has one. So a node joins the mesh
 * once its calico-node runs, and leaves it when its Node is deleted.
 */
import type { Node } from '../../api/types.js';
import type { BgpPeer } from '../bgp/bird-config.js';

export const IPV4_ADDRESS_ANNOTATION = 'projectcalico.org/IPv4Address';

/** The annotation's value for a node address on the node network `nodeNetwork` (`a.b.c.d/len`). */
export function ipv4AddressAnnotation(nodeIP: string, nodeNetwork: string): string {
  return `${nodeIP}/${nodeNetwork.split('/')[1] ?? '32'}`;
}

/** The BGP address a Node publishes, or undefined when its calico-node has not started. */
export function bgpAddressOf(node: Node): string | undefined {
  const v = node.metadata?.annotations?.[IPV4_ADDRESS_ANNOTATION];
  const ip = v?.split('/')[0];
  return ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? ip : undefined;
}

/** Every node with a BGP address, sorted by name; Nodes being deleted are left out. */
export function meshPeers(nodes: readonly Node[]): BgpPeer[] {
  return nodes
    .filter((n) => !n.metadata?.deletionTimestamp)
    .flatMap((n) => {
      const ip = bgpAddressOf(n);
      return ip ? [{ name: n.metadata?.name ?? '', ip }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What of a Node matters to the mesh (informer updates that change nothing else are ignored). */
export function meshKey(node: Node): string {
  return `${bgpAddressOf(node) ?? ''}|${node.metadata?.deletionTimestamp ?? ''}`;
}
