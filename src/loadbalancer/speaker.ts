/**
 * The speaker of one node (MetalLB's speaker in layer-2 mode): when elected for a load-balancer
 * address it adds the address to the node's underlay interface as a /32, so the node's kernel
 * answers ARP for it on the node network, and sends gratuitous ARP so that hosts move their
 * neighbour entry at once (failover); when another node is elected it removes it. Only the
 * node's own namespace is touched.
 */
import type { EndpointSlice, KubeObject, Node, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { ip, ipJson, isAlreadyExists, isNotFound, ToolError } from '../dataplane/exec.js';
import { BoundedFrequencyRunner } from '../util/runner.js';
import { addressesToAnnounce } from './election.js';
import { announceTakeover, GARP_REPEAT_MS } from './gratuitous-arp.js';

export interface SpeakerOptions {
  client: Client;
  nodeName: string;
  /** The node's network namespace. */
  netns: string;
  /** The node's interface on the node network (default eth0). */
  device?: string;
  /** The node's own address: never removed. */
  nodeIP: string;
  onError?: (e: unknown) => void;
  /** Sends gratuitous ARP for an address just taken (default: announceTakeover, arping). */
  announce?: (netns: string, device: string, ip: string, stillHeld: () => boolean, repeatMs: number, signal: AbortSignal) => Promise<void>;
}

export interface Speaker {
  stop(): Promise<void>;
  syncNow(): Promise<void>;
}

interface AddrInfo {
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }>;
}

/** The /32 addresses on the device: what a previous speaker (or this one) announced. */
async function announced(netns: string, device: string, nodeIP: string): Promise<string[]> {
  const links = await ipJson<AddrInfo[]>(netns, ['-4', 'addr', 'show', 'dev', device]);
  return links.flatMap((l) => l.addr_info ?? []).filter((a) => a.prefixlen === 32 && a.local && a.local !== nodeIP).map((a) => a.local as string);
}

export async function startSpeaker(opts: SpeakerOptions): Promise<Speaker> {
  const device = opts.device ?? 'eth0';
  const announce = opts.announce ?? announceTakeover;
  const onError = opts.onError ?? ((e: unknown) => console.error(`speaker ${opts.nodeName}: sync failed:`, e));
  const services = new Informer<Service & KubeObject>(opts.client, 'services');
  const slices = new Informer<EndpointSlice & KubeObject>(opts.client, 'endpointslices');
  const nodes = new Informer<Node & KubeObject>(opts.client, 'nodes');
  let wanted: string[] = [];
  const announcing = new Set<Promise<void>>();
  const stopping = new AbortController();
  const reconcile = async (want: string[]): Promise<void> => {
    wanted = want;
    const have = await announced(opts.netns, device, opts.nodeIP);
    // Withdraw first, so that two nodes answer for an address as briefly as possible.
    await withdraw(opts.netns, device, have.filter((x) => !want.includes(x)));
    const added = await take(opts.netns, device, want.filter((x) => !have.includes(x)));
    // Not awaited: a sync must not wait the seconds arping takes; stop() waits for them.
    for (const a of added) {
      const p = announce(opts.netns, device, a, () => wanted.includes(a), GARP_REPEAT_MS, stopping.signal).catch(onError).finally(() => announcing.delete(p));
      announcing.add(p);
    }
  };
  const sync = () => reconcile(addressesToAnnounce(opts.nodeName, services.list(), slices.list(), nodes.list()));
  const runner = new BoundedFrequencyRunner(sync, { name: `speaker ${opts.nodeName}`, minIntervalMs: 100, maxIntervalMs: 30_000, onError });
  const kick = { add: () => runner.run(), update: () => runner.run(), delete: () => runner.run() };
  for (const inf of [services, slices, nodes] as Informer<KubeObject>[]) inf.on(kick);
  await Promise.all([services.start(), slices.start(), nodes.start()]);
  runner.start();
  return {
    async stop() {
      runner.stop();
      for (const inf of [services, slices, nodes] as Informer<KubeObject>[]) inf.stop();
      // A stopped speaker stops answering, so that another node can take over.
      await reconcile([]).catch(() => undefined);
      stopping.abort();
      await Promise.all(announcing);
    },
    syncNow: sync,
  };
}

async function withdraw(netns: string, device: string, addrs: string[]): Promise<void> {
  // A concurrent syncNow may have done the same change first: that is success.
  for (const a of addrs) {
    await ip(netns, ['addr', 'del', `${a}/32`, 'dev', device]).catch((e) => { if (!isNotFound(e) && !(e instanceof ToolError && /Cannot assign/.test(e.stderr))) throw e; });
  }
}

/** Adds the addresses; returns those this call added (not those a concurrent sync added first). */
async function take(netns: string, device: string, addrs: string[]): Promise<string[]> {
  const added: string[] = [];
  for (const a of addrs) {
    const ok = await ip(netns, ['addr', 'add', `${a}/32`, 'dev', device]).then(() => true, (e) => { if (!isAlreadyExists(e)) throw e; return false; });
    if (ok) added.push(a);
  }
  return added;
}
