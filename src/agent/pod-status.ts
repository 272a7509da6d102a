/**
 * PodStatus as kubelet computes it (generateAPIPodStatus, getPhase): phase from the container
 * states and restart policy, the five conditions, and containerStatuses. Pure: the agent feeds
 * it what it observed; lastTransitionTime is kept from the old status while a condition holds.
 */
import type { ContainerStatus, Pod, PodCondition, PodStatus } from '../api/types.js';

type ContainerState = NonNullable<ContainerStatus['state']>;

export interface ContainerView {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  restartCount: number;
  state: ContainerState;
  lastState?: ContainerState;
  /** From probes; default: running means started and ready. */
  started?: boolean;
  ready?: boolean;
}

const isReady = (c: ContainerView) => !!c.state.running && (c.ready ?? true);
const isStarted = (c: ContainerView) => !!c.state.running && (c.started ?? true);

export interface PodView {
  hostIP: string;
  podIP?: string;
  /** True while the sandbox exists with its network (PodReadyToStartContainers). */
  sandboxReady: boolean;
  containers: ContainerView[];
  /** Init containers, in order; absent when the pod has none. */
  initContainers?: ContainerView[];
  /** All init containers done (default true). */
  initialized?: boolean;
  /** An init container failed under restartPolicy Never. */
  initFailed?: boolean;
}

/** kubelet's getPhase for a pod without init containers. */
export function podPhase(pod: Pod, containers: ContainerView[], init: { initialized?: boolean; initFailed?: boolean } = {}): NonNullable<PodStatus['phase']> {
  if (init.initFailed) return 'Failed';
  if (init.initialized === false) return 'Pending';
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of containers) {
    if (c.state.running) running++;
    else if (c.state.terminated) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if (c.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return policy === 'Never' ? 'Failed' : 'Running';
  }
  return 'Pending';
}

function condition(old: PodStatus | undefined, type: string, ok: boolean, now: string, reason?: string, message?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.conditions?.find((c) => c.type === type);
  const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  return { type, status, lastTransitionTime, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

function podConditions(pod: Pod, view: PodView, phase: string, now: string): PodCondition[] {
  const old = pod.status;
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const initialized = view.initialized ?? true;
  const incomplete = (view.initContainers ?? []).filter((c) => !(c.state.terminated?.exitCode === 0 || c.state.running)).map((c) => c.name);
  const initReason = terminal ? 'PodCompleted' : initialized ? undefined : 'ContainersNotInitialized';
  const initMessage = initialized || terminal ? undefined : `containers with incomplete status: [${incomplete.join(' ')}]`;
  // Sidecars (init containers with restartPolicy Always) count for readiness, as in kubelet's
  // GenerateContainersReadyCondition, and come first.
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const unreadySidecars = (view.initContainers ?? []).filter((c) => sidecars.has(c.name) && !isReady(c)).map((c) => c.name);
  const notReady = [...unreadySidecars, ...view.containers.filter((c) => !isReady(c)).map((c) => c.name)];
  const ready = notReady.length === 0 && !terminal;
  const reason = terminal ? 'PodCompleted' : ready ? undefined : 'ContainersNotReady';
  const message = terminal || ready ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  return [
    condition(old, 'PodReadyToStartContainers', view.sandboxReady, now),
    condition(old, 'Initialized', initialized || terminal, now, initReason, initMessage),
    condition(old, 'Ready', ready, now, reason, message),
    condition(old, 'ContainersReady', ready, now, reason, message),
    condition(old, 'PodScheduled', true, now),
  ];
}

function containerStatus(c: ContainerView): ContainerStatus {
  return {
    name: c.name,
    image: c.image,
    imageID: c.imageID,
    ...(c.containerID ? { containerID: c.containerID } : {}),
    ready: isReady(c),
    started: isStarted(c),
    restartCount: c.restartCount,
    state: c.state,
    lastState: c.lastState ?? {},
  };
}

/** The status the agent writes for `pod`, keeping fields it does not own (qosClass, ...). */
export function computePodStatus(pod: Pod, view: PodView, now: string): PodStatus {
  const old = pod.status ?? {};
  const oldPhase = old.phase;
  // A terminal phase never goes back (kubelet refuses Succeeded/Failed → Running).
  const phase = oldPhase === 'Succeeded' || oldPhase === 'Failed' ? oldPhase : podPhase(pod, view.containers, view);
  const podIP = view.podIP ?? old.podIP;
  return {
    ...old,
    phase,
    conditions: podConditions(pod, view, phase, now),
    hostIP: view.hostIP,
    hostIPs: [{ ip: view.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: old.startTime ?? now,
    qosClass: old.qosClass ?? qosClass(pod),
    containerStatuses: view.containers.map(containerStatus),
    ...(view.initContainers ? { initContainerStatuses: view.initContainers.map(containerStatus) } : {}),
  };
}

/**
 * The pod's QoS class (kubelet's GetPodQOS, with quantities compared as written): Guaranteed
 * when every container limits cpu and memory with requests equal to them, BestEffort when none
 * asks for anything, Burstable otherwise.
 */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** True when two statuses differ in content (key order and undefined fields ignored). */
export function statusChanged(a: PodStatus | undefined, b: PodStatus): boolean {
  return JSON.stringify(canonical(a ?? {})) !== JSON.stringify(canonical(b));
}
