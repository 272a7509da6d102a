/**
 * One container of a pod, level-triggered (kubelet's computePodActions for one container):
 * observe it, then keep it running, restart it after its back-off, report it waiting, or leave
 * it terminated, as the restart policy says. Returns what the status should show.
 */
import type { Container, Pod } from '../api/types.js';
import { builtinImageFor } from '../images/builtin.js';
import { resolveCommand } from '../images/command.js';
import { normalizeImage } from '../images/image-ref.js';
import type { Backoff } from './backoff.js';
import { type ContainerEnvDeps, buildContainerEnv, expandCommand } from './container-env-deps.js';
import {
  type ContainerAttempt,
  type ContainerStateFile,
  type TerminatedRecord,
  observeContainer,
  startContainer,
  signalContainer,
  groupAlive,
} from './container-runtime.js';
import { existsSync } from 'node:fs';
import { containerDir, containerFiles } from './pod-paths.js';
import { containerMounts } from './volumes.js';
import type { BindMount } from './container-shim.js';
import type { ContainerView } from './pod-status.js';
import type { SandboxRecord } from './sandbox.js';
import { type ProbeManager, hasProbes } from './prober.js';
import { type EventSink, podRef as refOf } from './events.js';

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

const podRef = (pod: Pod) => `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;

function imageOf(c: Container): string {
  try {
    return normalizeImage(c.image ?? '');
  } catch {
    return c.image ?? '';
  }
}

function baseView(c: Container, s: ContainerStateFile): Omit<ContainerView, 'state'> {
  const builtin = builtinImageFor(c.image ?? '');
  return {
    name: c.name,
    image: imageOf(c),
    imageID: builtin ? `podnet://builtin/${builtin}` : '',
    restartCount: s.restartCount,
    ...(s.lastTermination ? { lastState: { terminated: terminatedState(s.lastTermination) } } : {}),
  };
}

function terminatedState(t: TerminatedRecord) {
  return {
    exitCode: t.exitCode,
    reason: t.reason,
    ...(t.message ? { message: t.message } : {}),
    ...(t.signal ? { signal: signalNumber(t.signal) } : {}),
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    containerID: `podnet://${t.id}`,
  };
}

function signalNumber(sig: string): number {
  return ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 } as Record<string, number>)[sig] ?? 0;
}

function runningView(c: Container, s: ContainerStateFile, a: ContainerAttempt): ContainerView {
  return { ...baseView(c, s), containerID: `podnet://${a.id}`, state: { running: { startedAt: a.startedAt } } };
}

function shouldRestart(pod: Pod, exitCode: number): boolean {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** Kills an attempt that belongs to an old sandbox and waits (up to 5 s) for its group to go. */
async function killStale(dir: string, a: ContainerAttempt): Promise<void> {
  await killAttempt(dir, a, 0);
}

/** SIGTERM, then SIGKILL after `graceSeconds`; waits until the process group is gone. */
async function killAttempt(dir: string, a: ContainerAttempt, graceSeconds: number): Promise<void> {
  const wait = async (ms: number) => {
    for (let t = 0; t < ms && groupAlive(a.pid); t += 100) await new Promise((r) => setTimeout(r, 100));
  };
  if (graceSeconds > 0) {
    signalContainer(a.pid, 'SIGTERM');
    await wait(graceSeconds * 1000);
  }
  signalContainer(a.pid, 'SIGKILL');
  await wait(5000);
  // Let the shim record the exit status before the container is observed again.
  const exitFile = containerFiles(dir).exit;
  for (let t = 0; t < 2000 && !existsSync(exitFile); t += 50) await new Promise((r) => setTimeout(r, 50));
}

function probeGrace(pod: Pod, c: Container): number {
  return c.livenessProbe?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

/** Starts the container's probe workers and reads their state; undefined without probes. */
async function applyProbes(pod: Pod, c: Container, a: ContainerAttempt, sandbox: SandboxRecord, deps: ContainerSyncDeps) {
  if (!deps.probes || !hasProbes(c)) return undefined;
  const uid = pod.metadata?.uid ?? '';
  const target = { podIP: sandbox.podIP, nodeNetns: deps.probes.nodeNetns, pid: a.pid, container: c };
  deps.probes.manager.ensure(uid, c, a.id, target, Date.parse(a.startedAt));
  return deps.probes.manager.status(uid, c, a.id);
}

/** Syncs container `c` of `pod` in `sandbox`. */
export async function syncContainer(pod: Pod, c: Container, podDir: string, sandbox: SandboxRecord, deps: ContainerSyncDeps): Promise<ContainerSyncResult> {
  const dir = containerDir(podDir, c.name);
  const key = `${pod.metadata?.uid}/${c.name}`;
  let obs = await observeContainer(dir);
  if (obs.kind === 'running' && obs.attempt.sandboxId !== sandbox.id) {
    await killStale(dir, obs.attempt);
    obs = await observeContainer(dir);
  }
  if (obs.kind === 'running') {
    const probed = await applyProbes(pod, c, obs.attempt, sandbox, deps);
    if (!probed) return { view: runningView(c, obs.state, obs.attempt) };
    if (!probed.killReason) return { view: { ...runningView(c, obs.state, obs.attempt), ready: probed.ready, started: probed.started } };
    deps.log?.(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${probed.killReason}`);
    deps.events?.record(refOf(pod), 'Normal', 'Killing', probed.killReason, c.name);
    await killAttempt(dir, obs.attempt, probeGrace(pod, c));
    obs = await observeContainer(dir);
    if (obs.kind === 'running') return { view: runningView(c, obs.state, obs.attempt), resyncAfterMs: 1000 };
    if (obs.kind === 'none') return start(pod, c, dir, sandbox, obs.state, deps);
  }
  if (obs.kind === 'none') return start(pod, c, dir, sandbox, obs.state, deps);
  const exit = obs.exit;
  const staleSandbox = obs.attempt.sandboxId !== sandbox.id;
  if (!staleSandbox && !shouldRestart(pod, exit.exitCode)) {
    return { view: { ...baseView(c, obs.state), containerID: `podnet://${exit.id}`, state: { terminated: terminatedState(exit) } } };
  }
  const finished = Date.parse(exit.finishedAt);
  const carried: ContainerStateFile = { restartCount: obs.state.restartCount, lastTermination: exit };
  if (!staleSandbox && deps.backoff.isInBackOffSince(key, finished)) {
    const delay = deps.backoff.delay(key) / 1000;
    const message = `back-off ${formatDelay(delay)} restarting failed container=${c.name} pod=${podRef(pod)}`;
    deps.events?.record(refOf(pod), 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podRef(pod)}`, c.name);
    return {
      view: { ...baseView(c, carried), state: { waiting: { reason: 'CrashLoopBackOff', message } } },
      resyncAfterMs: deps.backoff.remainingSince(key, finished),
    };
  }
  if (!staleSandbox) deps.backoff.next(key, finished);
  return start(pod, c, dir, sandbox, { ...carried, restartCount: carried.restartCount + 1 }, deps);
}

/** Go's time.Duration String for whole seconds/minutes: 10s, 40s, 1m20s, 5m0s. */
export function formatDelay(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

async function start(pod: Pod, c: Container, dir: string, sandbox: SandboxRecord, prev: ContainerStateFile, deps: ContainerSyncDeps): Promise<ContainerSyncResult> {
  const pullKey = `pull:${pod.metadata?.uid}/${c.name}`;
  const base = baseView(c, prev);
  const pulled = resolveCommand({ image: c.image ?? '', command: c.command, args: c.args, nodePath: deps.nodePath, mainJs: deps.mainJs });
  if (!pulled.ok) {
    if (deps.backoff.isInBackOffSinceUpdate(pullKey)) {
      const message = `Back-off pulling image "${c.image}"`;
      deps.events?.record(refOf(pod), 'Normal', 'BackOff', message, c.name);
      return { view: { ...base, state: { waiting: { reason: 'ImagePullBackOff', message } } }, resyncAfterMs: deps.backoff.remainingSinceUpdate(pullKey) };
    }
    deps.backoff.next(pullKey);
    deps.events?.record(refOf(pod), 'Warning', 'Failed', pulled.message, c.name);
    return { view: { ...base, state: { waiting: { reason: pulled.reason, message: pulled.message } } }, resyncAfterMs: deps.backoff.remainingSinceUpdate(pullKey) };
  }
  deps.backoff.reset(pullKey);
  let env: Record<string, string>;
  try {
    env = await buildContainerEnv(pod, c, deps);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    deps.events?.record(refOf(pod), 'Warning', 'Failed', `Error: ${message}`, c.name);
    return { view: { ...base, state: { waiting: { reason: 'CreateContainerConfigError', message } } }, resyncAfterMs: 5000 };
  }
  let mounts: BindMount[];
  try {
    mounts = await containerMounts({ pod, podDir: deps.podDirOf(pod), sources: deps.envSources, token: deps.token }, c);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    deps.events?.record(refOf(pod), 'Warning', 'FailedMount', message, c.name);
    return { view: { ...base, state: { waiting: { reason: 'ContainerCreating' } } }, resyncAfterMs: 5000 };
  }
  const command = expandCommand(c.command, env);
  const args = expandCommand(c.args, env);
  const cmd = resolveCommand({ image: c.image ?? '', command, args, nodePath: deps.nodePath, mainJs: deps.mainJs });
  if (!cmd.ok) throw new Error(cmd.message);
  deps.events?.record(refOf(pod), 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, c.name);
  const attempt = await startContainer({
    dir,
    shimPath: deps.shimPath,
    spec: {
      netns: sandbox.netns,
      // A hostNetwork pod sees the node's hostname, as it shares the node's UTS namespace upstream.
      hostname: (pod.spec?.hostNetwork ? pod.spec.nodeName ?? deps.nodeName ?? '' : pod.spec?.hostname || pod.metadata?.name || '').slice(0, 63),
      mounts,
      workingDir: c.workingDir || '/',
      argv: cmd.argv,
      env,
    },
    image: base.image,
    imageID: base.imageID,
    sandboxId: sandbox.id,
    previous: prev,
  });
  deps.events?.record(refOf(pod), 'Normal', 'Created', `Created container ${c.name}`, c.name);
  deps.events?.record(refOf(pod), 'Normal', 'Started', `Started container ${c.name}`, c.name);
  return { view: runningView(c, { ...prev, current: attempt }, attempt) };
}
