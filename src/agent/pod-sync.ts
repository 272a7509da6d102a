/**
 * syncPod for one pod (kubelet's SyncPod / SyncTerminatingPod): make the node match the pod
 * object: a live sandbox, its containers as the restart policy wants them, the status written
 * back; or, for a pod being deleted, everything stopped and removed and the object deleted.
 * Idempotent and level-triggered: it starts from what the disk and kernel show each time.
 */
import type { Pod, PodStatus } from '../api/types.js';
import { type Client, isNotFound, ApiError } from '../client/client.js';
import { type ContainerSyncDeps, syncContainer } from './container-sync.js';
import { pendingView, syncInitContainers } from './init-containers.js';
import { podRef } from './events.js';
import { killContainers, killSandboxProcesses, removePod, stopPod } from './pod-termination.js';
import { type ContainerView, type PodView, computePodStatus, statusChanged } from './pod-status.js';
import { type SandboxDeps, type SandboxRecord, createSandbox, readSandbox, removeSandbox, sandboxReady } from './sandbox.js';
import { finalViews, markKilledWithSandbox, sandboxLostForGood } from './sandbox-lost.js';

export interface PodSyncDeps extends ContainerSyncDeps {
  client: Client;
  nodeIP: string;
  sandbox: SandboxDeps;
  log(message: string): void;
}

export interface SyncResult {
  /** Look at the pod again after this many ms (container liveness, back-off expiry). */
  resyncAfterMs?: number;
}

/** How long a pod's containers get between SIGTERM and SIGKILL. */
export function gracePeriodSeconds(pod: Pod): number {
  return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

const isTerminal = (phase: string | undefined) => phase === 'Succeeded' || phase === 'Failed';

/**
 * A live sandbox for the pod: the recorded one, or a new one when it is missing or broken;
 * undefined when it died and must not be replaced (restartPolicy Never, see sandbox-lost.ts).
 */
async function ensureSandbox(pod: Pod, podDir: string, deps: PodSyncDeps): Promise<SandboxRecord | undefined> {
  const rec = await readSandbox(podDir);
  if (rec && (await sandboxReady(rec))) return rec;
  if (rec && (await sandboxLostForGood(pod, podDir))) {
    deps.log(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: sandbox ${rec.id.slice(0, 12)} is gone and restartPolicy is Never: stopping the pod`);
    await stopPod(podDir, 0, deps.sandbox);
    return undefined;
  }
  if (rec) {
    // The sandbox died (its netns or its pause process is gone): as kubelet when the pause
    // container dies, kill the containers and start over in a new sandbox.
    deps.log(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: sandbox ${rec.id.slice(0, 12)} is gone, recreating`);
    deps.events?.record(podRef(pod), 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    // kubelet's killPod here gives the containers their grace period, as any kill.
    await markKilledWithSandbox(podDir);
    await killContainers(podDir, gracePeriodSeconds(pod));
    await killSandboxProcesses(rec);
    await removeSandbox(podDir, rec, deps.sandbox);
  }
  return createSandbox(podDir, pod, deps.sandbox);
}

function waitingViews(pod: Pod, reason: string): ContainerView[] {
  return (pod.spec?.containers ?? []).map((c) => pendingView(c, reason));
}

async function writeStatus(pod: Pod, status: PodStatus, deps: PodSyncDeps): Promise<void> {
  if (!statusChanged(pod.status, status)) return;
  const m = pod.metadata ?? {};
  try {
    await deps.client.patch<Pod>('pods', m.namespace, m.name ?? '', { metadata: { uid: m.uid }, status }, 'merge', 'status');
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Deletes the pod object for good, only if it is still the same pod (uid precondition). */
async function deletePodObject(pod: Pod, deps: PodSyncDeps): Promise<void> {
  const m = pod.metadata ?? {};
  try {
    await deps.client.delete('pods', m.namespace, m.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: m.uid } });
  } catch (e) {
    if (isNotFound(e) || (e instanceof ApiError && e.code === 409)) return;
    throw e;
  }
}

const DEADLINE_MESSAGE = 'Pod was active on the node longer than the specified deadline';

/** Milliseconds left of spec.activeDeadlineSeconds since status.startTime (undefined: none). */
export function activeDeadlineLeft(pod: Pod, now = Date.now()): number | undefined {
  const secs = pod.spec?.activeDeadlineSeconds;
  const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
  if (secs === undefined || Number.isNaN(start)) return undefined;
  return start + secs * 1000 - now;
}

/** kubelet's active deadline: stop everything and fail the pod with reason DeadlineExceeded. */
async function failDeadlineExceeded(pod: Pod, podDir: string, deps: PodSyncDeps): Promise<void> {
  deps.events?.record(podRef(pod), 'Normal', 'DeadlineExceeded', DEADLINE_MESSAGE);
  deps.probes?.manager.removePod(pod.metadata?.uid ?? '');
  await stopPod(podDir, gracePeriodSeconds(pod), deps.sandbox);
  await writeStatus(pod, { ...pod.status, phase: 'Failed', reason: 'DeadlineExceeded', message: DEADLINE_MESSAGE }, deps);
}

/** Init containers, then app containers; what the status should show and when to look again. */
async function syncContainers(pod: Pod, podDir: string, sandbox: SandboxRecord, deps: PodSyncDeps, deadline?: number): Promise<{ view: PodView; resyncAfterMs: number }> {
  let resync = Math.max(100, Math.min(1000, deadline ?? 1000)); // PLEG-like relist: notice exits within a second.
  const soon = (ms: number | undefined) => {
    if (ms !== undefined) resync = Math.min(resync, Math.max(100, ms));
  };
  const init = pod.spec?.initContainers?.length ? await syncInitContainers(pod, podDir, sandbox, deps) : undefined;
  soon(init?.resyncAfterMs);
  const containers: ContainerView[] = [];
  for (const c of pod.spec?.containers ?? []) {
    if (init && !init.done) {
      containers.push(pendingView(c));
      continue;
    }
    const r = await syncContainer(pod, c, podDir, sandbox, deps);
    containers.push(r.view);
    soon(r.resyncAfterMs);
  }
  const view: PodView = {
    hostIP: deps.nodeIP,
    podIP: sandbox.podIP,
    sandboxReady: true,
    containers,
    ...(init ? { initContainers: init.views, initialized: init.done, initFailed: init.failed } : {}),
  };
  return { view, resyncAfterMs: resync };
}

export async function syncPod(pod: Pod, podDir: string, deps: PodSyncDeps): Promise<SyncResult> {
  if (pod.metadata?.deletionTimestamp) {
    deps.probes?.manager.removePod(pod.metadata.uid ?? '');
    for (const c of pod.spec?.containers ?? []) deps.events?.record(podRef(pod), 'Normal', 'Killing', `Stopping container ${c.name}`, c.name);
    await removePod(podDir, gracePeriodSeconds(pod), deps.sandbox);
    await deletePodObject(pod, deps);
    return {};
  }
  if (isTerminal(pod.status?.phase)) {
    await stopPod(podDir, 0, deps.sandbox);
    return {};
  }
  const deadline = activeDeadlineLeft(pod);
  if (deadline !== undefined && deadline <= 0) {
    await failDeadlineExceeded(pod, podDir, deps);
    return {};
  }
  let sandbox: SandboxRecord | undefined;
  try {
    sandbox = await ensureSandbox(pod, podDir, deps);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    deps.log(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: Cannot create sandbox: ${msg}`);
    deps.events?.record(podRef(pod), 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${msg}`);
    const view = { hostIP: deps.nodeIP, sandboxReady: false, containers: waitingViews(pod, 'ContainerCreating') };
    await writeStatus(pod, computePodStatus(pod, view, new Date().toISOString()), deps);
    return { resyncAfterMs: 2000 };
  }
  if (!sandbox) {
    // Nothing runs again: the status shows how each container ended (the phase turns terminal).
    const view = { hostIP: deps.nodeIP, sandboxReady: false, ...(await finalViews(pod, podDir)) };
    await writeStatus(pod, computePodStatus(pod, view, new Date().toISOString()), deps);
    return {};
  }
  const { view, resyncAfterMs } = await syncContainers(pod, podDir, sandbox, deps, deadline);
  const status = computePodStatus(pod, view, new Date().toISOString());
  await writeStatus(pod, status, deps);
  if (isTerminal(status.phase)) {
    // kubelet stops the sandbox of a finished pod: its IP goes back to the pool.
    await stopPod(podDir, 0, deps.sandbox);
    return {};
  }
  return { resyncAfterMs };
}

/** A pod that left the API (or this node): stop and remove everything it had here. */
export async function cleanupPod(podDir: string, deps: PodSyncDeps): Promise<void> {
  await removePod(podDir, 2, deps.sandbox);
}
