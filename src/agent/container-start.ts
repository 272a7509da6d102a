/**
 * Starting one attempt of a container, as kubelet's startContainer: "pull" the image (a
 * built-in, or ErrImagePull with back-off), build its env and mounts, resolve its command, and
 * start it through the shim. Each failure becomes the waiting reason kubelet would show.
 */
import type { Container, Pod } from '../api/types.js';
import { resolveCommand } from '../images/command.js';
import { dirname } from 'node:path';
import type { BindMount } from './container-shim.js';
import { type ContainerSecurity, containerSecurity, podnetHiddenPaths } from './container-security.js';
import { buildContainerEnv, expandCommand } from './container-env-deps.js';
import { type ContainerStateFile, startContainer } from './container-runtime.js';
import type { ContainerSyncDeps, ContainerSyncResult } from './container-sync.js';
import { baseView, runningView, waitingView } from './container-view.js';
import { podRef } from './events.js';
import type { SandboxRecord } from './sandbox.js';
import { containerMounts } from './volumes.js';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** ErrImagePull, then ImagePullBackOff until the back-off allows another "pull". */
function pullFailure(pod: Pod, c: Container, prev: ContainerStateFile, message: string, deps: ContainerSyncDeps): ContainerSyncResult {
  const key = `pull:${pod.metadata?.uid}/${c.name}`;
  if (deps.backoff.isInBackOffSinceUpdate(key)) {
    const backoff = `Back-off pulling image "${c.image}"`;
    deps.events?.record(podRef(pod), 'Normal', 'BackOff', backoff, c.name);
    return { view: waitingView(c, prev, 'ImagePullBackOff', backoff), resyncAfterMs: deps.backoff.remainingSinceUpdate(key) };
  }
  deps.backoff.next(key);
  deps.events?.record(podRef(pod), 'Warning', 'Failed', message, c.name);
  return { view: waitingView(c, prev, 'ErrImagePull', message), resyncAfterMs: deps.backoff.remainingSinceUpdate(key) };
}

/** The container's hostname: the pod's (spec.hostname or name), or the node's for hostNetwork. */
function hostnameOf(pod: Pod, deps: ContainerSyncDeps): string {
  const name = pod.spec?.hostNetwork ? pod.spec.nodeName ?? deps.nodeName ?? '' : pod.spec?.hostname || pod.metadata?.name || '';
  return name.slice(0, 63);
}

/** Hides the node's state (pod dir = `<nodeRoot>/pods/<uid>`) but never the built-in images' program. */
function securityOf(pod: Pod, c: Container, deps: ContainerSyncDeps): ContainerSecurity {
  const nodeRoot = dirname(dirname(deps.podDirOf(pod)));
  return containerSecurity(c, podnetHiddenPaths(nodeRoot, undefined, [deps.mainJs, deps.nodePath]));
}

export async function startAttempt(pod: Pod, c: Container, dir: string, sandbox: SandboxRecord, prev: ContainerStateFile, deps: ContainerSyncDeps): Promise<ContainerSyncResult> {
  const base = { image: c.image ?? '', nodePath: deps.nodePath, mainJs: deps.mainJs };
  const pulled = resolveCommand({ ...base, command: c.command, args: c.args });
  if (!pulled.ok) return pullFailure(pod, c, prev, pulled.message, deps);
  deps.backoff.reset(`pull:${pod.metadata?.uid}/${c.name}`);
  let env: Record<string, string>;
  let mounts: BindMount[];
  let security: ContainerSecurity;
  try {
    env = await buildContainerEnv(pod, c, deps);
    security = securityOf(pod, c, deps);
  } catch (e) {
    deps.events?.record(podRef(pod), 'Warning', 'Failed', `Error: ${errorText(e)}`, c.name);
    return { view: waitingView(c, prev, 'CreateContainerConfigError', errorText(e)), resyncAfterMs: 5000 };
  }
  try {
    mounts = await containerMounts({ pod, podDir: deps.podDirOf(pod), sources: deps.envSources, token: deps.token }, c);
  } catch (e) {
    deps.events?.record(podRef(pod), 'Warning', 'FailedMount', errorText(e), c.name);
    return { view: waitingView(c, prev, 'ContainerCreating'), resyncAfterMs: 5000 };
  }
  const cmd = resolveCommand({ ...base, command: expandCommand(c.command, env), args: expandCommand(c.args, env) });
  if (!cmd.ok) throw new Error(cmd.message);
  deps.events?.record(podRef(pod), 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, c.name);
  const view = baseView(c, prev);
  const attempt = await startContainer({
    dir,
    shimPath: deps.shimPath,
    spec: { netns: sandbox.netns, hostname: hostnameOf(pod, deps), mounts, workingDir: c.workingDir || '/', argv: cmd.argv, env, security },
    image: view.image,
    imageID: view.imageID,
    sandboxId: sandbox.id,
    previous: prev,
  });
  deps.events?.record(podRef(pod), 'Normal', 'Created', `Created container ${c.name}`, c.name);
  deps.events?.record(podRef(pod), 'Normal', 'Started', `Started container ${c.name}`, c.name);
  // kubelet's initial probe results: not ready before the readiness probe passes, not started
  // before the startup probe does (else the first status would show it Ready, endpoints too).
  const probed = deps.probes ? { ...(c.readinessProbe || c.startupProbe ? { ready: false } : {}), ...(c.startupProbe ? { started: false } : {}) } : {};
  return { view: { ...runningView(c, { ...prev, current: attempt }, attempt), ...probed } };
}
