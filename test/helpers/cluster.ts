/**
 * Test helpers for whole clusters: a unique cluster name per test run (so runs coexist), the
 * podnet CLI and the real kubectl with a private HOME and KUBECONFIG.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

/** kubectl's HOME for one test cluster (discovery cache, kubeconfig); all are removed at exit. */
const homes = new Set<string>();
function kubectlHome(): string {
  if (homes.size === 0) process.once('exit', () => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));
  const home = mkdtempSync(join(tmpdir(), 'podnet-kubectl-'));
  homes.add(home);
  return home;
}


export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const PODNET = join(REPO, 'bin', 'podnet.js');

/** `<letter><5 random [a-z0-9]>`: a valid, unique cluster name and namespace prefix. */
export function uniqueName(letter = 't'): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return letter + Array.from(randomBytes(5), (b) => alphabet[b % alphabet.length]).join('');
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function result(r: SpawnSyncReturns<string>): RunResult {
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function podnet(args: string[], timeoutMs = 240_000): RunResult {
  return result(spawnSync(process.execPath, [PODNET, ...args], { encoding: 'utf8', timeout: timeoutMs }));
}

/** A kubectl bound to one cluster, with its own HOME (discovery cache) and KUBECONFIG. */
export class Kubectl {
  readonly home: string;
  readonly kubeconfig: string;
  constructor(kubeconfigText: string) {
    this.home = kubectlHome();
    this.kubeconfig = join(this.home, 'kubeconfig');
    writeFileSync(this.kubeconfig, kubeconfigText, { mode: 0o600 });
  }
  run(args: string[], input?: string, timeoutMs = 120_000): RunResult {
    return result(
      spawnSync('kubectl', args, {
        encoding: 'utf8',
        input,
        timeout: timeoutMs,
        env: { ...process.env, HOME: this.home, KUBECONFIG: this.kubeconfig },
      }),
    );
  }
  /** Runs and throws with kubectl's stderr on failure; returns stdout. */
  ok(args: string[], input?: string): string {
    const r = this.run(args, input);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }
}

/** Everything a cluster named `name` may leave behind; empty when `podnet down` did its job. */
export function leftovers(name: string): string[] {
  const ns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`${name}-`)) : [];
  const etc = existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((n) => n.startsWith(`${name}-`)) : [];
  const root = existsSync(join(process.env.PODNET_STATE_ROOT ?? '/var/lib/podnet', name)) ? [`state root of ${name}`] : [];
  return [...ns.map((n) => `netns ${n}`), ...etc.map((n) => `/etc/netns/${n}`), ...root];
}

/** `podnet up --name <name> <args>`, asserting it worked; returns a kubectl bound to the cluster. */
export function clusterUp(name: string, args: string[] = []): Kubectl {
  const r = podnet(['up', '--name', name, ...args]);
  assert.equal(r.status, 0, `podnet up ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  const kc = podnet(['kubeconfig', '--name', name]);
  assert.equal(kc.status, 0, kc.stderr);
  return new Kubectl(kc.stdout);
}

/** `podnet down --name <name>`, asserting it worked and left nothing behind. */
export function clusterDown(name: string): void {
  const r = podnet(['down', '--name', name]);
  assert.equal(r.status, 0, `podnet down failed: ${r.stderr}`);
  assert.deepEqual(leftovers(name), [], 'podnet down left things behind');
}
