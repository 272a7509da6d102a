/**
 * A cluster's configuration and the paths of its state root (docs/layout.md). Written once by
 * `podnet up` to `<root>/cluster.json`; every podnet process of the cluster reads it.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface MachineConfig {
  /** Kubernetes node name (`node1`) or a role (`control-plane`, `outside`). */
  name: string;
  netns: string;
  ip: string;
}

export interface ClusterConfig {
  name: string;
  root: string;
  apiPort: number;
  token: string;
  nodeNetwork: string;
  clusterCIDR: string;
  serviceCIDR: string;
  clusterDNS: string;
  clusterDomain: string;
  nodes: MachineConfig[];
  controlPlane: MachineConfig;
  outside: MachineConfig;
  underlayNetns: string;
  /**
   * `--datastore-endpoint` (k3s's flag): etcd client URLs, comma-separated. Absent: the embedded
   * SQLite store under `store/`. The cluster's keys live under `datastorePrefix(name)`.
   */
  datastoreEndpoint?: string;
  /** `up --proxy-mode`: the service proxy's mode on every node; absent means nftables. */
  proxyMode?: 'nftables' | 'iptables' | 'userspace';
  /**
   * `up --backend`: how pods reach other nodes. `vxlan` (absent means vxlan) and `host-gw` are
   * flannel's backends; `bgp` is Calico's: BIRD per node in a full iBGP mesh announcing /26 blocks.
   */
  backend?: ClusterBackend;
  /** `up --lb-pool`: LoadBalancer addresses (ranges, CIDRs); absent means 172.18.0.240-172.18.0.250. */
  lbPool?: string;
}

/** The cross-node backends `podnet up --backend` offers. */
export const CLUSTER_BACKENDS = ['vxlan', 'host-gw', 'bgp'] as const;
export type ClusterBackend = (typeof CLUSTER_BACKENDS)[number];

/** Checks a backend given as `field`; the error names the field and the supported values. */
export function parseClusterBackend(value: string, field = '--backend'): ClusterBackend {
  if ((CLUSTER_BACKENDS as readonly string[]).includes(value)) return value as ClusterBackend;
  throw new Error(`${field}: Unsupported value: "${value}": supported values: ${CLUSTER_BACKENDS.map((b) => `"${b}"`).join(', ')}`);
}

export const DEFAULT_CLUSTER = 'podnet';
const NAME_RE = /^[a-z][a-z0-9]{0,9}$/;

/** Throws a message naming the flag when a cluster name cannot prefix namespace and link names. */
export function validateClusterName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new Error(
      `--name: Invalid value "${name}": must be 1-10 characters of [a-z0-9], starting with a letter (it prefixes every namespace podnet creates)`,
    );
  }
}

export function stateBase(): string {
  return process.env.PODNET_STATE_ROOT ?? '/var/lib/podnet';
}

export function clusterRoot(name: string): string {
  return join(stateBase(), name);
}

/** The layout of docs/layout.md for `nodes` nodes. */
export function newClusterConfig(name: string, nodes: number, apiPort: number, token: string): ClusterConfig {
  validateClusterName(name);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 200) {
    throw new Error(`--nodes: Invalid value ${nodes}: must be an integer from 1 to 200`);
  }
  const machine = (role: string, ip: string): MachineConfig => ({ name: role, netns: `${name}-${role}`, ip });
  return {
    name,
    root: clusterRoot(name),
    apiPort,
    token,
    nodeNetwork: '172.18.0.0/16',
    clusterCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12',
    clusterDNS: '10.96.0.10',
    clusterDomain: 'cluster.local',
    nodes: Array.from({ length: nodes }, (_, i) => machine(`node${i + 1}`, `172.18.0.${11 + i}`)),
    controlPlane: machine('control-plane', '172.18.0.2'),
    outside: machine('outside', '172.18.0.200'),
    underlayNetns: `${name}-underlay`,
  };
}

/**
 * The etcd endpoints of `--datastore-endpoint`: `http(s)://host:port`, comma-separated, as k3s
 * takes them for etcd. Throws naming the flag and the value.
 */
export function parseDatastoreEndpoint(value: string): string[] {
  const endpoints = value.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = endpoints.find((e) => !/^https?:\/\/[^/\s]+\/?$/.test(e));
  if (!endpoints.length || bad !== undefined) {
    throw new Error(
      `--datastore-endpoint: Invalid value "${bad ?? value}": want etcd client URLs http(s)://host:port, comma-separated (e.g. http://127.0.0.1:2379)`,
    );
  }
  return endpoints;
}

/** Where a cluster's keys live in a shared etcd, so that clusters on one etcd don't collide. */
export function datastorePrefix(name: string): string {
  return `/podnet/${name}`;
}

export const paths = {
  config: (root: string) => join(root, 'cluster.json'),
  kubeconfig: (root: string) => join(root, 'kubeconfig'),
  /** The apiserver's self-signed serving certificate (also the CA kubeconfigs trust) and key. */
  apiCert: (root: string) => join(root, 'pki', 'apiserver.crt'),
  apiKey: (root: string) => join(root, 'pki', 'apiserver.key'),
  storeDb: (root: string) => join(root, 'store', 'state.db'),
  apiSocket: (root: string) => join(root, 'run', 'apiserver.sock'),
  pidFile: (root: string, proc: string) => join(root, 'run', `${proc}.pid`),
  logFile: (root: string, proc: string) => join(root, 'logs', `${proc}.log`),
  nodeRoot: (root: string, node: string) => join(root, 'nodes', node),
};

export function saveClusterConfig(cfg: ClusterConfig): void {
  for (const d of ['store', 'run', 'logs', 'nodes', 'pki']) mkdirSync(join(cfg.root, d), { recursive: true });
  writeFileSync(paths.config(cfg.root), JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
}

/** (Re)writes `<root>/kubeconfig` for the cluster's current apiserver port. */
export function writeKubeconfig(cfg: ClusterConfig): void {
  const ca = readFileSync(paths.apiCert(cfg.root), 'utf8');
  writeFileSync(paths.kubeconfig(cfg.root), kubeconfigText(cfg, ca), { mode: 0o600 });
}

/** Reads `<root>/cluster.json`; the error says which cluster is missing and how to start it. */
export function loadClusterConfig(name: string): ClusterConfig {
  validateClusterName(name);
  const file = paths.config(clusterRoot(name));
  if (!existsSync(file)) {
    throw new Error(`Cluster "${name}" does not exist: no ${file} (start it with: podnet up --name ${name})`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterConfig;
}

/**
 * The kubeconfig `podnet kubeconfig` prints: https on loopback, trusting the apiserver's
 * self-signed certificate, with the cluster's token (kubectl sends a token only over TLS).
 */
export function kubeconfigText(cfg: ClusterConfig, caPem: string): string {
  const ctx = `podnet-${cfg.name}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${ctx}`,
    '  cluster:',
    `    server: https://127.0.0.1:${cfg.apiPort}`,
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'users:',
    `- name: ${ctx}-admin`,
    '  user:',
    `    token: ${cfg.token}`,
    'contexts:',
    `- name: ${ctx}`,
    '  context:',
    `    cluster: ${ctx}`,
    `    user: ${ctx}-admin`,
    '    namespace: default',
    `current-context: ${ctx}`,
    '',
  ].join('\n');
}
