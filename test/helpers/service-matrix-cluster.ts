/**
 * The cluster a Service matrix run talks to: one `podnet up --proxy-mode <mode>` cluster with
 * two nodes and the outside host, reached the way users reach it (podnet exec in pods, commands
 * in the node and outside namespaces, kubectl). Every helper returns what it saw so the tests
 * can say what they expected.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterRoot } from '../../src/cluster/config.js';
import { clusterDown, clusterUp, Kubectl, podnet, uniqueName, type RunResult } from './cluster.js';
import { eventually } from './eventually.js';

export type MatrixMode = 'nftables' | 'iptables' | 'userspace';

export const NODE_IPS: Record<string, string> = { node1: '172.18.0.11', node2: '172.18.0.12' };
export const OUTSIDE_IP = '172.18.0.200';

export function run(cmd: string, args: string[], timeoutMs = 15_000): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** run, without blocking: checks that must wait out a timeout (drops) can overlap. */
export function runAsync(cmd: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `curl` printing the body only; 2 s is plenty on one machine, and a dropped SYN ends in exit 28. */
export const curl = (url: string, maxTime = 2): string => `curl -sS --max-time ${maxTime} ${url}`;
/** `n` requests in a row, one answer per line (one exec instead of n). */
export const curlTimes = (n: number, url: string): string => `for i in $(seq ${n}); do ${curl(url)}; echo; done`;

/** Polls until the command succeeds (proxies and speakers sync asynchronously); returns stdout. */
export function succeeds(what: string, attempt: () => RunResult, ms = 20_000): Promise<string> {
  return eventually(what, () => {
    const r = attempt();
    if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }, ms, 200);
}

export class MatrixCluster {
  readonly name: string;
  private kc: Kubectl | undefined;
  /** Facts that never change while the suite runs (addresses, ports, sandboxes): looked up once. */
  private readonly memo = new Map<string, string>();

  constructor(readonly mode: MatrixMode, letter: string) {
    this.name = uniqueName(letter);
  }

  get kubectl(): Kubectl {
    if (!this.kc) throw new Error('the matrix cluster is not up (its before hook failed)');
    return this.kc;
  }

  up(lbPool: string): void {
    this.kc = clusterUp(this.name, ['--nodes', '2', '--proxy-mode', this.mode, '--lb-pool', lbPool]);
  }

  down(): void {
    clusterDown(this.name);
  }

  /** A shell command in a pod through `podnet exec`, as a user would. */
  podnetExec(pod: string, cmd: string, timeoutMs = 20_000): RunResult {
    return podnet(['exec', '--name', this.name, pod, '--', 'sh', '-c', cmd], timeoutMs);
  }

  /**
   * A shell command in a pod's network as podnet exec runs it (`ip netns exec <sandbox netns>`:
   * the pod's interfaces, resolv.conf and hosts), without a CLI start per call: on a loaded
   * machine that start cost seconds per check.
   */
  inPod(pod: string, cmd: string, timeoutMs = 20_000): RunResult {
    return run('ip', ['netns', 'exec', this.podNetns(pod), 'sh', '-c', cmd], timeoutMs);
  }

  /** inPod, without blocking. */
  inPodAsync(pod: string, cmd: string): Promise<RunResult> {
    return runAsync('ip', ['netns', 'exec', this.podNetns(pod), 'sh', '-c', cmd]);
  }

  /** The pod's sandbox namespace, from the sandbox record its node's agent wrote. */
  private podNetns(pod: string): string {
    return this.once(`netns ${pod}`, () => {
      const [uid, node] = this.get(['pod', pod, '-o', 'jsonpath={.metadata.uid} {.spec.nodeName}']).split(' ');
      const file = join(clusterRoot(this.name), 'nodes', node, 'pods', uid, 'sandbox.json');
      return (JSON.parse(readFileSync(file, 'utf8')) as { netns: string }).netns;
    });
  }

  private once(key: string, get: () => string): string {
    let v = this.memo.get(key);
    if (v === undefined) this.memo.set(key, (v = get()));
    return v;
  }

  /** onHost, without blocking. */
  onHostAsync(machine: string, cmd: string): Promise<RunResult> {
    return runAsync('ip', ['netns', 'exec', `${this.name}-${machine}`, 'sh', '-c', cmd]);
  }

  /** A shell command on a machine of the cluster: `outside`, `node1`, `node2`. */
  onHost(machine: string, cmd: string, timeoutMs = 15_000): RunResult {
    return run('ip', ['netns', 'exec', `${this.name}-${machine}`, 'sh', '-c', cmd], timeoutMs);
  }

  get(args: string[]): string {
    return this.kubectl.ok(['get', ...args]).trim();
  }

  clusterIP(svc: string): string {
    return this.once(`clusterIP ${svc}`, () => this.get(['svc', svc, '-o', 'jsonpath={.spec.clusterIP}']));
  }

  nodePort(svc: string, index = 0): string {
    return this.once(`nodePort ${svc} ${index}`, () => this.get(['svc', svc, '-o', `jsonpath={.spec.ports[${index}].nodePort}`]));
  }

  podIP(pod: string): string {
    return this.once(`podIP ${pod}`, () => this.get(['pod', pod, '-o', 'jsonpath={.status.podIP}']));
  }

  podNames(label: string): string[] {
    return this.get(['pods', '-l', label, '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').sort();
  }

  /** The load-balancer address the controller gave `svc` (waits for it). */
  lbIP(svc: string): Promise<string> {
    return eventually(`${svc} ingress IP`, () => this.get(['svc', svc, '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']) || undefined, 20_000, 200);
  }

  /**
   * The IPv4 addresses a machine holds, but loopback and announced LB /32s: what a masqueraded
   * source may be (flannel.1's /32 counts).
   */
  addresses(machine: string): string[] {
    return this.once(`addresses ${machine}`, () => {
      const out = this.onHost(machine, 'ip -4 -o addr show').stdout;
      const all = [...out.matchAll(/ inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/g)];
      return all.filter(([, ip, len]) => !ip.startsWith('127.') && (len !== '32' || ip.startsWith('10.'))).map((m) => m[1]).join(' ');
    }).split(' ');
  }
}

/** The address part of netexec's `/clientip` answer (`ip:port`). */
export const sourceOf = (clientip: string): string => clientip.trim().split(':')[0];

/** The lines of a curlTimes output. */
export const answers = (out: string): string[] => out.split('\n').map((l) => l.trim()).filter(Boolean);
