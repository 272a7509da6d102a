/**
 * What a dead sandbox means for the pod's containers, as kubelet's computePodActions decides it
 * BEFORE killing them: the containers running at that moment are started again in the new
 * sandbox whatever their exit code on the kill (marked here, by attempt id); init containers
 * run again from the first. With restartPolicy Never, once any container has run, no new
 * sandbox is made (nothing may run again): the containers are killed and the pod ends Failed
 * (or Succeeded when every container had exited 0).
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, Pod } from '../api/types.js';
import { observeContainer, readContainerState } from './container-runtime.js';
import { terminatedView, waitingView } from './container-view.js';
import { containerDir } from './pod-paths.js';
import type { ContainerView } from './pod-status.js';

const KILLED_MARKER = 'killed-with-sandbox';

/** Marks every container running now as killed with its sandbox (call before killing them). */
export async function markKilledWithSandbox(podDir: string): Promise<void> {
  const names = await readdir(join(podDir, 'containers')).catch(() => [] as string[]);
  for (const name of names) {
    const obs = await observeContainer(containerDir(podDir, name));
    if (obs.kind === 'running') await writeFile(join(containerDir(podDir, name), KILLED_MARKER), obs.attempt.id);
  }
}

/** True when attempt `attemptId` of the container in `dir` was running when its sandbox died. */
export async function killedWithSandbox(dir: string, attemptId: string): Promise<boolean> {
  return (await readFile(join(dir, KILLED_MARKER), 'utf8').catch(() => '')) === attemptId;
}

/** True when some container (init or app) of the pod has ever been started in a sandbox. */
export async function anyContainerStarted(podDir: string): Promise<boolean> {
  const names = await readdir(join(podDir, 'containers')).catch(() => [] as string[]);
  for (const name of names) if ((await readContainerState(join(podDir, 'containers', name))).current) return true;
  return false;
}

/** kubelet's rule: a lost sandbox is re-created unless restartPolicy is Never and something ran. */
export async function sandboxLostForGood(pod: Pod, podDir: string): Promise<boolean> {
  return pod.spec?.restartPolicy === 'Never' && (await anyContainerStarted(podDir));
}

/** What a container shows once its sandbox is gone for good: how it ended, or never started. */
async function finalView(c: Container, dir: string): Promise<ContainerView> {
  const obs = await observeContainer(dir);
  if (obs.kind === 'exited') return terminatedView(c, obs.state, obs.exit);
  // Running cannot be: the containers were killed with the sandbox. Never started: waiting.
  return waitingView(c, obs.state, 'ContainerCreating');
}

/** The containers' views for the status of a pod whose sandbox is gone for good. */
export async function finalViews(pod: Pod, podDir: string): Promise<{ containers: ContainerView[]; initContainers?: ContainerView[] }> {
  const views = (list: Container[]) => Promise.all(list.map((c) => finalView(c, containerDir(podDir, c.name))));
  const init = pod.spec?.initContainers ?? [];
  return { containers: await views(pod.spec?.containers ?? []), ...(init.length ? { initContainers: await views(init) } : {}) };
}
