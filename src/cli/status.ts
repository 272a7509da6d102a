/** `podnet status`: the cluster's processes, namespaces and nodes, as this host sees them. */
import type { Node, Pod } from '../api/types.js';
import { type ClusterConfig, datastorePrefix, loadClusterConfig, paths } from '../cluster/config.js';
import { join } from 'node:path';
import type { Client } from '../client/client.js';
import { DEFAULT_AS_NUMBER, bgpSessions, birdPaths, meshProtocolName } from '../calico/bgp/index.js';
import { listAffineBlocks } from '../calico/ipam/index.js';
import { isAlive, recordedProcesses } from '../cluster/processes.js';
import { netnsList } from '../dataplane/netns.js';
import { etcdNetworkPrefix } from '../overlay/lease-attrs.js';
import { clusterClient } from './daemons.js';

function backendLine(cfg: ClusterConfig): string {
  if (cfg.backend === 'bgp') return `calico bgp, BIRD full iBGP mesh (AS ${DEFAULT_AS_NUMBER}), /26 blocks of ${cfg.clusterCIDR} in the API (crd.projectcalico.org)`;
  const leases = cfg.datastoreEndpoint ? `leases in etcd under ${etcdNetworkPrefix(datastorePrefix(cfg.name))}/` : 'leases in the API (Node spec.podCIDR and annotations)';
  return `flannel ${cfg.backend ?? 'vxlan'}, ${leases}`;
}

/**
 * On bgp, a node's affine blocks and its BGP sessions as its BIRD reports them (what `calicoctl
 * node status` shows), peers named by node.
 */
async function bgpColumns(cfg: ClusterConfig, client: Client, n: Node): Promise<string> {
  const blocks = await listAffineBlocks(client, n.metadata?.name ?? '').catch(() => []);
  const byIP = new Map(cfg.nodes.map((m) => [meshProtocolName(m.ip), m.name]));
  const ctl = birdPaths(join(paths.nodeRoot(cfg.root, n.metadata?.name ?? ''), 'calico')).ctl;
  const sessions = await bgpSessions(ctl).then(
    (list) => list.map((p) => `${byIP.get(p.name) ?? p.name} ${p.info.split(/\s+/)[0] || p.state}`).join(', ') || 'no peers',
    () => 'BIRD not answering',
  );
  return `blocks ${blocks.join(',') || '-'}  bgp: ${sessions}`;
}

export async function status(name: string): Promise<number> {
  const cfg = loadClusterConfig(name);
  console.log(`Cluster "${cfg.name}"  (state ${cfg.root})`);
  console.log(`  apiserver   https://127.0.0.1:${cfg.apiPort}`);
  console.log(`  datastore   ${cfg.datastoreEndpoint ? `etcd ${cfg.datastoreEndpoint} (keys under ${datastorePrefix(cfg.name)}/)` : `SQLite ${paths.storeDb(cfg.root)}`}`);
  console.log(`  proxy       ${cfg.proxyMode ?? 'nftables'} mode`);
  console.log(`  backend     ${backendLine(cfg)}`);
  console.log(`  networks    nodes ${cfg.nodeNetwork}  pods ${cfg.clusterCIDR}  services ${cfg.serviceCIDR}  dns ${cfg.clusterDNS}`);
  let healthy = true;
  console.log('Processes:');
  for (const [proc, pid] of recordedProcesses(cfg.root)) {
    const alive = isAlive(pid);
    healthy &&= alive;
    console.log(`  ${proc.padEnd(16)} pid ${String(pid).padEnd(8)} ${alive ? 'running' : 'NOT RUNNING'}`);
  }
  const ns = await netnsList(`${cfg.name}-`);
  console.log(`Namespaces: ${ns.length} (${ns.filter((n) => n.includes('-pod-')).length} pod sandboxes)`);
  const client = clusterClient(cfg, 'podnet-cli');
  try {
    const nodes = await client.list<Node>('nodes');
    const pods = await client.list<Pod>('pods');
    console.log('Nodes:');
    for (const n of nodes.items) {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      const count = pods.items.filter((p) => p.spec?.nodeName === n.metadata?.name).length;
      healthy &&= ready;
      const net = cfg.backend === 'bgp' ? await bgpColumns(cfg, client, n) : `podCIDR ${n.spec?.podCIDR ?? '-'}`;
      console.log(`  ${String(n.metadata?.name).padEnd(8)} ${ready ? 'Ready   ' : 'NotReady'} ${String(ip).padEnd(14)} ${net}  pods ${count}`);
    }
  } catch (e) {
    healthy = false;
    console.log(`API unreachable: ${(e as Error).message}`);
  } finally {
    client.close();
  }
  return healthy ? 0 : 1;
}
