/**
 * `podnet node add`: a machine joins the running cluster, as a kubeadm join does: its namespace
 * on the node network (wired as `podnet up` wires nodes), its agent process (agent, flannel,
 * proxy, LB speaker), its entry in cluster.json; done once the Node is Ready with a pod CIDR
 * (on bgp: in the BGP mesh).
 */
import type { Node } from '../api/types.js';
import { type MachineConfig, loadClusterConfig, saveClusterConfig } from '../cluster/config.js';
import { attachMachine, prepareNode, routeServiceCIDR } from '../cluster/network.js';
import { newNodeMachine } from '../cluster/node-machine.js';
import { spawnPodnet } from '../cluster/processes.js';
import { clusterClient } from './daemons.js';
import { isRunning, nodeJoined, waitFor } from './up-down.js';
import { withNodeLock } from './node-lock.js';
import { removeNode } from './node-remove.js';

export interface NodeAddOptions {
  /** The cluster. */
  name: string;
  /** Default: the next free node<i>. */
  node?: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** The cluster must be up: a node alone has nobody to register with. */
export function requireRunning(name: string): void {
  if (!isRunning(name)) throw new Error(`--name: cluster "${name}" is not running (start it with: podnet up --name ${name})`);
}

/** Records the node in cluster.json, re-read first: the control plane may have rewritten it (port). */
function recordNode(clusterName: string, m: MachineConfig): void {
  const cfg = loadClusterConfig(clusterName);
  cfg.nodes = [...cfg.nodes.filter((n) => n.name !== m.name), m];
  saveClusterConfig(cfg);
}


export async function nodeAdd(opts: NodeAddOptions): Promise<MachineConfig> {
  const { root } = loadClusterConfig(opts.name);
  requireRunning(opts.name);
  return withNodeLock(root, () => addNode(opts));
}

async function addNode(opts: NodeAddOptions): Promise<MachineConfig> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const cfg = loadClusterConfig(opts.name);
  const m = newNodeMachine(cfg, opts.node);
  const client = clusterClient(cfg, 'podnet-cli');
  try {
    const existing = await client.list<Node>('nodes');
    if (existing.items.some((n) => n.metadata?.name === m.name)) {
      throw new Error(`<node-name>: Invalid value "${m.name}": the cluster already has a Node of that name`);
    }
    log(`Adding node ${m.name} (${m.ip}) to cluster "${cfg.name}"`);
    try {
      await attachMachine(cfg, m);
      await prepareNode(m);
      await routeServiceCIDR(m, cfg.serviceCIDR);
      recordNode(cfg.name, m);
      spawnPodnet(cfg.root, { name: `agent-${m.name}`, args: ['agent', '--name', cfg.name, '--node', m.name] });
      await waitFor(`node ${m.name} to be Ready`, opts.timeoutMs ?? 60_000, async () => nodeJoined(await client.get<Node>('nodes', undefined, m.name), cfg.backend));
    } catch (e) {
      log(`podnet node add failed: ${(e as Error).message}; removing ${m.name}`);
      await removeNode({ name: cfg.name, node: m.name, quiet: true }).catch(() => undefined);
      throw e;
    }
    const node = await client.get<Node>('nodes', undefined, m.name);
    log(`Node ${m.name} ready: ${m.ip}, ${cfg.backend === 'bgp' ? 'in the BGP mesh' : `pods ${node.spec?.podCIDR}`}`);
    return m;
  } finally {
    client.close();
  }
}
