/**
 * The long-running processes `podnet up` starts: the control plane (store, apiserver,
 * controllers), the API relay, and one node agent per node (kubelet-like agent, overlay, proxy).
 * Each runs until SIGTERM and then stops its components in reverse order.
 */
import { Client } from '../client/client.js';
import { openStore, type StoreOptions } from '../store/index.js';
import { startApiServer } from '../apiserver/server.js';
import { startControllers } from '../controllers/index.js';
import { startAgent } from '../agent/index.js';
import { etcdNetworkPrefix, startFlannel } from '../overlay/index.js';
import { startProxy } from '../proxy/index.js';
import { DEFAULT_HEALTHZ_BIND_ADDRESS } from '../proxy/healthz/index.js';
import { startNodeLoadBalancer } from '../loadbalancer/index.js';
import { startCalicoNode, type CalicoNode } from '../calico/node/index.js';
import { startCalicoIpamController } from '../calico/ipam/index.js';
import {
  type ClusterConfig,
  type MachineConfig,
  datastorePrefix,
  parseDatastoreEndpoint,
  paths,
  saveClusterConfig,
  writeKubeconfig,
} from '../cluster/config.js';
import { bootstrapCluster, API_RELAY_PORT } from '../cluster/bootstrap.js';
import { startRelay } from '../cluster/relay.js';
import { REPO_ROOT } from '../cluster/processes.js';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

type Stopper = () => Promise<void> | void;

/** Runs until SIGTERM/SIGINT, then calls the stoppers last-first and exits. */
function untilSignal(what: string, stoppers: Stopper[]): Promise<void> {
  return new Promise((resolve) => {
    const stop = async () => {
      console.log(`${what}: stopping`);
      for (const s of stoppers.reverse()) {
        try {
          await s();
        } catch (e) {
          console.error(`${what}: stop failed:`, e);
        }
      }
      resolve();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  });
}

export function clusterClient(cfg: ClusterConfig, userAgent: string): Client {
  return new Client({ server: `http://127.0.0.1:${cfg.apiPort}`, token: cfg.token, userAgent });
}

/**
 * The control plane's store: the external etcd of `--datastore-endpoint`, under the cluster's
 * own key prefix, else the embedded SQLite database (k3s's default and choice).
 */
export function controlPlaneStoreOptions(cfg: ClusterConfig): StoreOptions {
  if (!cfg.datastoreEndpoint) return { kind: 'sqlite', path: paths.storeDb(cfg.root) };
  return { kind: 'etcd', endpoints: parseDatastoreEndpoint(cfg.datastoreEndpoint), prefix: datastorePrefix(cfg.name) };
}

export async function runControlPlane(cfg: ClusterConfig): Promise<void> {
  const storeOpts = controlPlaneStoreOptions(cfg);
  const store = await openStore(storeOpts);
  console.log(
    storeOpts.kind === 'etcd'
      ? `controlplane: store is etcd at ${storeOpts.endpoints.join(',')}, keys under ${storeOpts.prefix}/`
      : `controlplane: store is SQLite at ${paths.storeDb(cfg.root)}`,
  );
  const socketPath = paths.apiSocket(cfg.root);
  rmSync(socketPath, { force: true });
  const serve = (port: number) => startApiServer({
    store,
    host: '127.0.0.1',
    port,
    token: cfg.token,
    socketPath,
    serviceCIDR: cfg.serviceCIDR,
    // kubectl users come over https; podnet's own components use plain http on loopback.
    tls: { cert: readFileSync(paths.apiCert(cfg.root), 'utf8'), key: readFileSync(paths.apiKey(cfg.root), 'utf8') },
    stateRoot: cfg.root,
  });
  const api = await serve(cfg.apiPort).catch((e: NodeJS.ErrnoException) => {
    // Another cluster (or program) took the port between `up` choosing it and us binding it.
    if (e.code !== 'EADDRINUSE') throw e;
    return serve(0);
  });
  if (api.port !== cfg.apiPort) {
    console.log(`controlplane: port ${cfg.apiPort} was taken; serving on ${api.port}`);
    cfg.apiPort = api.port;
    saveClusterConfig(cfg);
    writeKubeconfig(cfg);
  }
  console.log(`controlplane: apiserver listening on ${api.url} and ${socketPath}`);
  const client = clusterClient(cfg, 'podnet-controller-manager');
  // Calico clusters run kube-controller-manager with --allocate-node-cidrs=false: IPAM blocks instead.
  const bgp = cfg.backend === 'bgp';
  const controllers = await startControllers(client, { clusterCIDR: cfg.clusterCIDR, nodeCIDRMaskSize: 24, lbPool: cfg.lbPool, allocateNodeCIDRs: !bgp });
  // Calico's IPAM garbage collection (kube-controllers' node and IPAM controllers): a deleted
  // Node's affinities and empty blocks, and the addresses of pods that are gone.
  const calicoIpam = bgp ? await startCalicoIpamController(client) : undefined;
  await bootstrapCluster(client, cfg);
  console.log(`controlplane: controllers${bgp ? ' and calico IPAM controller' : ''} running, cluster objects bootstrapped`);
  await untilSignal('controlplane', [() => store.close(), () => api.close(), () => controllers.stop(), () => calicoIpam?.stop()]);
}

export async function runRelay(cfg: ClusterConfig): Promise<void> {
  const server = await startRelay(API_RELAY_PORT, paths.apiSocket(cfg.root));
  console.log(`relay: forwarding ${cfg.controlPlane.ip}:${API_RELAY_PORT} to the apiserver`);
  await untilSignal('relay', [() => new Promise<void>((r) => server.close(() => r()))]);
}

export async function runNodeAgent(cfg: ClusterConfig, nodeName: string): Promise<void> {
  const node = cfg.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`--node: Invalid value "${nodeName}": cluster "${cfg.name}" has nodes ${cfg.nodes.map((n) => n.name).join(', ')}`);
  const nodeRoot = paths.nodeRoot(cfg.root, node.name);
  mkdirSync(join(nodeRoot, 'run', 'flannel'), { recursive: true });
  const client = (who: string) => clusterClient(cfg, `${who}/${node.name}`);
  const agent = await startAgent({
    client: client('podnet-agent'),
    clusterName: cfg.name,
    nodeName: node.name,
    nodeNetns: node.netns,
    nodeIP: node.ip,
    nodeRoot,
    clusterDNS: cfg.clusterDNS,
    clusterDomain: cfg.clusterDomain,
    repoRoot: REPO_ROOT,
    token: cfg.token,
    // bgp: Calico's CNI plugins and IPAM blocks instead of bridge + host-local on spec.podCIDR.
    network: cfg.backend === 'bgp' ? 'calico' : 'flannel',
    clusterCIDR: cfg.clusterCIDR,
  });
  const overlay = cfg.backend === 'bgp' ? await startCalicoNodeFor(cfg, node, nodeRoot) : await startFlannel({
    client: client('podnet-flannel'),
    nodeName: node.name,
    netns: node.netns,
    nodeIP: node.ip,
    clusterCIDR: cfg.clusterCIDR,
    backend: cfg.backend === 'host-gw' ? 'host-gw' : 'vxlan',
    // With an etcd datastore, flannel's etcd subnet manager keeps the leases there (per-cluster prefix).
    etcd: cfg.datastoreEndpoint
      ? { endpoints: parseDatastoreEndpoint(cfg.datastoreEndpoint), prefix: etcdNetworkPrefix(datastorePrefix(cfg.name)) }
      : undefined,
    subnetFile: join(nodeRoot, 'run', 'flannel', 'subnet.env'),
  });
  const proxy = await startProxy({
    client: client('podnet-proxy'),
    nodeName: node.name,
    netns: node.netns,
    nodeIP: node.ip,
    clusterCIDR: cfg.clusterCIDR,
    serviceCIDR: cfg.serviceCIDR,
    mode: cfg.proxyMode,
    // kube-proxy's default: /healthz and /livez on every node address (a child in the node netns).
    healthzBindAddress: DEFAULT_HEALTHZ_BIND_ADDRESS,
  });
  // The health checks report serviceProxyHealthy from the proxy's own health, as kube-proxy's do.
  const lb = await startNodeLoadBalancer({ client: client('podnet-lb-speaker'), nodeName: node.name, netns: node.netns, nodeIP: node.ip, proxyHealth: proxy.health });
  console.log(`agent ${node.name}: agent, ${cfg.backend === 'bgp' ? 'calico-node' : 'flannel'}, proxy and load-balancer speaker running`);
  await untilSignal(`agent ${node.name}`, [() => agent.stop(), () => overlay.stop(), () => proxy.stop(), () => lb.stop()]);
}

/** The bgp backend's calico-node: BIRD in the node's namespace under `<nodeRoot>/calico`. */
function startCalicoNodeFor(cfg: ClusterConfig, node: MachineConfig, nodeRoot: string): Promise<CalicoNode> {
  return startCalicoNode({
    client: clusterClient(cfg, `podnet-calico-node/${node.name}`),
    nodeName: node.name,
    netns: node.netns,
    nodeIP: node.ip,
    nodeNetwork: cfg.nodeNetwork,
    dir: join(nodeRoot, 'calico'),
    pools: [cfg.clusterCIDR],
  });
}
