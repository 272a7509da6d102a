/** `podnet status`: the cluster's processes, namespaces and nodes, as this host sees them. */
import type { Node, Pod } from '../api/types.js';
import { type ClusterConfig, datastorePrefix, loadClusterConfig, paths } from '../cluster/config.js';
import { DEFAULT_AS_NUMBER } from '../calico/bgp/bird-config.js';
import { isAlive, recordedProcesses } from '../cluster/processes.js';
import { netnsList } from '../dataplane/netns.js';
import { etcdNetworkPrefix } from '../overlay/lease-attrs.js';
import { clusterClient } from './daemons.js';

function backendLine(cfg: ClusterConfig): string {
  if (cfg.backend === 'bgp') return `calico bgp, BIRD full iBGP mesh (AS ${DEFAULT_AS_NUMBER}), /26 blocks of ${cfg.clusterCIDR} in the API (crd.projectcalico.org)`;
  const leases = cfg.datastoreEndpoint ? `leases in etcd under ${etcdNetworkPrefix(datastorePrefix(cfg.name))}/` : 'leases in the API (Node spec.podCIDR and annotations)';
  return `flannel ${cfg.backend ?? 'vxlan'}, ${leases}`;
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
      console.log(`  ${String(n.metadata?.name).padEnd(8)} ${ready ? 'Ready   ' : 'NotReady'} ${String(ip).padEnd(14)} podCIDR ${n.spec?.podCIDR ?? '-'}  pods ${count}`);
    }
  } catch (e) {
    healthy = false;
    console.log(`API unreachable: ${(e as Error).message}`);
  } finally {
    client.close();
  }
  return healthy ? 0 : 1;
}
