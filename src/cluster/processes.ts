/**
 * The background processes of a cluster (control plane, relay, node agents): started detached
 * with their output in `<root>/logs/<name>.log` and their pid in `<root>/run/<name>.pid`, so
 * that `podnet down` (or a later `podnet up`) finds them.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { paths } from './config.js';

/** The podnet launcher (bin/podnet.js), for re-executing ourselves. */
export const PODNET_BIN = fileURLToPath(new URL('../../../bin/podnet.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface SpawnSpec {
  /** Process name: pid and log file names. */
  name: string;
  /** podnet sub-command arguments. */
  args: string[];
  /** Run inside this network namespace (through `ip netns exec`). */
  netns?: string;
}

export function spawnPodnet(root: string, spec: SpawnSpec): number {
  const log = openSync(paths.logFile(root, spec.name), 'a');
  const argv = [process.execPath, PODNET_BIN, ...spec.args];
  const [cmd, ...args] = spec.netns ? ['ip', 'netns', 'exec', spec.netns, ...argv] : argv;
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log, log], env: process.env });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`Cannot start ${spec.name}: spawn failed`);
  writeFileSync(paths.pidFile(root, spec.name), `${child.pid}\n`);
  return child.pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readPid(root: string, name: string): number | undefined {
  try {
    const pid = Number(readFileSync(paths.pidFile(root, name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** name → pid of every recorded process. */
export function recordedProcesses(root: string): Map<string, number> {
  const out = new Map<string, number>();
  let files: string[] = [];
  try {
    files = readdirSync(`${root}/run`).filter((f) => f.endsWith('.pid'));
  } catch {
    return out;
  }
  for (const f of files) {
    const name = f.slice(0, -4);
    const pid = readPid(root, name);
    if (pid) out.set(name, pid);
  }
  return out;
}

/** SIGTERM, then SIGKILL after `graceMs`, every recorded process; removes the pid files. */
export async function stopRecorded(root: string, graceMs = 3000): Promise<void> {
  const procs = recordedProcesses(root);
  for (const pid of procs.values()) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while ([...procs.values()].some(isAlive) && Date.now() < deadline) await sleep(50);
  for (const pid of procs.values()) if (isAlive(pid)) signal(pid, 'SIGKILL');
  for (const name of procs.keys()) rmSync(paths.pidFile(root, name), { force: true });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    // A negative pid signals the whole process group (detached children lead their own).
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`, one recorded process (its group); removes its pid file. */
export async function stopProcess(root: string, name: string, graceMs = 3000): Promise<void> {
  const pid = readPid(root, name);
  if (pid !== undefined) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(50);
    if (isAlive(pid)) signal(pid, 'SIGKILL');
  }
  rmSync(paths.pidFile(root, name), { force: true });
}
