/**
 * `podnet up` and `podnet down`: build a cluster's machines and processes on this host, wait
 * until it is ready, and remove every trace of it again.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killNodeContainers } from '../agent/node-containers.js';
import net from 'node:net';
import type { Node, EndpointSlice } from '../api/types.js';
import type { Client } from '../client/client.js';
import {
  type ClusterBackend,
  type ClusterConfig,
  clusterRoot,
  datastorePrefix,
  loadClusterConfig,
  newClusterConfig,
  parseDatastoreEndpoint,
  paths,
  saveClusterConfig,
  validateClusterName,
  writeKubeconfig,
} from '../cluster/config.js';
import { createClusterNetwork, removeClusterNetwork } from '../cluster/network.js';
import { isAlive, readPid, sleep, spawnPodnet, stopRecorded } from '../cluster/processes.js';
import { clusterClient } from './daemons.js';
import { selfSignedCert } from '../apiserver/tls.js';
import { openStore } from '../store/index.js';
import { IPV4_ADDRESS_ANNOTATION } from '../calico/node/mesh-peers.js';

export interface UpOptions {
  name: string;
  nodes: number;
  timeoutMs?: number;
  log?: (line: string) => void;
  /** k3s's --datastore-endpoint: an external etcd (comma-separated client URLs) instead of SQLite. */
  datastoreEndpoint?: string;
  /** `--proxy-mode`: recorded in cluster.json; each agent starts its proxy in it. */
  proxyMode?: 'nftables' | 'iptables' | 'userspace';
  /** `--backend`: flannel's vxlan or host-gw, or Calico's bgp; recorded in cluster.json. */
  backend?: ClusterBackend;
  /** `--lb-pool`: recorded in cluster.json; the control plane's load-balancer controller uses it. */
  lbPool?: string;
}

/** Is the named cluster's control plane process alive? */
export function isRunning(name: string): boolean {
  const pid = readPid(clusterRoot(name), 'controlplane');
  return pid !== undefined && isAlive(pid);
}

function listenable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** 6443 when free (the port users expect), else any free loopback port. */
async function pickApiPort(): Promise<number> {
  return (await listenable(6443)) ?? (await listenable(0)) ?? 0;
}

export async function up(opts: UpOptions): Promise<ClusterConfig> {
  const log = opts.log ?? ((l: string) => console.log(l));
  validateClusterName(opts.name);
  if (isRunning(opts.name)) {
    throw new Error(`Cluster "${opts.name}" is already running (see: podnet status --name ${opts.name}; remove it with: podnet down --name ${opts.name})`);
  }
  if (opts.datastoreEndpoint !== undefined) await checkDatastore(opts.name, opts.datastoreEndpoint, log);
  // Leftovers of a crashed cluster of the same name would collide with the new one.
  await down(opts.name, { quiet: true });
  let cfg = newClusterConfig(opts.name, opts.nodes, await pickApiPort(), randomBytes(24).toString('hex'));
  if (opts.datastoreEndpoint !== undefined) cfg.datastoreEndpoint = opts.datastoreEndpoint;
  cfg.proxyMode = opts.proxyMode ?? 'nftables';
  cfg.backend = opts.backend ?? 'vxlan';
  if (opts.lbPool !== undefined) cfg.lbPool = opts.lbPool;
  saveClusterConfig(cfg);
  const tls = await selfSignedCert(['127.0.0.1', 'localhost', cfg.controlPlane.ip, 'kubernetes', 'kubernetes.default']);
  writeFileSync(paths.apiCert(cfg.root), tls.cert);
  writeFileSync(paths.apiKey(cfg.root), tls.key, { mode: 0o600 });
  writeKubeconfig(cfg);
  try {
    log(`Creating cluster "${cfg.name}": ${cfg.nodes.length} node(s) on ${cfg.nodeNetwork}, pods ${cfg.clusterCIDR}, services ${cfg.serviceCIDR}, proxy ${cfg.proxyMode} mode, ${backendLabel(cfg.backend)}`);
    await createClusterNetwork(cfg);
    spawnPodnet(cfg.root, { name: 'controlplane', args: ['controlplane', '--name', cfg.name] });
    cfg = await waitForApiServer(cfg, opts.timeoutMs ?? 60_000);
    const client = clusterClient(cfg, 'podnet-cli');
    log(`Control plane ready: https://127.0.0.1:${cfg.apiPort}`);
    spawnPodnet(cfg.root, { name: 'relay', args: ['relay', '--name', cfg.name], netns: cfg.controlPlane.netns });
    for (const n of cfg.nodes) spawnPodnet(cfg.root, { name: `agent-${n.name}`, args: ['agent', '--name', cfg.name, '--node', n.name] });
    await waitFor('nodes to be Ready', opts.timeoutMs ?? 90_000, () => nodesReady(client, cfg));
    log(`Nodes ready: ${cfg.nodes.map((n) => `${n.name} (${n.ip})`).join(', ')}`);
    await waitFor('cluster DNS to be ready', opts.timeoutMs ?? 90_000, () => dnsReady(client));
    log(`Cluster DNS ready: kube-dns at ${cfg.clusterDNS}`);
    client.close();
    return cfg;
  } catch (e) {
    log(`podnet up failed: ${(e as Error).message}`);
    for (const proc of ['controlplane', ...cfg.nodes.map((n) => `agent-${n.name}`)]) log(tail(paths.logFile(cfg.root, proc), proc));
    await down(cfg.name, { quiet: true });
    throw e;
  }
}

/**
 * Fails before anything is built when the external etcd is unreachable, and says when it already
 * holds this cluster's keys: like a k3s server on its datastore, the cluster then resumes from them.
 */
async function checkDatastore(name: string, endpoint: string, log: (line: string) => void): Promise<void> {
  const endpoints = parseDatastoreEndpoint(endpoint);
  const store = await openStore({ kind: 'etcd', endpoints, prefix: datastorePrefix(name) });
  try {
    const existing = await store.range('/registry/', { limit: 1 });
    if (existing.kvs.length) {
      log(`Datastore ${endpoints.join(',')} already holds cluster "${name}" (keys under ${datastorePrefix(name)}/): resuming from them`);
    }
  } finally {
    await store.close();
  }
}

/**
 * Waits until the cluster's own apiserver answers. The control plane may have moved to another
 * port (another cluster took the chosen one first) and rewritten cluster.json; an authenticated
 * request tells our apiserver from another cluster's on the same port.
 */
export async function waitForApiServer(initial: ClusterConfig, timeoutMs: number): Promise<ClusterConfig> {
  let cfg = initial;
  await waitFor('the apiserver', timeoutMs, async () => {
    if (!isAlive(readPid(cfg.root, 'controlplane') ?? -1)) throw new Error('the controlplane process exited');
    cfg = loadClusterConfig(cfg.name);
    const client = clusterClient(cfg, 'podnet-cli');
    try {
      return (await client.raw('GET', '/api')).status === 200;
    } finally {
      client.close();
    }
  });
  return cfg;
}

/** `flannel backend vxlan`, `calico backend bgp`: who carries pods across nodes. */
export function backendLabel(backend: ClusterBackend | undefined): string {
  return backend === 'bgp' ? 'calico backend bgp' : `flannel backend ${backend ?? 'vxlan'}`;
}

/**
 * Is the Node Ready and in the pod network? flannel needs its spec.podCIDR (node IPAM); Calico
 * has no per-node CIDR (blocks instead), and a node is in the mesh once calico-node published
 * its BGP address.
 */
export function nodeJoined(n: Node, backend: ClusterBackend | undefined): boolean {
  const ready = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const inNetwork = backend === 'bgp' ? Boolean(n.metadata?.annotations?.[IPV4_ADDRESS_ANNOTATION]) : Boolean(n.spec?.podCIDR);
  return ready && inNetwork;
}

export async function nodesReady(client: Client, cfg: ClusterConfig): Promise<boolean> {
  const nodes = await client.list<Node>('nodes');
  return nodes.items.filter((n) => nodeJoined(n, cfg.backend)).length >= cfg.nodes.length;
}

async function dnsReady(client: Client): Promise<boolean> {
  const slices = await client.list<EndpointSlice>('endpointslices', 'kube-system', {
    labelSelector: 'kubernetes.io/service-name=kube-dns',
  });
  return slices.items.some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready !== false));
}

/** Polls `check` every 250 ms until it is true; the timeout error names what was awaited. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`Timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

function tail(file: string, label: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n  ');
    return `--- last lines of ${label} log (${file}):\n  ${text}`;
  } catch {
    return `--- no ${label} log`;
  }
}

/**
 * Stops every process of the cluster and removes its namespaces, /etc/netns entries and state.
 * An external datastore (--datastore-endpoint) keeps the cluster's keys, as k3s leaves its
 * external datastore alone; remove them with `etcdctl del --prefix /podnet/<name>/`.
 */
export async function down(name: string, opts: { quiet?: boolean } = {}): Promise<boolean> {
  validateClusterName(name);
  const root = clusterRoot(name);
  const existed = existsSync(root);
  await stopRecorded(root);
  // Containers outlive their agents (detached shims): kill them by their records too, which
  // finds one whose netns name is already gone.
  for (const node of existsSync(join(root, 'nodes')) ? readdirSync(join(root, 'nodes')) : []) {
    await killNodeContainers(paths.nodeRoot(root, node));
  }
  await removeClusterNetwork(name);
  rmSync(root, { recursive: true, force: true });
  if (!opts.quiet) console.log(existed ? `Cluster "${name}" removed` : `Cluster "${name}" did not exist; removed any leftovers`);
  return existed;
}
