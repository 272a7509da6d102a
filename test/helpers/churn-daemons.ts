/**
 * kill -9 and restart of a running cluster's daemons (control plane, node agents), the way a
 * crash and a supervisor's restart would: SIGKILL to the recorded pid only (not its group:
 * the OOM killer or a crash takes the one process), then the product's own restart path,
 * `podnet restart` (Chaos), or the same command line `podnet up` used, through the same spawn
 * helper (restartDaemon, for one daemon without waiting).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PODNET_BIN, isAlive, readPid, spawnPodnet } from '../../src/cluster/processes.js';
import { loadClusterConfig, type ClusterConfig } from '../../src/cluster/config.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The daemon names `podnet up` records: `controlplane`, `relay`, `agent-<node>`. */
export type DaemonName = 'controlplane' | `agent-${string}`;

/** The arguments `podnet up` (src/cli/up-down.ts) starts `name` with. */
export function daemonArgs(cfg: ClusterConfig, name: DaemonName): string[] {
  if (name === 'controlplane') return ['controlplane', '--name', cfg.name];
  return ['agent', '--name', cfg.name, '--node', name.slice('agent-'.length)];
}

/** A zombie counts as dead: its parent (the test runner never is) may not reap it at once. */
function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * SIGKILLs the daemon's process (not its children) and waits until it is gone. Returns false
 * when it was not running any more: it died by itself, which the caller reports.
 */
export async function killDaemon(cluster: string, name: DaemonName): Promise<boolean> {
  const cfg = loadClusterConfig(cluster);
  const pid = readPid(cfg.root, name);
  if (pid === undefined || !running(pid)) return false;
  process.kill(pid, 'SIGKILL');
  for (let t = 0; running(pid) && t < 5000; t += 20) await sleep(20);
  if (running(pid)) throw new Error(`churn: ${name} (pid ${pid}) survived SIGKILL`);
  return true;
}

/** Starts the daemon again with `podnet up`'s command line; returns the new pid. */
export function restartDaemon(cluster: string, name: DaemonName): number {
  const cfg = loadClusterConfig(cluster);
  return spawnPodnet(cfg.root, { name, args: daemonArgs(cfg, name) });
}

/**
 * `podnet restart --name <cluster>` as a user runs it, asynchronously (the workload and
 * samplers in this process keep running meanwhile); resolves with its output, rejects on failure.
 */
export function podnetRestart(cluster: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PODNET_BIN, 'restart', '--name', cluster], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`podnet restart --name ${cluster} exited ${code}: ${out}`))));
  });
}

/** True while the daemon's recorded process runs. */
export function daemonRunning(cluster: string, name: DaemonName): boolean {
  const pid = readPid(loadClusterConfig(cluster).root, name);
  return pid !== undefined && running(pid);
}

/** mulberry32: a seeded generator, so a failing run's kill schedule can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Kill {
  at: number;
  daemon: DaemonName;
  downMs: number;
  /** The daemon was already dead when its turn came (it crashed by itself). */
  foundDead?: boolean;
}

/**
 * Kills a random daemon every `everyMs` (± half) until stopped, restarting it with `podnet
 * restart` after a random outage: a random node's agent, and the control plane every
 * `controlPlaneOneIn`-th time.
 * strike() adds a kill at a moment the workload picks (an agent in the middle of ADDs or DELs);
 * kills never overlap.
 */
export class Chaos {
  readonly kills: Kill[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;
  private busy: Promise<void> = Promise.resolve();
  private readonly t0 = Date.now();

  constructor(
    private readonly cluster: string,
    private readonly nodes: string[],
    private readonly random: () => number,
    private readonly opts = { everyMs: 6000, maxDownMs: 3000, controlPlaneOneIn: 3 },
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.busy;
  }

  /** Kills (and later restarts) `daemon`, or the next pick; resolves once `podnet restart` returned. */
  strike(daemon?: DaemonName): Promise<void> {
    const next = this.busy.then(() => this.killAndRestart(daemon ?? this.pick()));
    this.busy = next.catch(() => undefined);
    return next;
  }

  /** Every `controlPlaneOneIn`-th kill (the 2nd, 5th, ... with 3) is the control plane's. */
  private pick(): DaemonName {
    if (this.kills.length % this.opts.controlPlaneOneIn === 1) return 'controlplane';
    return this.randomAgent();
  }

  randomAgent(): DaemonName {
    return `agent-${this.nodes[Math.floor(this.random() * this.nodes.length)]}`;
  }

  private async killAndRestart(daemon: DaemonName): Promise<void> {
    const downMs = Math.floor(200 + this.random() * this.opts.maxDownMs);
    const at = Date.now() - this.t0;
    const killed = await killDaemon(this.cluster, daemon);
    await sleep(downMs);
    await podnetRestart(this.cluster);
    if (!daemonRunning(this.cluster, daemon)) throw new Error(`churn: podnet restart did not bring ${daemon} back`);
    this.kills.push({ at, daemon, downMs, ...(killed ? {} : { foundDead: true }) });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await sleep(this.opts.everyMs * (0.5 + this.random()));
      if (!this.stopped) await this.strike();
    }
  }
}
