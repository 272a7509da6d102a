/**
 * `podnet exec`: run a command on a pod's network (its namespace, resolv.conf and hosts, as its
 * containers see them), on a node, or on the outside-world host.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../api/types.js';
import { isNotFound } from '../client/client.js';
import { type ClusterConfig, paths } from '../cluster/config.js';
import { clusterClient } from './daemons.js';

export interface SandboxRecord {
  id: string;
  netns: string;
  podIP?: string;
}

/** Where the pod's sandbox and containers live on its node (written by the node agent). */
export async function podSandbox(cfg: ClusterConfig, namespace: string, name: string): Promise<{ pod: Pod; dir: string; sandbox: SandboxRecord }> {
  const client = clusterClient(cfg, 'podnet-cli');
  let pod: Pod;
  try {
    pod = await client.get<Pod>('pods', namespace, name);
  } catch (e) {
    if (isNotFound(e)) throw new Error(`pods "${name}" not found in namespace "${namespace}"`);
    throw e;
  } finally {
    client.close();
  }
  const node = pod.spec?.nodeName;
  if (!node) throw new Error(`Pod "${namespace}/${name}" is not scheduled to a node yet`);
  const dir = join(paths.nodeRoot(cfg.root, node), 'pods', pod.metadata?.uid ?? '');
  const file = join(dir, 'sandbox.json');
  if (!existsSync(file)) throw new Error(`Pod "${namespace}/${name}" has no sandbox on ${node} yet (phase ${pod.status?.phase ?? 'unknown'})`);
  return { pod, dir, sandbox: JSON.parse(readFileSync(file, 'utf8')) as SandboxRecord };
}

export interface ExecTarget {
  pod?: string;
  namespace?: string;
  container?: string;
  node?: string;
  outside?: boolean;
}

/** Runs `command` with inherited stdio; resolves with its exit code. */
export async function execIn(cfg: ClusterConfig, target: ExecTarget, command: string[]): Promise<number> {
  if (command.length === 0) throw new Error('exec: a command is required after --, e.g. podnet exec client -- curl -s http://web/');
  let prefix: string[];
  if (target.outside) {
    prefix = ['ip', 'netns', 'exec', cfg.outside.netns];
  } else if (target.node) {
    const node = cfg.nodes.find((n) => n.name === target.node);
    if (!node) throw new Error(`--node: Invalid value "${target.node}": nodes are ${cfg.nodes.map((n) => n.name).join(', ')}`);
    prefix = ['ip', 'netns', 'exec', node.netns];
  } else if (target.pod) {
    const { pod, dir, sandbox } = await podSandbox(cfg, target.namespace ?? 'default', target.pod);
    prefix = ['ip', 'netns', 'exec', sandbox.netns];
    const container = target.container ?? pod.spec?.containers?.[0]?.name;
    if (target.container && !pod.spec?.containers?.some((c) => c.name === target.container)) {
      throw new Error(`-c: Invalid value "${target.container}": pod ${target.pod} has containers ${pod.spec?.containers?.map((c) => c.name).join(', ')}`);
    }
    // Enter the container's UTS namespace too, so `hostname` answers the pod name as in a container.
    const pidFile = join(dir, 'containers', container ?? '', 'pid');
    const pid = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '';
    if (pid && existsSync(`/proc/${pid}`)) prefix.push('nsenter', `--target=${pid}`, '--uts', '--');
  } else {
    throw new Error('exec: name a pod, or use --node <node> or --outside');
  }
  const r = spawnSync(prefix[0], [...prefix.slice(1), ...command], { stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}
