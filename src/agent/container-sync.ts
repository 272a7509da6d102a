/**
 * One container of a pod, level-triggered (kubelet's computePodActions for one container):
 * observe it, then keep it running, restart it after its back-off, report it waiting, or leave
 * it terminated, as the restart policy says. Returns what the status should show.
 */
import type { Container, Pod } from '../api/types.js';
import type { Backoff } from './backoff.js';
import type { ContainerEnvDeps } from './container-env-deps.js';
import { type ContainerAttempt, type ContainerObservation, observeContainer, stopContainer } from './container-runtime.js';
import { startAttempt } from './container-start.js';
import { podRefText, runningView, terminatedView, waitingView } from './container-view.js';
import { type EventSink, podRef } from './events.js';
import { containerDir } from './pod-paths.js';
import type { ContainerView } from './pod-status.js';
import { type ProbeManager, type ProbeStatus, hasProbes } from './prober.js';
import type { SandboxRecord } from './sandbox.js';
import { killedWithSandbox } from './sandbox-lost.js';

export interface ContainerSyncDeps extends ContainerEnvDeps {
  backoff: Backoff;
  /** Probes run from the node netns; absent: containers are ready once running. */
  probes?: { manager: ProbeManager; nodeNetns: string };
  log?(message: string): void;
  events?: EventSink;
  /** The service account token for projected serviceAccountToken volumes. */
  token?: string;
  nodeName?: string;
  shimPath: string;
  nodePath: string;
  mainJs: string;
}

export interface ContainerSyncResult {
  view: ContainerView;
  /** When the container should be looked at again (back-off expiry), ms. */
  resyncAfterMs?: number;
}

const isInitContainer = (pod: Pod, c: Container) => (pod.spec?.initContainers ?? []).some((x) => x.name === c.name);

function shouldRestart(pod: Pod, exitCode: number): boolean {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** Go's time.Duration String for whole seconds/minutes: 10s, 40s, 1m20s, 5m0s. */
export function formatDelay(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** Starts the container's probe workers and reads their state; undefined without probes. */
function applyProbes(pod: Pod, c: Container, a: ContainerAttempt, sandbox: SandboxRecord, deps: ContainerSyncDeps): ProbeStatus | undefined {
  if (!deps.probes || !hasProbes(c)) return undefined;
  const uid = pod.metadata?.uid ?? '';
  const target = { podIP: sandbox.podIP, nodeNetns: deps.probes.nodeNetns, pid: a.pid, container: c };
  // An attempt the API already shows ready stays ready while its probes restart (agent restart).
  const wasReady = pod.status?.containerStatuses?.some((s) => s.name === c.name && s.containerID === `podnet://${a.id}` && s.ready) ?? false;
  deps.probes.manager.ensure(uid, c, a.id, target, Date.parse(a.startedAt), wasReady);
  return deps.probes.manager.status(uid, c, a.id);
}

type Running = Extract<ContainerObservation, { kind: 'running' }>;

/** A running container: its probe state, or, when liveness/startup failed, killed and re-observed. */
async function syncRunning(pod: Pod, c: Container, dir: string, obs: Running, sandbox: SandboxRecord, deps: ContainerSyncDeps) {
  const probed = applyProbes(pod, c, obs.attempt, sandbox, deps);
  if (!probed?.killReason) {
    const view = runningView(c, obs.state, obs.attempt);
    return { result: { view: probed ? { ...view, ready: probed.ready, started: probed.started } : view } };
  }
  deps.log?.(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${probed.killReason}`);
  deps.events?.record(podRef(pod), 'Normal', 'Killing', probed.killReason, c.name);
  const grace = c.livenessProbe?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  await stopContainer(dir, obs.attempt, grace);
  return { next: await observeContainer(dir) };
}

/** Syncs container `c` of `pod` in `sandbox`. */
export async function syncContainer(pod: Pod, c: Container, podDir: string, sandbox: SandboxRecord, deps: ContainerSyncDeps): Promise<ContainerSyncResult> {
  const dir = containerDir(podDir, c.name);
  let obs = await observeContainer(dir);
  if (obs.kind === 'running' && obs.attempt.sandboxId !== sandbox.id) {
    // Left from a sandbox that is gone: kill it, then restart it in the new one.
    await stopContainer(dir, obs.attempt, 0);
    obs = await observeContainer(dir);
  }
  if (obs.kind === 'running') {
    const r = await syncRunning(pod, c, dir, obs, sandbox, deps);
    if (r.result) return r.result;
    obs = r.next;
    if (obs.kind === 'running') return { view: runningView(c, obs.state, obs.attempt), resyncAfterMs: 1000 };
  }
  if (obs.kind === 'none') return startAttempt(pod, c, dir, sandbox, obs.state, deps);
  return syncExited(pod, c, dir, obs, sandbox, deps);
}

/** An exited container: leave it terminated, back off (CrashLoopBackOff), or start it again. */
async function syncExited(pod: Pod, c: Container, dir: string, obs: Extract<ContainerObservation, { kind: 'exited' }>, sandbox: SandboxRecord, deps: ContainerSyncDeps): Promise<ContainerSyncResult> {
  const { exit } = obs;
  const key = `${pod.metadata?.uid}/${c.name}`;
  const staleSandbox = obs.attempt.sandboxId !== sandbox.id;
  // A new sandbox runs init containers again and restarts what was running when the old one
  // died (kubelet decides before its kill); under OnFailure one that had succeeded stays done.
  const rerun = staleSandbox && (isInitContainer(pod, c) || (await killedWithSandbox(dir, obs.attempt.id)));
  if (!rerun && !shouldRestart(pod, exit.exitCode)) return { view: terminatedView(c, obs.state, exit) };
  const finished = Date.parse(exit.finishedAt);
  const carried = { restartCount: obs.state.restartCount, lastTermination: exit };
  if (!staleSandbox && deps.backoff.isInBackOffSince(key, finished)) {
    const delay = formatDelay(deps.backoff.delay(key) / 1000);
    const message = `back-off ${delay} restarting failed container=${c.name} pod=${podRefText(pod)}`;
    deps.events?.record(podRef(pod), 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podRefText(pod)}`, c.name);
    // As kubelet, the status keeps naming the last container while it backs off.
    const view = { ...waitingView(c, carried, 'CrashLoopBackOff', message), containerID: `podnet://${exit.id}` };
    return { view, resyncAfterMs: deps.backoff.remainingSince(key, finished) };
  }
  if (!staleSandbox) deps.backoff.next(key, finished);
  return startAttempt(pod, c, dir, sandbox, { ...carried, restartCount: carried.restartCount + 1 }, deps);
}
