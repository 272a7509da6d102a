/**
 * flanneld with the vxlan or host-gw backend, for one node: the lease is the Node's
 * spec.podCIDR; once it exists the agent sets up the backend (backend-setup.ts), publishes the
 * lease (kube subnet manager: Node annotations; with `etcd`: flannel's etcd keys), writes
 * subnet.env, and programs each remote lease (vxlan: route, neighbour and FDB entry; host-gw: a
 * route via the peer's public IP). Level-triggered: every sync compares the kernel with the leases.
 */
import type { KubeObject, Node } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { BoundedFrequencyRunner } from '../util/runner.js';
import { ANNOTATION_PREFIX, BACKEND_DATA, leaseOf, parseBackendData, type Lease } from './annotations.js';
import { setupHostGwBackend, setupVxlanBackend, type BackendSetup } from './backend-setup.js';
import { parseBackendType, type BackendType } from './backend.js';
import { desiredHostGwRoutes, syncHostGwRoutes } from './hostgw.js';
import { ensureIpMasq } from './ip-masq.js';
import { EtcdSubnetRegistry, type EtcdSubnetOptions } from './etcd-subnets.js';
import { formatCIDR, parseCIDR, renderSubnetEnv, writeFileIfChanged } from './subnet.js';
import { desiredVxlanState, diffVxlanState, isEmptyDiff } from './vxlan-desired.js';
import { applyVxlanDiff, readVxlanState } from './vxlan-kernel.js';

export interface FlannelOptions {
  client: Client;
  nodeName: string;
  /** The node's network namespace. */
  netns: string;
  /** The node's underlay address (VXLAN local and published public IP). */
  nodeIP: string;
  /** Default `eth0`. */
  underlayDev?: string;
  /** flannel's Backend.Type: `vxlan` (default) or `host-gw`. */
  backend?: BackendType;
  /**
   * flannel's etcd subnet manager: leases under `prefix` in this etcd instead of Node
   * annotations (the kube subnet manager). The lease's subnet is still the Node's spec.podCIDR.
   */
  etcd?: Omit<EtcdSubnetOptions, 'config'>;
  /** The pod network (FLANNEL_NETWORK), e.g. 10.244.0.0/16. */
  clusterCIDR: string;
  /** `<nodeRoot>/run/flannel/subnet.env`. */
  subnetFile: string;
  /**
   * Masquerade pod traffic that leaves the pod network (flanneld --ip-masq, on in
   * kube-flannel.yml); default true. Also sets FLANNEL_IPMASQ in subnet.env.
   */
  ipMasq?: boolean;
  /** Default 1000 ms between syncs; a resync every `resyncMs` (default 60 s) repairs kernel drift. */
  minSyncPeriodMs?: number;
  resyncMs?: number;
  onError?: (e: unknown) => void;
}

export interface Flannel {
  /** Resolves once the lease is known, flannel.1 exists and subnet.env is written. */
  ready: Promise<void>;
  /** Runs one reconcile now (serialized with the runner's); rejects if it fails. */
  syncNow(): Promise<void>;
  stop(): Promise<void>;
}

type NodeObj = Node & KubeObject;

/** What of a Node matters to flannel: its pod CIDR and the flannel annotations. */
function leaseKey(n: NodeObj): string {
  const ann = Object.entries(n.metadata?.annotations ?? {}).filter(([k]) => k.startsWith(ANNOTATION_PREFIX)).sort();
  return JSON.stringify([n.spec?.podCIDR ?? '', ann]);
}

export class FlannelAgent {
  private readonly nodes: Informer<NodeObj>;
  private readonly runner: BoundedFrequencyRunner;
  private readonly backend: BackendType;
  private readonly registry: EtcdSubnetRegistry | undefined;
  private lock: Promise<void> = Promise.resolve();
  private markReady!: () => void;
  readonly ready = new Promise<void>((r) => (this.markReady = r));

  constructor(private readonly opts: FlannelOptions) {
    parseCIDR(opts.clusterCIDR, 'flannel: clusterCIDR');
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(opts.nodeIP ?? '')) throw new Error(`flannel: nodeIP: Invalid value "${opts.nodeIP}": must be an IPv4 address`);
    this.backend = parseBackendType(opts.backend ?? 'vxlan', 'flannel: backend');
    this.nodes = new Informer<NodeObj>(opts.client, 'nodes');
    const config = { Network: formatCIDR(parseCIDR(opts.clusterCIDR)), SubnetLen: 24, Backend: { Type: this.backend } };
    this.registry = opts.etcd ? new EtcdSubnetRegistry({ ...opts.etcd, config }) : undefined;
    this.runner = new BoundedFrequencyRunner(() => this.syncNow(), {
      name: `flannel ${opts.nodeName}`,
      minIntervalMs: opts.minSyncPeriodMs ?? 1000,
      maxIntervalMs: opts.resyncMs ?? 60_000,
      onError: (e) => this.onError(e),
    });
  }

  async start(): Promise<void> {
    const kick = () => this.runner.run();
    // Node status heartbeats are frequent and irrelevant here: only lease changes trigger a sync
    // (the periodic resync still repairs kernel drift).
    const update = (a: NodeObj, b: NodeObj) => leaseKey(a) !== leaseKey(b) && kick();
    const gone = (n: NodeObj) => {
      kick();
      if (this.registry) void this.releaseLeaseOf(n);
    };
    this.nodes.on({ add: kick, update, delete: gone });
    if (this.registry) {
      const replaced = await this.registry.ensureConfig();
      if (replaced) console.log(`flannel ${this.opts.nodeName}: network config ${replaced}`);
      await this.registry.watch(kick);
    }
    await this.nodes.start();
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.runner.stop();
    this.nodes.stop();
    await this.lock.catch(() => undefined);
    await this.registry?.close();
  }

  syncNow(): Promise<void> {
    const next = this.lock.catch(() => undefined).then(() => this.reconcile());
    this.lock = next;
    return next;
  }

  /**
   * A deleted Node's etcd lease goes with it. flanneld would leave it until its 24 h TTL runs
   * out; podnet knows from the API that the node has left (`podnet node remove`), so peers drop
   * its routes at once, as with the kube subnet manager. A node still running re-acquires on its
   * next sync.
   */
  private async releaseLeaseOf(n: NodeObj): Promise<void> {
    const subnet = n.spec?.podCIDR;
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (!subnet || !ip || !this.registry) return;
    try {
      await this.registry.release(subnet, ip);
    } catch (e) {
      this.onError(e);
    }
  }

  private onError(e: unknown): void {
    (this.opts.onError ?? ((err) => console.error(`flannel ${this.opts.nodeName}: sync failed:`, err)))(e);
  }

  private async reconcile(): Promise<void> {
    const { netns, nodeName, nodeIP, clusterCIDR, subnetFile } = this.opts;
    const self = this.nodes.get(nodeName);
    const podCIDR = self?.spec?.podCIDR;
    if (!self || !podCIDR) return; // no lease yet: wait for node IPAM
    const lease = parseCIDR(podCIDR, 'spec.podCIDR');
    const net = { netns, nodeIP, underlayDev: this.underlayDev };
    // After a node reboot flannel.1 is gone; flannel recreates it with the MAC it published.
    const setup = this.backend === 'host-gw' ? await setupHostGwBackend(net) : await setupVxlanBackend(net, lease, await this.publishedMAC(self));
    const { mtu } = setup;
    const leases = await this.publishLease(self, podCIDR, setup);
    const ipMasq = this.opts.ipMasq ?? true;
    if (ipMasq) await ensureIpMasq(netns, formatCIDR(parseCIDR(clusterCIDR)), formatCIDR(lease));
    await writeFileIfChanged(subnetFile, renderSubnetEnv({ network: clusterCIDR, subnet: podCIDR, mtu, ipMasq }));
    // Each backend also removes what the other left (a node restarted with another backend).
    const hostGw = this.backend === 'host-gw' ? desiredHostGwRoutes(nodeName, nodeIP, leases) : [];
    await syncHostGwRoutes(netns, this.underlayDev, clusterCIDR, hostGw);
    if (this.backend === 'vxlan') {
      const diff = diffVxlanState(desiredVxlanState(nodeName, leases.filter((l) => l.publicIP !== nodeIP)), await readVxlanState(netns));
      if (!isEmptyDiff(diff)) await applyVxlanDiff(netns, diff);
    }
    this.markReady();
  }

  private get underlayDev(): string {
    return this.opts.underlayDev ?? 'eth0';
  }

  /** The VTEP MAC this node published last (Node annotation, or its etcd lease). */
  private async publishedMAC(self: NodeObj): Promise<string | undefined> {
    if (!this.registry) return parseBackendData(self.metadata?.annotations?.[BACKEND_DATA])?.VtepMAC;
    return (await this.registry.leases()).find((l) => l.publicIP === this.opts.nodeIP && l.subnet === self.spec?.podCIDR)?.vtepMAC;
  }

  /**
   * Publishes our lease and returns everyone's: in etcd (acquired or renewed as due), or as
   * annotations merge-patched onto our Node when they differ (the kube subnet manager).
   */
  private async publishLease(self: NodeObj, podCIDR: string, setup: BackendSetup): Promise<Lease[]> {
    if (this.registry) {
      await this.registry.acquire(podCIDR, setup.attrs);
      return this.registry.leases();
    }
    const have = self.metadata?.annotations ?? {};
    if (!Object.entries(setup.annotations).every(([k, v]) => have[k] === v)) {
      await this.opts.client.patch('nodes', undefined, this.opts.nodeName, { metadata: { annotations: setup.annotations } }, 'merge');
    }
    return this.nodes.list().map(leaseOf).filter((l): l is Lease => l !== undefined);
  }
}

/**
 * Starts flannel for one node. Resolves once the Node informer has synced; the lease may come
 * later (see `ready`), so that a node agent does not block on node IPAM.
 */
export async function startFlannel(opts: FlannelOptions): Promise<Flannel> {
  const agent = new FlannelAgent(opts);
  try {
    await agent.start();
  } catch (e) {
    await agent.stop();
    throw e;
  }
  return { ready: agent.ready, syncNow: () => agent.syncNow(), stop: () => agent.stop() };
}
