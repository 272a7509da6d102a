/**
 * `podnet node remove`: a node leaves the running cluster, as `kubectl drain` + `kubectl delete
 * node` + tearing the machine down: cordon, evict its pods (their controllers recreate them
 * elsewhere), stop its agent, remove its pod and node namespaces, delete the Node (flannel's
 * routes on the others and the EndpointSlices follow the API), forget it in cluster.json.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod } from '../api/types.js';
import { type Client, isNotFound } from '../client/client.js';
import { type ClusterConfig, type MachineConfig, loadClusterConfig, paths, saveClusterConfig } from '../cluster/config.js';
import { run } from '../dataplane/exec.js';
import { netnsDel } from '../dataplane/netns.js';
import { isAlive, readPid, sleep, stopProcess } from '../cluster/processes.js';
import { killNodeContainers } from '../agent/node-containers.js';
import { clusterClient } from './daemons.js';
import { withNodeLock } from './node-lock.js';
import { isRunning, waitFor } from './up-down.js';

export interface NodeRemoveOptions {
  name: string;
  node: string;
  /** How long the node's pods get to terminate (default 60 s); then they are killed. */
  timeoutMs?: number;
  log?: (line: string) => void;
  /** Rollback of a failed add: no output, and a node missing from cluster.json is no error. */
  quiet?: boolean;
}

const ignoreNotFound = (e: unknown) => {
  if (!isNotFound(e)) throw e;
};

async function podsOn(client: Client, node: string): Promise<Pod[]> {
  return (await client.list<Pod>('pods', undefined, { fieldSelector: `spec.nodeName=${node}` })).items;
}

const ownedByDaemonSet = (p: Pod) => (p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.controller);

/** kubectl drain --ignore-daemonsets: cordon, delete the other pods, wait until the agent ended them. */
async function drain(client: Client, node: string, timeoutMs: number, log: (l: string) => void): Promise<void> {
  await client.patch<Node>('nodes', undefined, node, { spec: { unschedulable: true } }).catch(ignoreNotFound);
  const evict = (await podsOn(client, node)).filter((p) => !ownedByDaemonSet(p));
  for (const p of evict) await client.delete('pods', p.metadata?.namespace, p.metadata?.name ?? '').catch(ignoreNotFound);
  if (evict.length) log(`Draining ${node}: deleting ${evict.length} pod(s)`);
  const gone = async () => (await podsOn(client, node)).filter((p) => !ownedByDaemonSet(p)).length === 0;
  await waitFor(`the pods of ${node} to terminate`, timeoutMs, gone).catch((e: Error) => log(`${e.message}; killing them`));
}

/** Kills every process in netns `ns` (exact name) and deletes it with its /etc/netns dir. */
async function removeNamespace(ns: string): Promise<void> {
  for (let t = 0; t < 50; t++) {
    const { stdout } = await run('ip', ['netns', 'pids', ns], { allowFailure: true });
    const pids = stdout.split(/\s+/).filter(Boolean).map(Number);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(100);
  }
  await netnsDel(ns);
  rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
}

/** The sandbox namespaces the node's agent recorded (pods/<uid>/sandbox.json). */
function sandboxNamespaces(nodeRoot: string): string[] {
  const pods = join(nodeRoot, 'pods');
  let uids: string[] = [];
  try {
    uids = readdirSync(pods);
  } catch {
    return [];
  }
  return uids.flatMap((uid) => {
    try {
      const rec = JSON.parse(readFileSync(join(pods, uid, 'sandbox.json'), 'utf8')) as { netns?: string; hostNetwork?: boolean };
      return rec.netns && !rec.hostNetwork ? [rec.netns] : [];
    } catch {
      return [];
    }
  });
}

/** Stops the node's agent and removes its machine: pod namespaces, node namespace (and its underlay port), files. */
export async function teardownNodeMachine(cfg: ClusterConfig, m: MachineConfig): Promise<void> {
  await stopProcess(cfg.root, `agent-${m.name}`);
  const nodeRoot = paths.nodeRoot(cfg.root, m.name);
  await killNodeContainers(nodeRoot);
  for (const ns of sandboxNamespaces(nodeRoot)) await removeNamespace(ns);
  // Deleting the node namespace deletes its eth0, and so the veth's other end on the underlay bridge.
  await removeNamespace(m.netns);
  rmSync(nodeRoot, { recursive: true, force: true });
  rmSync(paths.logFile(cfg.root, `agent-${m.name}`), { force: true });
}

function forgetNode(clusterName: string, node: string): void {
  const cfg = loadClusterConfig(clusterName);
  cfg.nodes = cfg.nodes.filter((n) => n.name !== node);
  saveClusterConfig(cfg);
}

export async function nodeRemove(opts: NodeRemoveOptions): Promise<void> {
  return withNodeLock(loadClusterConfig(opts.name).root, () => removeNode(opts));
}

/** nodeRemove without the lock: for node add's rollback, which holds it. */
export async function removeNode(opts: NodeRemoveOptions): Promise<void> {
  const log = opts.quiet ? () => undefined : (opts.log ?? ((l: string) => console.log(l)));
  const cfg = loadClusterConfig(opts.name);
  const known = cfg.nodes.find((n) => n.name === opts.node);
  if (!known && !opts.quiet) {
    throw new Error(`<node-name>: Invalid value "${opts.node}": cluster "${cfg.name}" has nodes ${cfg.nodes.map((n) => n.name).join(', ') || '(none)'}`);
  }
  if (!isRunning(cfg.name) && !opts.quiet) throw new Error(`--name: cluster "${cfg.name}" is not running (start it with: podnet up --name ${cfg.name})`);
  const m = known ?? { name: opts.node, netns: `${cfg.name}-${opts.node}`, ip: '' };
  const client = clusterClient(cfg, 'podnet-cli');
  try {
    // Without its agent nobody ends the node's pods: no point waiting for them.
    const agentAlive = isAlive(readPid(cfg.root, `agent-${m.name}`) ?? -1);
    await drain(client, m.name, agentAlive ? (opts.timeoutMs ?? 60_000) : 0, log);
    await teardownNodeMachine(cfg, m);
    await client.delete('nodes', undefined, m.name).catch(ignoreNotFound);
    // What drain left (daemon pods, pods that did not end in time) can no longer run anywhere.
    for (const p of await podsOn(client, m.name)) {
      await client.delete('pods', p.metadata?.namespace, p.metadata?.name ?? '', { gracePeriodSeconds: 0 }).catch(ignoreNotFound);
    }
    forgetNode(cfg.name, m.name);
    log(`Node ${m.name} removed from cluster "${cfg.name}"`);
  } finally {
    client.close();
  }
}
