/**
 * The node agent (kubelet's role): registers the node, writes the CNI config once the node has a
 * pod CIDR, and runs every pod bound to the node as a sandbox (netns + CNI) with its containers
 * as processes, writing pod status back. stop() leaves sandboxes and containers running, as a
 * stopping kubelet does; the next start adopts them.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod, Service } from '../api/types.js';
import { Informer } from '../client/informer.js';
import { startCniServer } from '../cni/server.js';
import { writePodNetworkConfig } from './pod-network-config.js';
import { gcCniNetwork } from './cni-network.js';
import { registerNodeWithRetry, updateNodeStatus } from './node-registration.js';
import { type AgentOptions, type ResolvedAgentOptions, agentDefaults, validateAgentOptions } from './options.js';
import { type PodManager, createPodManager } from './pod-manager.js';
import { podsRoot, SERVICE_ACCOUNT_MOUNT } from './pod-paths.js';

export type { AgentOptions } from './options.js';

export interface Agent {
  /** Stops watches, timers and the CNI server; leaves sandboxes and containers running. */
  stop(): Promise<void>;
}

const HEARTBEAT_MS = 10_000;

/** Pod dirs on disk whose pod is not in the API any more (the agent was down when it went). */
async function orphanUids(nodeRoot: string, pods: Pod[]): Promise<string[]> {
  const known = new Set(pods.map((p) => p.metadata?.uid));
  const dirs = await readdir(podsRoot(nodeRoot)).catch(() => [] as string[]);
  return dirs.filter((uid) => !known.has(uid));
}

/** Resolves with `p`, or rejects once `signal` aborts (an informer that never syncs must not hang stop()). */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('agent: stopped'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** After the pod network config (flannel: once the node has a pod CIDR): then the informers, orphan cleanup and pod events. */
async function runPods(o: ResolvedAgentOptions, pods: Informer<Pod>, svc: Informer<Service>, mgr: PodManager, signal: AbortSignal): Promise<void> {
  await writePodNetworkConfig(o, signal);
  // Before any pod sync: GC must not run alongside ADD or DEL.
  await gcCniNetwork(o).then(
    (gone) => gone.length > 0 && console.error(`agent ${o.nodeName}: CNI GC deleted ${gone.length} stale attachment(s): ${gone.map((k) => k.containerId.slice(0, 12)).join(', ')}`),
    (e: unknown) => console.error(`agent ${o.nodeName}: CNI GC failed: ${(e as Error).message}`),
  );
  await unlessAborted(Promise.all([svc.start(), pods.start()]), signal);
  for (const uid of await orphanUids(o.nodeRoot, pods.list())) mgr.workers.remove(uid);
  pods.on({
    add: (pod) => mgr.workers.update(pod),
    update: (old, pod) => {
      if (old.metadata?.uid !== pod.metadata?.uid) mgr.workers.remove(old.metadata?.uid ?? '');
      mgr.workers.update(pod);
    },
    delete: (pod) => mgr.workers.remove(pod.metadata?.uid ?? ''),
  });
}

export async function startAgent(options: AgentOptions): Promise<Agent> {
  validateAgentOptions(options);
  const o = agentDefaults(options);
  const log = (m: string) => console.error(`agent ${o.nodeName}: ${m}`);
  await mkdir(podsRoot(o.nodeRoot), { recursive: true });
  // The empty mountpoint each container's private mount namespace binds its token over.
  await mkdir(SERVICE_ACCOUNT_MOUNT, { recursive: true });
  const cniServer = await startCniServer({ socketPath: join(o.nodeRoot, 'agent.sock'), hostNetns: o.nodeNetns, apiClient: o.client });
  const nodeInfo = { nodeName: o.nodeName, nodeIP: o.nodeIP };
  await registerNodeWithRetry(o.client, nodeInfo, log).catch(async (e: unknown) => {
    await cniServer.close();
    throw e;
  });
  const heartbeat = setInterval(() => {
    updateNodeStatus(o.client, nodeInfo).catch((e: unknown) => log(`Cannot update node status: ${(e as Error).message}`));
  }, HEARTBEAT_MS);
  const svc = new Informer<Service>(o.client, 'services');
  const pods = new Informer<Pod>(o.client, 'pods', { fieldSelector: `spec.nodeName=${o.nodeName}` });
  const mgr = createPodManager(o, pods, svc);
  const abort = new AbortController();
  const running = runPods(o, pods, svc, mgr, abort.signal).catch((e: unknown) => {
    if (!abort.signal.aborted) log(`Cannot start pod handling: ${(e as Error).message}`);
  });
  return {
    async stop() {
      abort.abort();
      clearInterval(heartbeat);
      svc.stop();
      pods.stop();
      mgr.stop();
      await running;
      await mgr.workers.whenIdle();
      await cniServer.close();
    },
  };
}
