/**
 * Which process is a container: its pid plus the kernel's start time of that pid (field 22 of
 * /proc/<pid>/stat, clock ticks since boot). exec keeps both, whatever argv[0] the program
 * re-execs itself with (pyenv shims, `exec -a`), and a reused pid gets a new start time; so this
 * pair names one process for its whole life, as runc's state records the init's start time.
 */
import { readFile } from 'node:fs/promises';
import { run } from '../dataplane/exec.js';

export interface ProcStat {
  /** R, S, D, Z, ... */
  state: string;
  ppid: number;
  /** Clock ticks since boot, as a decimal string (exact beyond 2^53). */
  startTime: string;
}

/** Parses /proc/<pid>/stat; the command name in parentheses may hold spaces and ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).trim().split(' ');
  // After the name: state(3) ppid(4) ... starttime(22), so index 19 counting from state.
  if (f.length < 20 || !/^\d+$/.test(f[19]!)) return undefined;
  return { state: f[0]!, ppid: Number(f[1]), startTime: f[19]! };
}

export async function procStat(pid: number): Promise<ProcStat | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The start time of a live process; undefined when gone or a zombie (exited, not yet reaped). */
export async function processStartTime(pid: number): Promise<string | undefined> {
  const st = await procStat(pid);
  return st && st.state !== 'Z' ? st.startTime : undefined;
}

/** True while the process `pid` that started at `startTime` runs (not a zombie, not a reused pid). */
export async function sameProcess(pid: number, startTime: string): Promise<boolean> {
  return (await processStartTime(pid)) === startTime;
}

/**
 * Every process in the network namespace `netns` (`ip netns pids`): what is left of a pod once its
 * containers' groups are gone, e.g. a child that made itself a session leader, or a stray copy.
 */
export async function netnsPids(netns: string): Promise<number[]> {
  const { stdout } = await run('ip', ['netns', 'pids', netns], { allowFailure: true });
  return stdout.split(/\s+/).filter(Boolean).map(Number).filter((p) => p > 0 && p !== process.pid);
}
