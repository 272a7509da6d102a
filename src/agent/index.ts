/**
 * The node agent (kubelet's role): registers the node, writes the CNI config once the node has a
 * pod CIDR, and runs every pod bound to the node as a sandbox (netns + CNI) with its containers
 * as processes, writing pod status back. stop() leaves sandboxes and containers running, as a
 * stopping kubelet does; the next start adopts them.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { startCniServer } from '../cni/server.js';
import { Backoff } from './backoff.js';
import { writeCniConfig } from './cni-config.js';
import { apiEnvSources } from './container-env-deps.js';
import { createCniNetwork } from './cni-network.js';
import { registerNode, updateNodeStatus, waitForPodCIDR } from './node-registration.js';
import { podDir, podsRoot, SERVICE_ACCOUNT_MOUNT } from './pod-paths.js';
import type { PodNetwork } from './pod-network.js';
import { type PodSyncDeps, cleanupPod, syncPod } from './pod-sync.js';
import { PodWorkers } from './pod-workers.js';
import { ProbeManager } from './prober.js';
import { EventRecorder, podRef } from './events.js';
import { runProbe } from './probe-exec.js';
import { defaultMasterService, podServiceEnv } from './service-env.js';
import { type AgentOptions, agentDefaults, validateAgentOptions } from './options.js';
import { existsSync, readFileSync } from 'node:fs';

export type { AgentOptions } from './options.js';

export interface Agent {
  stop(): Promise<void>;
}

const HEARTBEAT_MS = 10_000;

function services(informer: Informer<Service>, o: Required<Pick<AgentOptions, 'apiServiceHost' | 'apiServicePort'>>): Service[] {
  const list = informer.list();
  const hasMaster = list.some((s) => s.metadata?.namespace === 'default' && s.metadata?.name === 'kubernetes');
  return hasMaster ? list : [...list, defaultMasterService(o.apiServiceHost, o.apiServicePort)];
}

function syncDeps(o: ReturnType<typeof agentDefaults>, network: PodNetwork, svc: Informer<Service>, probes: ProbeManager): PodSyncDeps {
  let hostResolvConf = '';
  try {
    hostResolvConf = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    /* dnsPolicy Default then gets an empty resolv.conf */
  }
  return {
    client: o.client,
    nodeIP: o.nodeIP,
    nodeName: o.nodeName,
    token: o.token,
    sandbox: { clusterName: o.clusterName, nodeNetns: o.nodeNetns, nodeIP: o.nodeIP, network, token: o.token, dns: { clusterDNS: o.clusterDNS, clusterDomain: o.clusterDomain, hostResolvConf } },
    backoff: new Backoff(),
    probes: { manager: probes, nodeNetns: o.nodeNetns },
    shimPath: join(o.repoRoot, 'dist', 'src', 'agent', 'container-shim.js'),
    nodePath: process.execPath,
    mainJs: join(o.repoRoot, 'dist', 'src', 'images', 'main.js'),
    serviceEnv: (pod: Pod) => podServiceEnv(pod, services(svc, o)),
    envSources: apiEnvSources(o.client),
    podDirOf: (pod: Pod) => podDir(o.nodeRoot, pod.metadata?.uid ?? ''),
    log: (m: string) => console.error(`agent ${o.nodeName}: ${m}`),
  };
}

/** Pod dirs on disk whose pod is not in the API any more (the agent was down when it went). */
async function orphanUids(nodeRoot: string, pods: Pod[]): Promise<string[]> {
  const known = new Set(pods.map((p) => p.metadata?.uid));
  const dirs = await readdir(podsRoot(nodeRoot)).catch(() => [] as string[]);
  return dirs.filter((uid) => !known.has(uid));
}

export async function startAgent(options: AgentOptions): Promise<Agent> {
  validateAgentOptions(options);
  const o = agentDefaults(options);
  await mkdir(podsRoot(o.nodeRoot), { recursive: true });
  // The empty mountpoint each container's private mount namespace binds its token over.
  await mkdir(SERVICE_ACCOUNT_MOUNT, { recursive: true });
  const cniServer = await startCniServer({ socketPath: join(o.nodeRoot, 'agent.sock'), hostNetns: o.nodeNetns });
  const nodeInfo = { nodeName: o.nodeName, nodeIP: o.nodeIP };
  const abort = new AbortController();
  const log = (m: string) => console.error(`agent ${o.nodeName}: ${m}`);
  try {
    await registerNode(o.client, nodeInfo);
  } catch (e) {
    await cniServer.close();
    throw e;
  }
  const heartbeat = setInterval(() => {
    updateNodeStatus(o.client, nodeInfo).catch((e: unknown) => log(`Cannot update node status: ${(e as Error).message}`));
  }, HEARTBEAT_MS);
  const svc = new Informer<Service>(o.client, 'services');
  const podInformer = new Informer<Pod>(o.client, 'pods', { fieldSelector: `spec.nodeName=${o.nodeName}` });
  const network = createCniNetwork({ nodeRoot: o.nodeRoot, repoRoot: o.repoRoot, nodeNetns: o.nodeNetns });
  // Probe results wake the pod's worker; `workers` exists by the time any probe has run.
  const events = new EventRecorder(o.client, o.nodeName);
  const unhealthy = (uid: string, container: string, type: string, output: string) => {
    const pod = podInformer.list().find((p) => p.metadata?.uid === uid);
    const kind = type[0].toUpperCase() + type.slice(1);
    if (pod) events.record(podRef(pod), 'Warning', 'Unhealthy', `${kind} probe failed: ${output}`, container);
  };
  const probes = new ProbeManager(runProbe, (uid) => workers.poke(uid), Date.now, unhealthy);
  const deps = { ...syncDeps(o, network, svc, probes), events };
  const workers: PodWorkers = new PodWorkers(
    {
      sync: (pod) => syncPod(pod, podDir(o.nodeRoot, pod.metadata?.uid ?? ''), deps),
      cleanup: async (uid) => {
        probes.removePod(uid);
        events.forget(uid);
        await cleanupPod(podDir(o.nodeRoot, uid), deps);
        deps.backoff.resetPrefix(`${uid}/`);
        deps.backoff.resetPrefix(`pull:${uid}/`);
      },
    },
    (uid, e) => log(`sync of pod ${uid} failed: ${e instanceof Error ? e.message : String(e)}`),
  );
  const ready = (async () => {
    const cidr = await waitForPodCIDR(o.client, o.nodeName, abort.signal);
    const portmap = existsSync(join(o.repoRoot, 'cni-bin', 'portmap'));
    await writeCniConfig(join(o.nodeRoot, 'cni', 'net.d'), { podCIDR: cidr, dataDir: join(o.nodeRoot, 'cni', 'networks'), portmap });
    await Promise.all([svc.start(), podInformer.start()]);
    if (abort.signal.aborted) return;
    for (const uid of await orphanUids(o.nodeRoot, podInformer.list())) workers.remove(uid);
    podInformer.on({
      add: (pod) => workers.update(pod),
      update: (old, pod) => {
        if (old.metadata?.uid !== pod.metadata?.uid) workers.remove(old.metadata?.uid ?? '');
        workers.update(pod);
      },
      delete: (pod) => workers.remove(pod.metadata?.uid ?? ''),
    });
  })().catch((e: unknown) => {
    if (!abort.signal.aborted) log(`Cannot start pod handling: ${(e as Error).message}`);
  });
  return {
    async stop() {
      abort.abort();
      clearInterval(heartbeat);
      svc.stop();
      podInformer.stop();
      workers.stop();
      probes.stop();
      await ready;
      await workers.whenIdle();
      await cniServer.close();
    },
  };
}
