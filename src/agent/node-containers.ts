/**
 * Every container process a node's agent recorded (and every sandbox's pause), killed at once: what `podnet down` (and a
 * leaving node) does after the agents stopped. Killing by netns misses a container whose netns
 * name is already gone (its process keeps the namespace alive, unnamed); its state.json does not.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ContainerAttempt, attemptAlive, readContainerState } from './container-runtime.js';
import { containerFiles, podsRoot } from './pod-paths.js';
import { readSandbox } from './sandbox.js';
import { killPause } from './sandbox-pause.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function kill(pid: number, group: boolean): void {
  for (const target of group ? [-pid, pid] : [pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone (or not a group leader yet).
    }
  }
}

const list = (dir: string) => readdir(dir).catch(() => [] as string[]);

/** The container dirs under a node root: pods/<uid>/containers/<name>. */
async function containerDirs(nodeRoot: string): Promise<string[]> {
  const pods = podsRoot(nodeRoot);
  const dirs: string[] = [];
  for (const uid of await list(pods)) {
    for (const name of await list(join(pods, uid, 'containers'))) dirs.push(join(pods, uid, 'containers', name));
  }
  return dirs;
}

/** SIGKILLs every live recorded container (its process group) and its shim; resolves once they are gone. */
export async function killNodeContainers(nodeRoot: string): Promise<number> {
  const live: ContainerAttempt[] = [];
  for (const dir of await containerDirs(nodeRoot)) {
    const a = (await readContainerState(dir)).current;
    if (a && (await attemptAlive(a))) {
      live.push(a);
      kill(a.pid, true);
    }
    // The shim is ours while its command line names the container dir.
    const shim = Number((await readFile(containerFiles(dir).shimPid, 'utf8').catch(() => '')).trim());
    if (shim > 0 && (await readFile(`/proc/${shim}/cmdline`, 'utf8').catch(() => '')).includes(dir)) kill(shim, false);
  }
  for (let t = 0; t < 5000; t += 50) {
    const alive = await Promise.all(live.map(attemptAlive));
    if (!alive.includes(true)) break;
    await sleep(50);
  }
  await killPauses(nodeRoot);
  return live.length;
}

/** The sandboxes' pause processes: each would keep its pod's namespace (and veth) alive. */
async function killPauses(nodeRoot: string): Promise<void> {
  const pods = podsRoot(nodeRoot);
  for (const uid of await list(pods)) {
    const pause = (await readSandbox(join(pods, uid)))?.pause;
    if (pause) await killPause(pause);
  }
}
