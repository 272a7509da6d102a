/**
 * The control plane's Calico IPAM controller (kube-controllers' IPAM GC, kept simple and
 * level-triggered): informers on Nodes, Pods, IPAMBlocks and BlockAffinities; every change asks
 * the runner for a sync, and each sync recomputes planGc from the caches and carries it out.
 */
import type { BlockAffinity, IPAMBlock } from '../../api/calico.js';
import type { Node, Pod } from '../../api/types.js';
import { type Client, isConflict, isNotFound } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import { BoundedFrequencyRunner } from '../../util/runner.js';
import { AFFINITIES, BLOCKS } from './affinities.js';
import { planGc } from './gc-plan.js';
import { CalicoIpam } from './ipam.js';

export interface CalicoIpamControllerOptions {
  /** How long a pod must stay missing before its address is freed while its node lives (default 5 min). */
  leakGracePeriodMs?: number;
  /** Default 1000 ms between syncs. */
  minIntervalMs?: number;
  /** Periodic resync (default 60 s): also what ages leak candidates past the grace period. */
  maxIntervalMs?: number;
}

export interface CalicoIpamController {
  stop(): Promise<void>;
  /** Resolves when no sync is running or queued. */
  whenIdle(): Promise<void>;
}

const ignoreGone = (e: unknown): void => {
  if (!isNotFound(e) && !isConflict(e)) throw e;
};

async function execute(client: Client, plan: ReturnType<typeof planGc>, log: (m: string) => void): Promise<void> {
  const ipam = new CalicoIpam(client);
  for (const h of plan.releaseHandles) log(`released ${(await ipam.releaseByHandle(h)).join(', ') || 'nothing'} of handle ${h}`);
  for (const name of plan.deleteAffinities) {
    await client.delete(AFFINITIES, undefined, name).catch(ignoreGone);
    log(`deleted block affinity ${name}`);
  }
  for (const b of plan.deleteBlocks) {
    // The precondition keeps a block that changed since it was judged empty.
    await client.delete(BLOCKS, undefined, b.name, { preconditions: { resourceVersion: b.resourceVersion } }).catch(ignoreGone);
    log(`deleted empty block ${b.name}`);
  }
}

export async function startCalicoIpamController(client: Client, opts: CalicoIpamControllerOptions = {}): Promise<CalicoIpamController> {
  const nodes = new Informer<Node>(client, 'nodes', { transform: (n) => ({ metadata: { name: n.metadata?.name } }) });
  const pods = new Informer<Pod>(client, 'pods', { transform: (p) => ({ metadata: { name: p.metadata?.name, namespace: p.metadata?.namespace }, spec: { nodeName: p.spec?.nodeName, containers: [] } }) });
  const blocks = new Informer<IPAMBlock>(client, BLOCKS);
  const affinities = new Informer<BlockAffinity>(client, AFFINITIES);
  const leakSince = new Map<string, number>();
  const log = (m: string) => console.error(`calico-ipam-controller: ${m}`);
  const sync = async () => {
    const plan = planGc({
      nodes: new Set(nodes.list().map((n) => n.metadata!.name!)),
      pods: new Map(pods.list().map((p) => [`${p.metadata!.namespace}/${p.metadata!.name}`, p.spec?.nodeName ?? ''])),
      blocks: blocks.list(),
      affinities: affinities.list(),
      leakSince,
      now: Date.now(),
      leakGracePeriodMs: opts.leakGracePeriodMs ?? 300_000,
    });
    await execute(client, plan, log);
  };
  let inflight: Promise<void> = Promise.resolve();
  const tracked = () => (inflight = sync());
  const runner = new BoundedFrequencyRunner(tracked, { name: 'calico-ipam-controller', minIntervalMs: opts.minIntervalMs ?? 1000, maxIntervalMs: opts.maxIntervalMs ?? 60_000 });
  const informers = [nodes, pods, blocks, affinities];
  for (const inf of informers) inf.on({ add: () => runner.run(), update: () => runner.run(), delete: () => runner.run() });
  await Promise.all(informers.map((i) => i.start()));
  runner.start();
  return {
    async stop() {
      runner.stop();
      informers.forEach((i) => i.stop());
      await inflight.catch(() => undefined);
    },
    whenIdle: () => runner.whenIdle(),
  };
}
