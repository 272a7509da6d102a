/**
 * Helpers for the node agent's integration tests: a unique cluster name, a node netns made as
 * `podnet up` makes it (lo up, forwarding on), and a cleanup that removes every namespace and
 * process the test made, then reports what is left.
 */
import { eventually as poll } from './eventually.js';
import { existsSync, readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from './cluster.js';

export { uniqueName, REPO } from './cluster.js';

export interface TestNode {
  cluster: string;
  netns: string;
  nodeRoot: string;
}

export function makeTestNode(): TestNode {
  const cluster = uniqueName('t');
  const netns = `${cluster}-node1`;
  execFileSync('ip', ['netns', 'add', netns]);
  execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  execFileSync('ip', ['netns', 'exec', netns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  const nodeRoot = mkdtempSync(join(tmpdir(), `${cluster}-node1-`));
  return { cluster, netns, nodeRoot };
}

/**
 * A process the test saw: pid plus its start time (field 22 of /proc/<pid>/stat), so that a
 * pid reused by someone else's process is never reported or killed as ours.
 */
export interface SeenProcess {
  pid: number;
  start: string;
}

/** The start time of a live process; undefined when gone or a zombie (exited, not yet reaped). */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export const alive = (p: SeenProcess) => startTime(p.pid) === p.start;

function seen(pid: number): SeenProcess[] {
  const start = startTime(pid);
  return start ? [{ pid, start }] : [];
}

/** Live processes recorded by the agent's shims and containers under `nodeRoot`. */
export function recordedPids(nodeRoot: string): SeenProcess[] {
  const pods = join(nodeRoot, 'pods');
  const pids: number[] = [];
  if (!existsSync(pods)) return [];
  for (const uid of readdirSync(pods)) {
    const cdir = join(pods, uid, 'containers');
    if (!existsSync(cdir)) continue;
    for (const name of readdirSync(cdir)) {
      for (const f of ['pid', 'shim.pid']) {
        const p = join(cdir, name, f);
        if (existsSync(p)) pids.push(Number(readFileSync(p, 'utf8').trim()));
      }
    }
  }
  return pids.filter((p) => p > 0).flatMap(seen);
}

/** Live pause processes recorded in the sandboxes under `nodeRoot` (src/agent/sandbox-pause.ts). */
export function pausePids(nodeRoot: string): SeenProcess[] {
  const pods = join(nodeRoot, 'pods');
  if (!existsSync(pods)) return [];
  return readdirSync(pods).flatMap((uid) => {
    const file = join(pods, uid, 'sandbox.json');
    const pause = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pause?: SeenProcess & { procStart: string } }).pause : undefined;
    return pause ? [{ pid: pause.pid, start: pause.procStart }] : [];
  });
}

/** Namespaces, /etc/netns dirs and recorded processes of `cluster` that still exist. */
export function leftovers(node: TestNode, pidsSeen: SeenProcess[] = []): string[] {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(`${node.cluster}-`)) : []);
  const pids = [...pidsSeen, ...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot)].filter(alive);
  return [...list('/run/netns').map((n) => `netns ${n}`), ...list('/etc/netns').map((n) => `/etc/netns/${n}`), ...pids.map((p) => `process ${p.pid}`)];
}

/** Kills what the test started (by pid: in its namespaces, or recorded) and removes the namespaces. */
export function destroyTestNode(node: TestNode, pidsSeen: SeenProcess[] = []): void {
  const names = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`${node.cluster}-`)) : [];
  const pids = [...pidsSeen, ...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot)];
  for (const ns of names) {
    const out = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
    for (const p of out.split('\n').filter(Boolean)) pids.push(...seen(Number(p)));
  }
  for (const p of pids.filter(alive)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  // SIGKILL is delivered asynchronously: wait (up to 5 s) until the processes are gone.
  const deadline = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  for (const ns of names) spawnSync('ip', ['netns', 'del', ns]);
  for (const ns of existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((n) => n.startsWith(`${node.cluster}-`)) : []) {
    rmSync(join('/etc/netns', ns), { recursive: true, force: true });
  }
  rmSync(node.nodeRoot, { recursive: true, force: true });
}

/** Polls `fn` until it returns a truthy value or `ms` pass (the shared poller, argument order of the agent tests). */
export function eventually<T>(fn: () => T | Promise<T>, ms = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  return poll(what, async () => ((await fn()) || undefined) as NonNullable<T> | undefined, ms, 100);
}

/** Runs a command in netns `ns`; returns stdout ('' on failure). */
export function inNetns(ns: string, cmd: string[], timeoutMs = 10_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
