/**
 * Stopping a pod, as kubelet's killPod: SIGTERM every container's process group, SIGKILL what
 * is left after the grace period, then tear the sandbox down (CNI DEL, netns, /etc/netns).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { groupAlive, observeContainer, signalContainer } from './container-runtime.js';
import { netnsPids } from './process-identity.js';
import { type SandboxDeps, type SandboxRecord, readSandbox, removeSandbox } from './sandbox.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pids of the pod's containers whose process groups are still alive. */
async function livePids(podDir: string): Promise<number[]> {
  const names = await readdir(join(podDir, 'containers')).catch(() => [] as string[]);
  const pids: number[] = [];
  for (const name of names) {
    const obs = await observeContainer(join(podDir, 'containers', name));
    const pid = obs.state.current?.pid;
    // The group may outlive its leader (a shell's background children), so test the group.
    if (pid && (obs.kind === 'running' || groupAlive(pid))) pids.push(pid);
  }
  return pids;
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let alive = pids.filter(groupAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter(groupAlive);
  }
  return alive;
}

/** Stops every container of the pod: SIGTERM, then SIGKILL after `graceSeconds`. */
export async function killContainers(podDir: string, graceSeconds: number): Promise<void> {
  const pids = await livePids(podDir);
  for (const pid of pids) signalContainer(pid, 'SIGTERM');
  const left = await waitGone(pids, Math.max(0, graceSeconds) * 1000);
  for (const pid of left) signalContainer(pid, 'SIGKILL');
  const stuck = await waitGone(left, 5000);
  if (stuck.length > 0) throw new Error(`agent: Cannot stop containers of ${podDir}: process groups ${stuck.join(', ')} survive SIGKILL`);
}

/**
 * Kills whatever still runs in the pod's own netns once its containers' groups are gone (a child
 * that left the group, a copy the agent lost track of), as the end of a pod's pause container
 * ends its pid namespace: else it would outlive its netns name, unseen by `podnet down`.
 */
export async function killSandboxProcesses(rec: SandboxRecord): Promise<void> {
  if (rec.hostNetwork) return; // the node's own namespace: its processes are not the pod's
  const kill = (pid: number) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  for (let t = 0; t < 5000; t += 100) {
    const left = await netnsPids(rec.netns);
    if (left.length === 0) return;
    left.forEach(kill);
    await sleep(100);
  }
  throw new Error(`agent: Cannot stop the processes left in ${rec.netns}: ${(await netnsPids(rec.netns)).join(', ')} survive SIGKILL`);
}

/** Stops the containers and removes the sandbox; keeps the pod directory (logs). */
export async function stopPod(podDir: string, graceSeconds: number, deps: Pick<SandboxDeps, 'network'>): Promise<void> {
  await killContainers(podDir, graceSeconds);
  const rec = await readSandbox(podDir);
  if (!rec) return;
  await killSandboxProcesses(rec);
  await removeSandbox(podDir, rec, deps);
}

/** stopPod, then removes the pod directory: nothing of the pod is left on the node. */
export async function removePod(podDir: string, graceSeconds: number, deps: Pick<SandboxDeps, 'network'>): Promise<void> {
  await stopPod(podDir, graceSeconds, deps);
  await rm(podDir, { recursive: true, force: true });
}
