/**
 * calico-node for one node, in BGP (no-encap) mode: publishes the node's BGP address on its Node
 * (as calico-node's startup does), renders bird.cfg from the mesh (Nodes with that address) and
 * the node's confirmed block affinities (what confd does), keeps one BIRD running in the node's
 * namespace and reconfigures it on change, and programs Felix's natOutgoing for the pools.
 * Level-triggered: every sync recomputes the whole configuration from the informers' caches.
 */
import type { KubeObject, Node } from '../../api/types.js';
import type { BlockAffinity } from '../../api/calico.js';
import type { Client } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import { sysctl } from '../../dataplane/exec.js';
import { BoundedFrequencyRunner } from '../../util/runner.js';
import { affineBlocksOf, watchAffinities } from '../ipam/index.js';
import { renderBirdConfig, type BgpTimers } from '../bgp/bird-config.js';
import { BirdDaemon } from '../bgp/bird-daemon.js';
import { IPV4_ADDRESS_ANNOTATION, ipv4AddressAnnotation, meshKey, meshPeers } from './mesh-peers.js';
import { deleteNatOutgoing, ensureNatOutgoing } from './nat-outgoing.js';

export interface CalicoNodeOptions {
  client: Client;
  nodeName: string;
  /** The node's network namespace (BIRD runs in it; routes and rules go there). */
  netns: string;
  nodeIP: string;
  /** The node network, for the published `<ip>/<len>` (default 172.18.0.0/16). */
  nodeNetwork?: string;
  /** `<dir>/bird.cfg`, `bird.ctl`, `bird.pid`: `<nodeRoot>/calico`. */
  dir: string;
  /** The IP pools (podnet: the cluster CIDR). */
  pools: string[];
  /** Felix natOutgoing on every pool (default true, as Calico's default pool). */
  natOutgoing?: boolean;
  timers?: BgpTimers;
  /** Default 500 ms between syncs; a resync every `resyncMs` (default 60 s). */
  minSyncPeriodMs?: number;
  resyncMs?: number;
  /** startCalicoNode gives up (and stops) when the first sync has not succeeded by then (default 60 s). */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface CalicoNode {
  /** Resolves after the first sync: address published, BIRD running with the mesh, NAT in place. */
  ready: Promise<void>;
  bird: BirdDaemon;
  /** Runs one sync now (serialized with the runner's). */
  syncNow(): Promise<void>;
  /** Stops BIRD and removes its routes, the NAT table and BIRD's files. */
  stop(): Promise<void>;
}

type NodeObj = Node & KubeObject;

export class CalicoNodeDaemon implements CalicoNode {
  readonly bird: BirdDaemon;
  private readonly nodes: Informer<NodeObj>;
  private readonly affinities: Informer<BlockAffinity>;
  private readonly runner: BoundedFrequencyRunner;
  private lock: Promise<void> = Promise.resolve();
  private birdStarted = false;
  private lastSummary = '';
  /** The last sync's failure, for the readiness error. */
  lastError: string | undefined;
  private markReady!: () => void;
  readonly ready = new Promise<void>((r) => (this.markReady = r));

  constructor(private readonly opts: CalicoNodeOptions) {
    this.bird = new BirdDaemon({ netns: opts.netns, dir: opts.dir, logPrefix: `bird ${opts.nodeName}`, log: opts.log });
    this.nodes = new Informer<NodeObj>(opts.client, 'nodes');
    this.affinities = watchAffinities(opts.client);
    this.runner = new BoundedFrequencyRunner(() => this.syncNow(), {
      name: `calico-node ${opts.nodeName}`,
      minIntervalMs: opts.minSyncPeriodMs ?? 500,
      maxIntervalMs: opts.resyncMs ?? 60_000,
      retryIntervalMs: 1000,
      onError: (e) => {
        this.lastError = (e as Error).message;
        this.log(`sync failed: ${this.lastError}`);
      },
    });
  }

  private log(line: string): void {
    (this.opts.log ?? console.log)(`calico-node ${this.opts.nodeName}: ${line}`);
  }

  async start(): Promise<void> {
    // The node routes between its pods and the rest: forwarding, as calico-node requires.
    await sysctl(this.opts.netns, { 'net.ipv4.ip_forward': 1 });
    // Both caches first: a sync that saw Nodes but no affinities yet would start BIRD without
    // the node's blocks, and its peers would withdraw them (handlers registered later get the
    // cache replayed, so no event is lost).
    await Promise.all([this.nodes.start(), this.affinities.start()]);
    const kick = () => this.runner.run();
    // Node heartbeats are frequent and irrelevant: only a change of BGP address (or deletion) counts.
    this.nodes.on({ add: kick, update: (a, b) => meshKey(a) !== meshKey(b) && kick(), delete: kick });
    this.affinities.on({ add: kick, update: kick, delete: kick });
    this.runner.start();
  }

  syncNow(): Promise<void> {
    const next = this.lock.catch(() => undefined).then(() => this.sync());
    this.lock = next;
    return next;
  }

  private async sync(): Promise<void> {
    await this.publishAddress();
    const peers = meshPeers(this.nodes.list());
    const blocks = affineBlocksOf(this.affinities.list(), this.opts.nodeName);
    const config = renderBirdConfig({ nodeIP: this.opts.nodeIP, peers, blocks, pools: this.opts.pools, timers: this.opts.timers });
    if (!this.birdStarted) {
      await this.bird.start(config);
      this.birdStarted = true;
    } else {
      await this.bird.configure(config);
    }
    if (this.opts.natOutgoing ?? true) await ensureNatOutgoing(this.opts.netns, this.opts.pools, this.opts.pools);
    const summary = `mesh ${peers.filter((p) => p.ip !== this.opts.nodeIP).map((p) => `${p.name}=${p.ip}`).join(' ') || '(alone)'}; blocks ${blocks.join(' ') || '(none)'}`;
    if (summary !== this.lastSummary) this.log(summary);
    this.lastSummary = summary;
    this.markReady();
  }

  /** calico-node's startup: `projectcalico.org/IPv4Address` on its own Node (once the agent registered it). */
  private async publishAddress(): Promise<void> {
    const want = ipv4AddressAnnotation(this.opts.nodeIP, this.opts.nodeNetwork ?? '172.18.0.0/16');
    const me = this.nodes.list().find((n) => n.metadata?.name === this.opts.nodeName);
    if (!me) throw new Error(`Node "${this.opts.nodeName}" is not registered yet`);
    if (me.metadata?.annotations?.[IPV4_ADDRESS_ANNOTATION] === want) return;
    await this.opts.client.patch<Node>('nodes', undefined, this.opts.nodeName, { metadata: { annotations: { [IPV4_ADDRESS_ANNOTATION]: want } } });
  }

  async stop(): Promise<void> {
    this.runner.stop();
    this.nodes.stop();
    this.affinities.stop();
    await this.lock.catch(() => undefined);
    await this.bird.stop();
    if (this.opts.natOutgoing ?? true) await deleteNatOutgoing(this.opts.netns);
  }
}

/**
 * Starts calico-node; resolves once it has synced once (see CalicoNode.ready). Rejects, with the
 * last sync error, when that takes longer than `readyTimeoutMs` (default 60 s); it is then stopped.
 */
export async function startCalicoNode(opts: CalicoNodeOptions): Promise<CalicoNode> {
  const daemon = new CalicoNodeDaemon(opts);
  await daemon.start();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`calico-node ${opts.nodeName}: not ready after ${opts.readyTimeoutMs ?? 60_000} ms: ${daemon.lastError ?? 'no sync finished'}`)), opts.readyTimeoutMs ?? 60_000);
  });
  try {
    await Promise.race([daemon.ready, timeout]);
  } catch (e) {
    await daemon.stop();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return daemon;
}
