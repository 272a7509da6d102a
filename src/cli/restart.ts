/**
 * `podnet restart`: after a crash (kill -9, OOM), start again every daemon of the cluster whose
 * recorded process is dead, as a service supervisor restarts kubelet or the apiserver, keeping
 * the store, namespaces and pods. Unlike `podnet up` on a dead cluster, nothing is wiped.
 */
import { readFileSync } from 'node:fs';
import type { Node } from '../api/types.js';
import type { Client } from '../client/client.js';
import { type ClusterConfig, loadClusterConfig, paths, validateClusterName } from '../cluster/config.js';
import { PODNET_BIN, isAlive, readPid, spawnPodnet, type SpawnSpec } from '../cluster/processes.js';
import { netnsExists } from '../dataplane/netns.js';
import { clusterClient } from './daemons.js';
import { withNodeLock } from './node-lock.js';
import { nodesReady, waitFor, waitForApiServer } from './up-down.js';

export interface RestartOptions {
  name: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** A daemon `podnet up` / `node add` starts, with the exact command line they use. */
export function clusterDaemons(cfg: ClusterConfig): SpawnSpec[] {
  return [
    { name: 'controlplane', args: ['controlplane', '--name', cfg.name] },
    { name: 'relay', args: ['relay', '--name', cfg.name], netns: cfg.controlPlane.netns },
    ...cfg.nodes.map((n) => ({ name: `agent-${n.name}`, args: ['agent', '--name', cfg.name, '--node', n.name] })),
  ];
}

/**
 * Is the recorded process of `spec` running? A zombie is dead, and so is a live pid that is no
 * longer ours (reused after the daemon died): its command line must be this podnet daemon's.
 */
export function daemonRunning(root: string, spec: SpawnSpec): boolean {
  const pid = readPid(root, spec.name);
  if (pid === undefined || !isAlive(pid)) return false;
  try {
    if (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) return false;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = argv.indexOf(PODNET_BIN);
    return at >= 0 && spec.args.every((a, i) => argv[at + 1 + i] === a);
  } catch {
    return false;
  }
}

/** The cluster's namespaces that are gone: all of them after a host reboot. */
async function missingNamespaces(cfg: ClusterConfig): Promise<string[]> {
  const wanted = [cfg.underlayNetns, cfg.controlPlane.netns, ...cfg.nodes.map((n) => n.netns)];
  const missing: string[] = [];
  for (const ns of wanted) if (!(await netnsExists(ns))) missing.push(ns);
  return missing;
}

function loadExisting(name: string): ClusterConfig {
  validateClusterName(name);
  try {
    return loadClusterConfig(name);
  } catch (e) {
    throw new Error(`--name: ${(e as Error).message}`);
  }
}

/** Have all `nodes` posted a Ready=True heartbeat at or after `since` (ms)? */
async function heartbeatsSince(client: Client, nodes: string[], since: number): Promise<boolean> {
  for (const name of nodes) {
    const ready = (await client.get<Node>('nodes', undefined, name)).status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True' || Date.parse(ready.lastHeartbeatTime ?? '') < since) return false;
  }
  return true;
}

/** Restarts the dead daemons; returns their names (empty: nothing was dead). */
export async function restart(opts: RestartOptions): Promise<string[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const initial = loadExisting(opts.name);
  const missing = await missingNamespaces(initial);
  if (missing.length > 0) {
    throw new Error(
      `Cluster "${opts.name}" cannot be restarted: its network namespaces are gone (${missing.join(', ')}), as after a host reboot. ` +
        `Recreate it with: podnet down --name ${opts.name} && podnet up --name ${opts.name}`,
    );
  }
  // Not while `node add`/`remove` changes cluster.json and starts or stops an agent.
  return withNodeLock(initial.root, () => restartDead(opts, log));
}

async function restartDead(opts: RestartOptions, log: (line: string) => void): Promise<string[]> {
  let cfg = loadClusterConfig(opts.name);
  const dead = clusterDaemons(cfg).filter((d) => !daemonRunning(cfg.root, d));
  if (dead.length === 0) {
    log(`Cluster "${cfg.name}": nothing to restart (${clusterDaemons(cfg).map((d) => d.name).join(', ')} running)`);
    return [];
  }
  const started: string[] = [];
  // Heartbeat times have second precision on the wire.
  const since = Math.floor(Date.now() / 1000) * 1000;
  const start = (d: SpawnSpec) => {
    const pid = spawnPodnet(cfg.root, d);
    started.push(d.name);
    log(`Restarted ${d.name} (pid ${pid})`);
  };
  const controlPlane = dead.find((d) => d.name === 'controlplane');
  if (controlPlane) start(controlPlane);
  // Agents and the relay need the apiserver, as in `podnet up`.
  cfg = await waitForApiServer(cfg, opts.timeoutMs ?? 60_000).catch((e: unknown) => {
    throw new Error(`${(e as Error).message} (see ${paths.logFile(cfg.root, 'controlplane')})`);
  });
  for (const d of dead) if (d !== controlPlane) start(d);
  const client = clusterClient(cfg, 'podnet-cli');
  const restartedNodes = dead.filter((d) => d.name.startsWith('agent-')).map((d) => d.name.slice('agent-'.length));
  try {
    await waitFor('nodes to be Ready', opts.timeoutMs ?? 90_000, () => nodesReady(client, cfg));
    // A dead agent's Node stays Ready until the lifecycle controller's grace period ends: wait
    // for each restarted agent's own status write (a heartbeat newer than its start).
    await waitFor(`restarted agents to report (${restartedNodes.join(', ')})`, opts.timeoutMs ?? 90_000, () => heartbeatsSince(client, restartedNodes, since));
  } finally {
    client.close();
  }
  log(`Cluster "${cfg.name}": restarted ${started.join(', ')}; nodes ready: ${cfg.nodes.map((n) => n.name).join(', ')}`);
  return started;
}
