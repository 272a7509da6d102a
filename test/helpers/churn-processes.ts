/**
 * Orphan processes after churn. The test sets a tag in its environment before `podnet up`;
 * every daemon, and every process they spawn without clearing the environment (pauses, shims,
 * plugins, proxy children), inherits it. After convergence a tagged process must descend from
 * a live daemon, a live pod's pause or a live pod's shim; and each container (`sleep <marker>`)
 * must run in a live pod's netns, one per live pod.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CHURN_TAG_VAR = 'PODNET_CHURN_RUN';

interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
}

function procs(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] === 'Z') continue;
      out.push({ pid: Number(d), ppid: Number(f[1]), cmdline: readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

function tagged(pid: number, tag: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${CHURN_TAG_VAR}=${tag}`);
  } catch {
    return false;
  }
}

/** Tagged processes that descend from none of `roots`, as "pid cmdline". */
export function orphanProcesses(tag: string, roots: number[]): string[] {
  const all = procs();
  const parent = new Map(all.map((p) => [p.pid, p.ppid]));
  const rootSet = new Set(roots);
  const allowed = (pid: number) => {
    for (let p: number | undefined = pid, n = 0; p && p > 1 && n < 64; p = parent.get(p), n++) if (rootSet.has(p)) return true;
    return false;
  };
  return all.filter((p) => p.pid !== process.pid && tagged(p.pid, tag) && !allowed(p.pid)).map((p) => `${p.pid} ${p.cmdline}`);
}

/** The shim pids recorded for a pod's containers (`pods/<uid>/containers/<name>/shim.pid`). */
export function shimPids(nodeRoot: string, uid: string): number[] {
  const dir = join(nodeRoot, 'pods', uid, 'containers');
  const names = existsSync(dir) ? readdirSync(dir) : [];
  return names.map((n) => Number(readFileSync(join(dir, n, 'shim.pid'), 'utf8').trim() || 0)).filter((p) => p > 0);
}

function netnsInode(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`).replace(/^net:\[(\d+)\]$/, '$1');
  } catch {
    return undefined;
  }
}

/**
 * Container processes `sleep <marker>`: exactly one in each of `netnsNames`, none elsewhere.
 */
export function auditContainers(marker: string, netnsNames: string[]): string[] {
  const want = new Map(netnsNames.map((n) => [String(statSync(`/run/netns/${n}`).ino), n]));
  const seen = new Map<string, number>();
  const problems: string[] = [];
  for (const p of procs().filter((x) => x.cmdline === `sleep ${marker}`)) {
    const ino = netnsInode(p.pid) ?? '?';
    if (!want.has(ino)) problems.push(`container process ${p.pid} runs in netns ${ino}, which is no live pod's`);
    seen.set(ino, (seen.get(ino) ?? 0) + 1);
  }
  for (const [ino, n] of want) if (seen.get(ino) !== 1) problems.push(`pod netns ${n}: ${seen.get(ino) ?? 0} container processes, want 1`);
  return problems;
}
