/**
 * An underlay for overlay tests: a netns holding bridge `br0` and node namespaces attached to it
 * with `eth0` = 172.18.0.<n>/16 (veth pairs created directly inside our namespaces).
 */
import { ip, ipBatch, sysctl } from '../../src/dataplane/exec.js';
import { netnsAdd } from '../../src/dataplane/netns.js';

export async function makeUnderlay(ns: string): Promise<void> {
  await netnsAdd(ns);
  await ipBatch(ns, ['link add br0 type bridge', 'link set br0 up']);
}

/** A node namespace on the underlay: eth0 = `ipCIDR`, forwarding on. */
export async function attachNode(underlay: string, node: string, port: string, ipCIDR: string): Promise<void> {
  await netnsAdd(node);
  await ip(undefined, ['link', 'add', 'eth0', 'netns', node, 'type', 'veth', 'peer', 'name', port, 'netns', underlay]);
  await ipBatch(underlay, [`link set ${port} master br0`, `link set ${port} up`]);
  await ipBatch(node, [`addr add ${ipCIDR} dev eth0`, 'link set eth0 up']);
  await sysctl(node, { 'net.ipv4.ip_forward': 1 });
}
