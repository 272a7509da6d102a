/** calico-node: the per-node daemon of the bgp backend (BIRD mesh, natOutgoing). */
export { startCalicoNode, CalicoNodeDaemon, type CalicoNode, type CalicoNodeOptions } from './calico-node.js';
export { IPV4_ADDRESS_ANNOTATION, bgpAddressOf, ipv4AddressAnnotation, meshKey, meshPeers } from './mesh-peers.js';
export { NAT_TABLE, deleteNatOutgoing, ensureNatOutgoing, renderNatOutgoing } from './nat-outgoing.js';
