/**
 * The sandbox's pause process (the pause container's role): a process that does nothing but
 * live in the pod's netns. Its death means the sandbox died, as kubelet sees a sandbox whose
 * pause container exited as NOT_READY and rebuilds it. It is `sleep infinity` (about 1 MB)
 * rather than the Node pause image (about 40 MB), since every pod has one. It is identified, as
 * containers are, by pid plus the kernel's start time (process-identity.ts).
 */
import { spawn } from 'node:child_process';
import { processStartTime, sameProcess } from './process-identity.js';

export interface PauseProcess {
  pid: number;
  /** The kernel start time of `pid` (field 22 of /proc/<pid>/stat). */
  procStart: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the pause process in `netns`, detached so it outlives the agent as a pause container does. */
export async function startPause(netns: string): Promise<PauseProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, 'sleep', 'infinity'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error(`agent: Cannot start the pause process of ${netns}: spawn gave no pid`);
  const procStart = await processStartTime(pid);
  if (!procStart) throw new Error(`agent: Cannot start the pause process of ${netns}: it exited at once`);
  return { pid, procStart };
}

/** True while the recorded pause process runs (a zombie or a reused pid is not it). */
export function pauseAlive(p: PauseProcess): Promise<boolean> {
  return sameProcess(p.pid, p.procStart);
}

/** SIGKILLs the pause process if it is still the recorded one; resolves once it is gone. */
export async function killPause(p: PauseProcess): Promise<void> {
  if (!(await pauseAlive(p))) return;
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    return; // gone meanwhile
  }
  for (let t = 0; t < 5000 && (await pauseAlive(p)); t += 20) await sleep(20);
}
