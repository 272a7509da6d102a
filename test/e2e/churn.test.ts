/**
 * End to end, issue 5 item 10 (never leak, never duplicate): on a 2-node cluster, hundreds of
 * pod create/delete cycles (batches of bare pods, some with a hostPort and some force-deleted,
 * and a Deployment behind a Service scaled up and down) while node agents and the control plane
 * are killed with SIGKILL at random points (and agents right after bursts of creates and
 * deletes) and restarted with `podnet up`'s command line. Pod IPs are sampled all along: never
 * two Running pods with one IP. Once the churn stops and the cluster converges, every node holds
 * exactly its live pods' netns, veths, host-local IPs, CNI cache entries and hostPort chains,
 * no stale route, no nftables rule naming a dead pod's IP, and no process that is not a live
 * pod's or daemon's.
 *
 * CHURN_CYCLES (default 300) and CHURN_SEED (default random) tune a run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { clusterDown, clusterUp, uniqueName } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { Client } from '../../src/client/client.js';
import type { Pod } from '../../src/api/types.js';
import { loadClusterConfig } from '../../src/cluster/config.js';
import { readPid } from '../../src/cluster/processes.js';
import { Chaos, type DaemonName, daemonRunning, restartDaemon, seededRandom } from '../helpers/churn-daemons.js';
import { type Sandbox, auditNetns, auditNode, livePod } from '../helpers/churn-audit.js';
import { CHURN_TAG_VAR, auditContainers, orphanProcesses, shimPids } from '../helpers/churn-processes.js';
import { DuplicateIPSampler, bareChurnPod, churnDeployment, churnService, createPod, deletePod, retry, scaleDeployment } from '../helpers/churn-workload.js';
import { join } from 'node:path';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';

const name = uniqueName('c');
const NODES = ['node1', 'node2'];
const CYCLES = Number(process.env.CHURN_CYCLES ?? 300);
const CHURN_MAX_MS = 240_000;
const SEED = Number(process.env.CHURN_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = seededRandom(SEED);
const marker = String(100_000 + Math.floor(Math.random() * 800_000));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let client: Client;
// Module-wide so that after() stops them whatever failed: a live sampler keeps the process up.
let sampler: DuplicateIPSampler | undefined;
let chaos: Chaos | undefined;
let finalPods: Pod[] | undefined;

function apiClient(): Client {
  const cfg = loadClusterConfig(name);
  return new Client({ server: `http://127.0.0.1:${cfg.apiPort}`, token: cfg.token, userAgent: 'churn-test' });
}

/** Now and then, an agent killed a moment after a burst of API writes: in the middle of its ADDs or DELs. */
function maybeStrike(chaos: Chaos): void {
  if (random() < 0.25) setTimeout(() => void chaos.strike(chaos.randomAgent()), random() * 800);
}

/** One batch: create `n` bare pods, let them run a random while, delete them (some forced). */
async function bareBatch(batch: number, n: number, nextHostPort: () => number, chaos: Chaos): Promise<void> {
  const names = Array.from({ length: n }, (_, i) => `b${batch}-${i}`);
  await Promise.all(names.map((pod, i) => createPod(client, bareChurnPod(pod, marker, i % 8 === 0 ? nextHostPort() : undefined))));
  maybeStrike(chaos);
  // Most of the batch gets its sandbox (or the agents are down too long), then a random extra while.
  await waitRunning(names, Math.ceil(n * 0.7), 15_000);
  await sleep(random() * 1500);
  await Promise.all(names.map((pod) => deletePod(client, pod, random() < 0.2)));
  maybeStrike(chaos);
}

async function waitRunning(names: string[], want: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const mine = new Set(names);
  while (Date.now() < deadline) {
    const pods = await client.list<Pod>('pods', 'default', { labelSelector: 'churn=bare' }).then((l) => l.items, () => []);
    if (pods.filter((p) => mine.has(p.metadata?.name ?? '') && p.status?.phase === 'Running').length >= want) return;
    await sleep(250);
  }
}

async function listPods(): Promise<Pod[]> {
  return retry('list pods', async () => (await client.list<Pod>('pods')).items);
}

/** Every pod is Running (none terminating, none pending) and the node agents report Ready. */
async function converged(): Promise<Pod[] | false> {
  const pods = await listPods();
  const unsettled = pods.filter((p) => p.status?.phase !== 'Running' || p.metadata?.deletionTimestamp || !p.status.podIP);
  if (process.env.CHURN_DEBUG) console.log(`${new Date().toISOString()} unsettled: ${unsettled.map((p) => `${p.metadata?.name}@${p.spec?.nodeName}:${p.status?.phase}${p.metadata?.deletionTimestamp ? '(deleting)' : ''}`).join(' ')}`);
  return unsettled.length === 0 && pods;
}

function audit(pods: Pod[]): string[] {
  const live = pods.map(livePod);
  const root = loadClusterConfig(name).root;
  const problems: string[] = [];
  const sandboxes = new Map<string, Sandbox>();
  for (const node of NODES) {
    const r = auditNode(name, root, node, live);
    problems.push(...r.problems);
    for (const [uid, s] of r.sandboxes) sandboxes.set(uid, s);
  }
  problems.push(...auditNetns(name, [...sandboxes.values()]));
  // The test's own pods (default namespace) run `sleep <marker>`; kube-system's do not.
  const ours = new Set(pods.filter((p) => p.metadata?.namespace === 'default').map((p) => p.metadata?.uid));
  problems.push(...auditContainers(marker, [...sandboxes].filter(([uid]) => ours.has(uid)).map(([, s]) => s.netns)));
  const daemons = ['controlplane', 'relay', ...NODES.map((n) => `agent-${n}`)].map((d) => readPid(root, d) ?? 0);
  const pauses = [...sandboxes.values()].map((s) => s.pause?.pid ?? 0);
  const shims = live.flatMap((p) => shimPids(join(root, 'nodes', p.node), p.uid));
  problems.push(...orphanProcesses(name, [...daemons, ...pauses, ...shims]).map((p) => `orphan process ${p}`));
  return problems;
}

describe('churn: pods created and deleted while agents and the control plane are killed -9', { timeout: 900_000 }, () => {
  before(() => {
    process.env[CHURN_TAG_VAR] = name; // inherited by every daemon and what they spawn
    clusterUp(name, ['--nodes', String(NODES.length)]);
    client = apiClient();
  });

  after(async () => {
    await chaos?.stop();
    await sampler?.stop();
    client?.close();
    // The daemons' logs outlive the cluster, for a failed run's post-mortem.
    cpSync(join(loadClusterConfig(name).root, 'logs'), `/tmp/churn-${name}-logs`, { recursive: true });
    if (process.env.CHURN_KEEP) return;
    clusterDown(name);
    assert.deepEqual(orphanProcesses(name, []), [], 'a process of the cluster survived podnet down');
  });

  it(`runs ${CYCLES} pod cycles under kill -9, never two Running pods with one IP, and converges with nothing leaked`, async () => {
    const t0 = Date.now();
    await retry('create deployment', () => client.create('deployments', 'default', churnDeployment('web', marker, 0)));
    await retry('create service', () => client.create('services', 'default', churnService('web')));
    sampler = new DuplicateIPSampler(client);
    chaos = new Chaos(name, NODES, random);
    sampler.start();
    chaos.start();
    let hostPort = 30000;
    let cycles = 0;
    let batch = 0;
    let scaledDown = 0;
    let replicas = 0;
    try {
      while (cycles < CYCLES && Date.now() - t0 < CHURN_MAX_MS) {
        const n = 20 + Math.floor(random() * 21);
        const next = Math.floor(random() * 25);
        if (next < replicas) scaledDown += replicas - next;
        replicas = next;
        await scaleDeployment(client, 'web', replicas);
        await bareBatch(batch++, n, () => hostPort++, chaos);
        cycles += n;
      }
    } finally {
      await chaos.stop();
    }
    const churnMs = Date.now() - t0;
    for (const d of ['controlplane', ...NODES.map((n) => `agent-${n}`)] as DaemonName[]) if (!daemonRunning(name, d)) restartDaemon(name, d);
    // What stays: a few Deployment pods and bare pods, two of them with hostPorts.
    await scaleDeployment(client, 'web', 3);
    for (let i = 0; i < 4; i++) await createPod(client, bareChurnPod(`final-${i}`, marker, i < 2 ? hostPort++ : undefined));
    const pods = await eventually('every pod Running, none terminating', converged, 180_000, process.env.CHURN_DEBUG ? 5000 : 500);
    finalPods = pods;
    await sampler.stop();
    const problems = await eventually('every node to hold exactly its live pods', () => {
      const p = audit(pods);
      return p.length === 0 ? p : undefined;
    }, 60_000, 1000).catch(() => audit(pods));
    const convergeMs = Date.now() - t0 - churnMs;
    const kills = chaos.kills.map((k) => `${k.daemon}@${(k.at / 1000).toFixed(1)}s(down ${k.downMs} ms)`);
    console.log(`churn (seed ${SEED}): ${cycles} bare pod cycles in ${batch} batches + ${scaledDown} Deployment pods scaled away, ${sampler.uids.size} pods seen (${sampler.running.size} of them Running) in ${sampler.samples} samples; ${chaos.kills.length} kills: ${kills.join(', ')}; churn ${(churnMs / 1000).toFixed(1)} s, convergence ${(convergeMs / 1000).toFixed(1)} s`);
    if (problems.length > 0) console.log(`churn: not converged:\n  ${problems.join('\n  ')}`);
    assert.ok(cycles >= CYCLES, `only ${cycles} cycles in ${CHURN_MAX_MS / 1000} s`);
    assert.deepEqual(chaos.kills.filter((k) => k.foundDead).map((k) => k.daemon), [], `daemons that died by themselves (logs: /tmp/churn-${name}-logs)`);
    assert.deepEqual(sampler.duplicates, [], 'two Running pods shared an IP');
    assert.ok(chaos.kills.some((k) => k.daemon === 'controlplane'), 'the control plane was killed at least once');
    assert.ok(chaos.kills.filter((k) => k.daemon !== 'controlplane').length >= 2, 'agents were killed several times');
    assert.deepEqual(problems, [], 'leaked or missing state after convergence');
  });

  it('the audit sees a leak: a stray pod netns, IP reservation and process are each reported', () => {
    assert.ok(finalPods, 'the churn converged');
    const root = loadClusterConfig(name).root;
    const netns = `${name}-pod-leak00000000`;
    const ipFile = join(root, 'nodes', 'node1', 'cni', 'networks', 'cbr0', '10.244.0.250');
    const stray = spawn('sleep', ['600'], { stdio: 'ignore', env: { ...process.env, [CHURN_TAG_VAR]: name } });
    try {
      assert.equal(spawnSync('ip', ['netns', 'add', netns]).status, 0);
      writeFileSync(ipFile, 'nobody\r\neth0');
      const problems = audit(finalPods).join('\n');
      assert.match(problems, new RegExp(`pod netns: .*${netns}`));
      assert.match(problems, /host-local IPs: .*10\.244\.0\.250/);
      assert.match(problems, new RegExp(`orphan process ${stray.pid} sleep 600`));
    } finally {
      stray.kill('SIGKILL');
      spawnSync('ip', ['netns', 'del', netns]);
      rmSync(ipFile, { force: true });
    }
  });
});
