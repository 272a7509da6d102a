/**
 * Everything the agent needs to run pods, wired together: the sync dependencies (sandboxes via
 * CNI, container runtime, env sources, back-off), the prober, the event recorder, and the
 * per-pod workers that serialize syncs and cleanups.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod, Service } from '../api/types.js';
import type { Informer } from '../client/informer.js';
import { Backoff } from './backoff.js';
import { createCniNetwork } from './cni-network.js';
import { apiEnvSources } from './container-env-deps.js';
import { EventRecorder, podRef } from './events.js';
import type { ResolvedAgentOptions } from './options.js';
import { podDir } from './pod-paths.js';
import { type PodSyncDeps, cleanupPod, syncPod } from './pod-sync.js';
import { PodWorkers } from './pod-workers.js';
import { runProbe } from './probe-exec.js';
import { ProbeManager, type ProbeType } from './prober.js';
import { defaultMasterService, podServiceEnv } from './service-env.js';

export interface PodManager {
  workers: PodWorkers;
  stop(): void;
}

/** Every Service the agent knows, plus the `kubernetes` one when the API has none yet. */
function services(informer: Informer<Service>, o: ResolvedAgentOptions): Service[] {
  const list = informer.list();
  const hasMaster = list.some((s) => s.metadata?.namespace === 'default' && s.metadata?.name === 'kubernetes');
  return hasMaster ? list : [...list, defaultMasterService(o.apiServiceHost, o.apiServicePort)];
}

function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return ''; // dnsPolicy Default then gets an empty resolv.conf
  }
}

/**
 * The container shim: the Perl one (about 5 MB and a few ms to start) when perl with
 * Time::HiRes is there, else the Node one (about 40 MB, 120 ms). PODNET_CONTAINER_SHIM=node|perl
 * forces a choice.
 */
export function shimPath(repoRoot: string): string {
  const node = join(repoRoot, 'dist', 'src', 'agent', 'container-shim.js');
  const perl = join(repoRoot, 'src', 'agent', 'container-shim.pl');
  const want = process.env.PODNET_CONTAINER_SHIM;
  if (want === 'node') return node;
  const usable = existsSync(perl) && spawnSync('perl', ['-MTime::HiRes', '-MIO::Select', '-e', '1']).status === 0;
  if (want === 'perl' && !usable) throw new Error(`agent: Cannot use PODNET_CONTAINER_SHIM=perl: perl with Time::HiRes or ${perl} is missing`);
  return usable ? perl : node;
}

function syncDeps(o: ResolvedAgentOptions, svc: Informer<Service>, probes: ProbeManager, events: EventRecorder): PodSyncDeps {
  const network = createCniNetwork({ nodeRoot: o.nodeRoot, repoRoot: o.repoRoot, nodeNetns: o.nodeNetns });
  const dns = { clusterDNS: o.clusterDNS, clusterDomain: o.clusterDomain, hostResolvConf: hostResolvConf() };
  return {
    client: o.client,
    nodeIP: o.nodeIP,
    nodeName: o.nodeName,
    token: o.token,
    sandbox: { clusterName: o.clusterName, nodeNetns: o.nodeNetns, nodeIP: o.nodeIP, network, token: o.token, dns },
    backoff: new Backoff(),
    probes: { manager: probes, nodeNetns: o.nodeNetns },
    events,
    shimPath: shimPath(o.repoRoot),
    nodePath: process.execPath,
    mainJs: join(o.repoRoot, 'dist', 'src', 'images', 'main.js'),
    serviceEnv: (pod: Pod) => podServiceEnv(pod, services(svc, o)),
    envSources: apiEnvSources(o.client),
    podDirOf: (pod: Pod) => podDir(o.nodeRoot, pod.metadata?.uid ?? ''),
    log: (m: string) => console.error(`agent ${o.nodeName}: ${m}`),
  };
}

export function createPodManager(o: ResolvedAgentOptions, pods: Informer<Pod>, svc: Informer<Service>): PodManager {
  const events = new EventRecorder(o.client, o.nodeName);
  const probeEvent = (reason: string, verb: string) => (uid: string, container: string, type: ProbeType, output: string) => {
    const pod = pods.list().find((p) => p.metadata?.uid === uid);
    const kind = type[0].toUpperCase() + type.slice(1);
    if (pod) events.record(podRef(pod), 'Warning', reason, `${kind} probe ${verb}: ${output}`, container);
  };
  // Probe results wake the pod's worker; `workers` exists before any probe runs.
  const probes = new ProbeManager(runProbe, (uid) => workers.poke(uid), Date.now, probeEvent('Unhealthy', 'failed'), probeEvent('ProbeWarning', 'warning'));
  const deps = syncDeps(o, svc, probes, events);
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
    (uid, e) => deps.log(`sync of pod ${uid} failed: ${e instanceof Error ? e.message : String(e)}`),
  );
  return {
    workers,
    stop: () => {
      workers.stop();
      probes.stop();
    },
  };
}
