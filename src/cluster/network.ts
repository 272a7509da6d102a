/**
 * The machines of a cluster on one Linux host: an underlay namespace holding the node network's
 * bridge, and one namespace per machine (control plane, nodes, outside world) wired to it by a
 * veth pair created directly inside podnet's namespaces. Nothing touches the host namespace.
 */
import { rm, readdir } from 'node:fs/promises';
import { ip, ipBatch, run, sysctl } from '../dataplane/exec.js';
import { netnsAdd, netnsDel, netnsList } from '../dataplane/netns.js';
import type { ClusterConfig, MachineConfig } from './config.js';

const UNDERLAY_BRIDGE = 'br0';

/** The underlay port of a machine: `v-<name>`, within the 15-byte interface name limit. */
export function underlayPort(machine: MachineConfig): string {
  return `v-${machine.name}`.slice(0, 15);
}

export async function createUnderlay(cfg: ClusterConfig): Promise<void> {
  await netnsAdd(cfg.underlayNetns);
  await ipBatch(cfg.underlayNetns, [`link add ${UNDERLAY_BRIDGE} type bridge`, `link set ${UNDERLAY_BRIDGE} up`]);
}

/** Plugs a machine namespace into the underlay bridge with `eth0` = `<ip>/<prefix>`. */
export async function attachMachine(cfg: ClusterConfig, m: MachineConfig): Promise<void> {
  await netnsAdd(m.netns);
  const port = underlayPort(m);
  await ip(cfg.underlayNetns, ['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', m.netns]);
  await ipBatch(cfg.underlayNetns, [`link set ${port} master ${UNDERLAY_BRIDGE}`, `link set ${port} up`]);
  const prefix = cfg.nodeNetwork.split('/')[1];
  await ipBatch(m.netns, [`addr add ${m.ip}/${prefix} dev eth0`, 'link set eth0 up']);
}

/** A node forwards pod traffic, and bridged pod-to-pod traffic passes netfilter (kube-proxy needs it). */
export async function prepareNode(m: MachineConfig): Promise<void> {
  await sysctl(m.netns, {
    'net.ipv4.ip_forward': 1,
    'net.bridge.bridge-nf-call-iptables': 1,
    'net.bridge.bridge-nf-call-ip6tables': 1,
  });
}

/**
 * kube-proxy DNATs a node's own connections in the nat output hook, which runs after the routing
 * decision: a real node passes it through its default route. Podnet's nodes have none, so they
 * get a route for the service CIDR instead (else `connect` fails with ENETUNREACH before any rule).
 */
export async function routeServiceCIDR(m: MachineConfig, serviceCIDR: string): Promise<void> {
  await ip(m.netns, ['route', 'replace', serviceCIDR, 'dev', 'eth0']);
}

export async function createClusterNetwork(cfg: ClusterConfig): Promise<void> {
  await createUnderlay(cfg);
  for (const m of [cfg.controlPlane, ...cfg.nodes, cfg.outside]) await attachMachine(cfg, m);
  for (const n of cfg.nodes) {
    await prepareNode(n);
    await routeServiceCIDR(n, cfg.serviceCIDR);
  }
}

/** Kills every process still running inside one of the cluster's namespaces. */
export async function killNamespaceProcesses(prefix: string): Promise<void> {
  for (const ns of await netnsList(prefix)) {
    const { stdout } = await run('ip', ['netns', 'pids', ns], { allowFailure: true });
    for (const pid of stdout.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

/** Removes every namespace and /etc/netns entry whose name starts with `<cluster>-`. */
export async function removeClusterNetwork(clusterName: string): Promise<void> {
  const prefix = `${clusterName}-`;
  await killNamespaceProcesses(prefix);
  // Pods first, the underlay last: deleting a namespace deletes its end of each veth pair.
  const all = await netnsList(prefix);
  const order = (ns: string) => (ns.startsWith(`${prefix}pod-`) ? 0 : ns === `${prefix}underlay` ? 2 : 1);
  for (const ns of all.sort((a, b) => order(a) - order(b))) await netnsDel(ns);
  let etc: string[] = [];
  try {
    etc = await readdir('/etc/netns');
  } catch {
    etc = [];
  }
  for (const d of etc.filter((n) => n.startsWith(prefix))) await rm(`/etc/netns/${d}`, { recursive: true, force: true });
}
