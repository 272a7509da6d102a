/**
 * One BIRD per node, as calico-node runs it under runit: `bird -f -c bird.cfg -s bird.ctl -P
 * bird.pid` inside the node's network namespace. Configuration changes go through `birdc
 * configure` (no restart, sessions that did not change stay up). If BIRD dies it is started again
 * with `-R` (graceful restart recovery: it keeps the kernel routes its predecessor left until the
 * sessions are back, while the peers keep ours by BGP graceful restart).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ip } from '../../dataplane/exec.js';
import { birdConfigure, birdc } from './birdc.js';

export interface BirdDaemonOptions {
  /** The node's network namespace. */
  netns: string;
  /** Where bird.cfg, bird.ctl and bird.pid live (`<nodeRoot>/calico`). */
  dir: string;
  /** Prefix of BIRD's log lines. */
  logPrefix?: string;
  log?: (line: string) => void;
  /** Milliseconds before a dead BIRD is started again (default 1000). */
  restartDelayMs?: number;
}

export const birdPaths = (dir: string) => ({ config: join(dir, 'bird.cfg'), ctl: join(dir, 'bird.ctl'), pid: join(dir, 'bird.pid') });

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class BirdDaemon {
  readonly paths: ReturnType<typeof birdPaths>;
  private child: ChildProcess | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private failedRestarts = 0;
  /** The child that answered on its control socket. */
  private up: ChildProcess | undefined;
  /** The configuration text the running BIRD has. */
  private applied: string | undefined;
  /** How many times BIRD was started (1 = never restarted). */
  starts = 0;

  constructor(private readonly opts: BirdDaemonOptions) {
    this.paths = birdPaths(opts.dir);
  }

  private log(line: string): void {
    (this.opts.log ?? console.log)(`${this.opts.logPrefix ?? 'bird'}: ${line}`);
  }

  /** Writes `config`, ends a BIRD left by an earlier run, starts ours and waits for its socket. */
  async start(config: string): Promise<void> {
    mkdirSync(this.opts.dir, { recursive: true });
    this.writeConfig(config);
    const stale = await killStaleBird(this.paths.pid, this.paths.ctl);
    if (stale) this.log(`ended BIRD pid ${stale} left by an earlier run (its routes stay until ours converge)`);
    await this.spawnBird(stale !== undefined);
  }

  /** The pid of the running BIRD, if any. */
  get pid(): number | undefined {
    const c = this.child;
    return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  /**
   * Writes `config` when it differs and has BIRD apply it unless BIRD already runs it. Returns
   * whether anything changed. A BIRD that is (re)starting reads the new file when it starts; if
   * `birdc` fails the call throws and the next call applies it again.
   */
  async configure(config: string): Promise<boolean> {
    const written = this.writeConfig(config);
    if (this.up === undefined || this.up !== this.child || this.pid === undefined || this.applied === config) return written;
    await birdConfigure(this.paths.ctl);
    this.applied = config;
    return true;
  }

  /** Stops BIRD (SIGTERM: it closes its sessions, so peers withdraw our routes at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    // `persist` leaves BIRD's routes in the kernel; a stopped node must not keep them.
    await ip(this.opts.netns, ['route', 'flush', 'proto', 'bird'], { allowFailure: true });
    for (const p of Object.values(this.paths)) rmSync(p, { force: true });
  }

  /** Atomic write (a BIRD starting never reads half a file); false when unchanged. */
  private writeConfig(config: string): boolean {
    let current: string | undefined;
    try {
      current = readFileSync(this.paths.config, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === config) return false;
    const tmp = `${this.paths.config}.tmp`;
    writeFileSync(tmp, config);
    renameSync(tmp, this.paths.config);
    return true;
  }

  private async spawnBird(recover: boolean): Promise<void> {
    const { config, ctl, pid } = this.paths;
    const args = ['netns', 'exec', this.opts.netns, 'bird', '-f', '-c', config, '-s', ctl, '-P', pid, ...(recover ? ['-R'] : [])];
    // What BIRD will read: a configure() racing the start applies its own text afterwards.
    const text = readFileSync(config, 'utf8');
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    let lastLine = '';
    const forward = (d: Buffer) =>
      d.toString().split('\n').filter(Boolean).forEach((l) => {
        lastLine = l;
        this.log(l);
      });
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    try {
      await waitForSocket(ctl, child, 10_000);
    } catch (e) {
      // A BIRD that never came up is the caller's to retry (start() or scheduleRestart()).
      this.child = undefined;
      child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}${lastLine ? `: ${lastLine}` : ''}`);
    }
    this.up = child;
    this.applied = text;
    this.failedRestarts = 0;
  }

  /** Only a BIRD that was up and died is restarted here. */
  private onExit(child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.stopped || this.child !== child || this.up !== child) return;
    this.log(`BIRD exited (${signal ?? `code ${code}`}); starting it again`);
    this.scheduleRestart();
  }

  /** As runit would, with a back-off (1 s, 2 s, ... up to 10 s) while restarts keep failing. */
  private scheduleRestart(): void {
    const delay = Math.min(10_000, (this.opts.restartDelayMs ?? 1000) * 2 ** this.failedRestarts);
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      this.spawnBird(true).catch((e: Error) => {
        this.failedRestarts++;
        this.log(`restart failed: ${e.message}`);
        if (!this.stopped) this.scheduleRestart();
      });
    }, delay);
  }
}

/** Waits until BIRD answers on its control socket; fails early if it exits. */
async function waitForSocket(ctl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`bird: exited (${child.signalCode ?? `code ${child.exitCode}`}) before opening ${ctl}`);
    try {
      await birdc(ctl, ['show', 'status']);
      return;
    } catch (e) {
      last = e;
    }
    await sleep(50);
  }
  throw new Error(`bird: Timed out after ${timeoutMs} ms waiting for ${ctl}: ${(last as Error | undefined)?.message ?? ''}`);
}

/**
 * SIGKILLs the BIRD recorded in `pidFile` if it still runs with our control socket (an agent
 * killed with -9 leaves it behind). SIGKILL, not SIGTERM: a BIRD that dies without closing its
 * sessions lets the peers keep its routes by graceful restart until ours takes over.
 */
export async function killStaleBird(pidFile: string, ctl: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isOurBird(pid, ctl)) return undefined;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && isOurBird(pid, ctl); i++) await sleep(20);
  return pid;
}

function isOurBird(pid: number, ctl: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    // A zombie has an empty cmdline: it is already dead.
    return argv[0]?.endsWith('bird') === true && argv.includes(ctl);
  } catch {
    return false;
  }
}
