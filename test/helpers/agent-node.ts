/**
 * Helpers for the node agent's integration tests: a unique cluster name, a node netns made as
 * `podnet up` makes it (lo up, forwarding on), and a cleanup that removes every namespace and
 * process the test made, then reports what is left.
 */
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

/** Pids recorded by the agent's shims and containers under `nodeRoot`. */
export function recordedPids(nodeRoot: string): number[] {
  const pods = join(nodeRoot, 'pods');
  const pids: number[] = [];
  if (!existsSync(pods)) return pids;
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
  return pids.filter((p) => p > 0);
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

/** Namespaces, /etc/netns dirs and recorded processes of `cluster` that still exist. */
export function leftovers(node: TestNode, pidsSeen: number[] = []): string[] {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(`${node.cluster}-`)) : []);
  const pids = [...new Set([...pidsSeen, ...recordedPids(node.nodeRoot)])].filter(alive);
  return [...list('/run/netns').map((n) => `netns ${n}`), ...list('/etc/netns').map((n) => `/etc/netns/${n}`), ...pids.map((p) => `process ${p}`)];
}

/** Kills what the test started (by pid: in its namespaces, or recorded) and removes the namespaces. */
export function destroyTestNode(node: TestNode, pidsSeen: number[] = []): void {
  const names = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`${node.cluster}-`)) : [];
  const pids = new Set([...pidsSeen, ...recordedPids(node.nodeRoot)]);
  for (const ns of names) {
    const out = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
    for (const p of out.split('\n').filter(Boolean)) pids.add(Number(p));
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  // SIGKILL is delivered asynchronously: wait (up to 5 s) until the processes are gone.
  const deadline = Date.now() + 5000;
  while ([...pids].some(alive) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  for (const ns of names) spawnSync('ip', ['netns', 'del', ns]);
  for (const ns of existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((n) => n.startsWith(`${node.cluster}-`)) : []) {
    rmSync(join('/etc/netns', ns), { recursive: true, force: true });
  }
  rmSync(node.nodeRoot, { recursive: true, force: true });
}

/** Polls `fn` until it returns a truthy value or `ms` pass; returns the value or throws the last error. */
export async function eventually<T>(fn: () => T | Promise<T>, ms = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a command in netns `ns`; returns stdout ('' on failure). */
export function inNetns(ns: string, cmd: string[], timeoutMs = 10_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
