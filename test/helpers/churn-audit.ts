/**
 * What a converged node must look like after churn and crashes (issue 5 item 10): every pod
 * netns, host veth, host-local IP file, CNI result cache entry, hostPort chain and process
 * belongs to a live pod, and every live pod has each of them. Returns the problems found, as
 * sentences; an empty list means the node is clean.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Pod } from '../../src/api/types.js';

export interface LivePod {
  uid: string;
  name: string;
  node: string;
  ip: string;
  hostPorts: number;
}

export interface Sandbox {
  id: string;
  netns: string;
  podIP: string;
  pause?: { pid: number };
}

const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
const sameSet = (a: Iterable<string>, b: Iterable<string>) => {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return JSON.stringify(x) === JSON.stringify(y) ? undefined : `have [${x.join(', ')}], want [${y.join(', ')}]`;
};

export function livePod(p: Pod): LivePod {
  const ports = (p.spec?.containers ?? []).flatMap((c) => c.ports ?? []).filter((x) => x.hostPort).length;
  return { uid: p.metadata?.uid ?? '', name: p.metadata?.name ?? '', node: p.spec?.nodeName ?? '', ip: p.status?.podIP ?? '', hostPorts: ports };
}

function readSandbox(nodeRoot: string, uid: string): Sandbox | undefined {
  try {
    return JSON.parse(readFileSync(join(nodeRoot, 'pods', uid, 'sandbox.json'), 'utf8')) as Sandbox;
  } catch {
    return undefined;
  }
}

/** Pod dirs and sandbox records on `node` against the live pods there. */
function auditRecords(nodeRoot: string, pods: LivePod[]): { problems: string[]; sandboxes: Map<string, Sandbox> } {
  const problems: string[] = [];
  const sandboxes = new Map<string, Sandbox>();
  const d = sameSet(list(join(nodeRoot, 'pods')), pods.map((p) => p.uid));
  if (d) problems.push(`pod dirs: ${d}`);
  for (const p of pods) {
    const s = readSandbox(nodeRoot, p.uid);
    if (!s) problems.push(`pod ${p.name}: no sandbox.json`);
    else if (s.podIP !== p.ip) problems.push(`pod ${p.name}: sandbox podIP ${s.podIP}, status podIP ${p.ip}`);
    else sandboxes.set(p.uid, s);
  }
  return { problems, sandboxes };
}

/** host-local's `<dataDir>/cbr0/<ip>` files: exactly the live pods' IPs, each held by its sandbox id. */
function auditHostLocal(nodeRoot: string, pods: LivePod[], sandboxes: Map<string, Sandbox>): string[] {
  const dir = join(nodeRoot, 'cni', 'networks', 'cbr0');
  const held = list(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
  const problems: string[] = [];
  const d = sameSet(held, pods.map((p) => p.ip));
  if (d) problems.push(`host-local IPs: ${d}`);
  // Bookkeeping aside (`lock`, `last_reserved_ip.0`), anything else is a leftover (a stale lock).
  const other = list(dir).filter((f) => !held.includes(f) && f !== 'lock' && !f.startsWith('last_reserved_ip.'));
  if (other.length > 0) problems.push(`host-local leftovers: ${other.join(', ')}`);
  for (const p of pods) {
    const owner = existsSync(join(dir, p.ip)) ? readFileSync(join(dir, p.ip), 'utf8').split('\r\n')[0] : undefined;
    const id = sandboxes.get(p.uid)?.id;
    if (id && owner !== id) problems.push(`host-local ${p.ip}: held by ${owner?.slice(0, 12)}, pod ${p.name}'s sandbox is ${id.slice(0, 12)}`);
  }
  return problems;
}

/** libcni's result cache: one `cbr0-<id>-eth0` per live sandbox. */
function auditResultCache(nodeRoot: string, sandboxes: Map<string, Sandbox>): string[] {
  // A `.tmp<pid>` left by a write that a kill -9 interrupted is a leak too.
  const entries = list(join(nodeRoot, 'cni', 'results'));
  const d = sameSet(entries, [...sandboxes.values()].map((s) => `cbr0-${s.id}-eth0`));
  return d ? [`CNI result cache: ${d}`] : [];
}

/** Host-side veths in the node netns (all but eth0) against the live pods' eth0 peers. */
function auditVeths(nodeNetns: string, sandboxes: Map<string, Sandbox>): string[] {
  const links = JSON.parse(sh('ip', ['-n', nodeNetns, '-j', '-d', 'link', 'show', 'type', 'veth']).stdout || '[]') as { ifindex: number; ifname: string }[];
  const host = links.filter((l) => l.ifname !== 'eth0').map((l) => String(l.ifindex));
  const peers: string[] = [];
  for (const s of sandboxes.values()) {
    const eth0 = JSON.parse(sh('ip', ['-n', s.netns, '-j', 'link', 'show', 'eth0']).stdout || '[]') as { link_index?: number }[];
    peers.push(String(eth0[0]?.link_index ?? `none(${s.netns})`));
  }
  const d = sameSet(host, peers);
  return d ? [`host veths (ifindex) on ${nodeNetns}: ${d}`] : [];
}

/** IPv4 routes through devices that are not the node's own (a pod's route left behind). */
function auditRoutes(nodeNetns: string): string[] {
  const routes = JSON.parse(sh('ip', ['-4', '-n', nodeNetns, '-j', 'route', 'show', 'table', 'all']).stdout || '[]') as { dst: string; dev?: string }[];
  const own = new Set(['eth0', 'cni0', 'flannel.1', 'lo']);
  return routes.filter((r) => r.dev && !own.has(r.dev)).map((r) => `stale route on ${nodeNetns}: ${r.dst} dev ${r.dev}`);
}

/** portmap's per-sandbox `CNI-DN-<hash>` chains: one per live hostPort pod. */
function auditPortmap(nodeNetns: string, pods: LivePod[]): string[] {
  const nat = sh('ip', ['netns', 'exec', nodeNetns, 'iptables-nft', '-t', 'nat', '-S']).stdout;
  const chains = nat.split('\n').filter((l) => l.startsWith('-N CNI-DN-')).length;
  const want = pods.filter((p) => p.hostPorts > 0).length;
  return chains === want ? [] : [`portmap chains on ${nodeNetns}: ${chains} CNI-DN-* chains, ${want} hostPort pods`];
}

/** Pod IPs in the node's nftables rules (kube-proxy's endpoints): only live pods', cluster-wide. */
function auditNftables(nodeNetns: string, allPods: LivePod[]): string[] {
  const live = new Set(allPods.map((p) => p.ip));
  const rules = sh('ip', ['netns', 'exec', nodeNetns, 'nft', 'list', 'ruleset']).stdout;
  const ips = new Set(rules.match(/\b10\.244\.\d+\.\d+\b(?!\/)/g) ?? []);
  return [...ips].filter((ip) => !live.has(ip) && !ip.endsWith('.0')).map((ip) => `nftables on ${nodeNetns} name ${ip}, which no live pod holds`);
}

/** Everything one node holds for its pods, against the live pods scheduled there. */
export function auditNode(cluster: string, root: string, node: string, pods: LivePod[]): { problems: string[]; sandboxes: Map<string, Sandbox> } {
  const nodeRoot = join(root, 'nodes', node);
  const nodeNetns = `${cluster}-${node}`;
  const mine = pods.filter((p) => p.node === node);
  const { problems, sandboxes } = auditRecords(nodeRoot, mine);
  problems.push(
    ...auditHostLocal(nodeRoot, mine, sandboxes),
    ...auditResultCache(nodeRoot, sandboxes),
    ...auditVeths(nodeNetns, sandboxes),
    ...auditRoutes(nodeNetns),
    ...auditPortmap(nodeNetns, mine),
    ...auditNftables(nodeNetns, pods),
  );
  return { problems: problems.map((p) => `${node}: ${p}`), sandboxes };
}

/** The cluster's pod netns names (and /etc/netns dirs) against the live sandboxes'. */
export function auditNetns(cluster: string, sandboxes: Sandbox[]): string[] {
  const want = sandboxes.map((s) => s.netns);
  const problems: string[] = [];
  const named = sameSet(list('/run/netns').filter((n) => n.startsWith(`${cluster}-pod-`)), want);
  if (named) problems.push(`pod netns: ${named}`);
  const etc = sameSet(list('/etc/netns').filter((n) => n.startsWith(`${cluster}-pod-`)), want);
  if (etc) problems.push(`/etc/netns: ${etc}`);
  return problems;
}
