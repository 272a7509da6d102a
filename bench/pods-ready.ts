/**
 * N pods started at once until all are Ready, on a fresh 2-node cluster (`podnet up`): bare
 * pods (busybox `sleep infinity`) created together through the API, scheduled by the control
 * plane, started by the two agents. A pod's time runs from the batch's first create to the watch
 * event showing it Ready; printed per batch: p50/p90/max per pod (also to scheduled and to its
 * IP) and the total. References measured in the same run: 1 pod alone and 10 at once (per-pod
 * ratios, and the total against 100 × the lone pod: how much the agents overlap).
 * Usage: node dist/bench/pods-ready.js [sizes, default 1,10,100] [rounds, default 1]
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pod } from '../src/api/types.js';
import { type Client, isNotFound } from '../src/client/client.js';
import { Informer } from '../src/client/informer.js';
import { clusterDown, clusterUp, uniqueName } from '../test/helpers/cluster.js';
import { apiClient, stateRoot } from '../test/helpers/sandbox-e2e.js';

interface PodTimes {
  scheduled?: number;
  ip?: number;
  ready?: number;
  node?: string;
  /** From the agent's records (ms since the batch start): sandbox begun, container started. */
  sandboxAt?: number;
  containerAt?: number;
}

interface Batch {
  size: number;
  times: PodTimes[];
  totalMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
}

const pod = (name: string, batch: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { bench: batch } },
  spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', command: ['sleep', 'infinity'] }] },
});

/** Creates `size` pods at once and records, from a watch, when each was scheduled, got an IP, turned Ready. */
async function runBatch(client: Client, cluster: string, size: number, tag: string): Promise<Batch> {
  const times = new Map<string, PodTimes>();
  const informer = new Informer<Pod>(client, 'pods', { namespace: 'default', labelSelector: `bench=${tag}` });
  let t0 = 0;
  const seen = (p: Pod) => {
    const t = times.get(p.metadata?.name ?? '') ?? {};
    const now = performance.now() - t0;
    if (t.scheduled === undefined && p.spec?.nodeName) [t.scheduled, t.node] = [now, p.spec.nodeName];
    if (t.ip === undefined && p.status?.podIP) t.ip = now;
    if (t.ready === undefined && isReady(p)) t.ready = now;
    times.set(p.metadata?.name ?? '', t);
  };
  informer.on({ add: seen, update: (_o, p) => seen(p) });
  await informer.start();
  t0 = performance.now();
  await Promise.all(Array.from({ length: size }, (_, i) => client.create('pods', 'default', pod(`${tag}-${i}`, tag))));
  while ([...times.values()].filter((t) => t.ready !== undefined).length < size) {
    if (performance.now() - t0 > 600_000) throw new Error(`bench: ${size} pods not Ready within 10 min`);
    await sleep(20);
  }
  const totalMs = performance.now() - t0;
  informer.stop();
  const wallT0 = Date.now() - (performance.now() - t0);
  for (const [podName, t] of times) Object.assign(t, agentTimes(cluster, t.node ?? '', podName, wallT0));
  return { size, times: [...times.values()], totalMs };
}

/** When the node's agent began the pod's sandbox and started its container (sandbox.json, state.json). */
function agentTimes(cluster: string, node: string, podName: string, wallT0: number): Pick<PodTimes, 'sandboxAt' | 'containerAt'> {
  const pods = join(stateRoot(cluster), 'nodes', node, 'pods');
  for (const uid of existsSync(pods) ? readdirSync(pods) : []) {
    try {
      const sb = JSON.parse(readFileSync(join(pods, uid, 'sandbox.json'), 'utf8')) as { name: string; createdAt: string };
      if (sb.name !== podName) continue;
      const st = JSON.parse(readFileSync(join(pods, uid, 'containers', 'c', 'state.json'), 'utf8')) as { current?: { startedAt: string } };
      return { sandboxAt: Date.parse(sb.createdAt) - wallT0, containerAt: Date.parse(st.current?.startedAt ?? '') - wallT0 };
    } catch {
      return {};
    }
  }
  return {};
}

async function deleteBatch(client: Client, tag: string): Promise<void> {
  const pods = (await client.list<Pod>('pods', 'default', { labelSelector: `bench=${tag}` })).items;
  await Promise.all(pods.map((p) => client.delete('pods', 'default', p.metadata!.name!).catch((e: unknown) => {
    if (!isNotFound(e)) throw e;
  })));
  for (let t = 0; t < 300_000; t += 200) {
    if ((await client.list<Pod>('pods', 'default', { labelSelector: `bench=${tag}` })).items.length === 0) return;
    await sleep(200);
  }
  throw new Error(`bench: pods of ${tag} not gone within 5 min`);
}

function report(b: Batch): string {
  const col = (k: keyof Omit<PodTimes, 'node'>) => {
    const v = b.times.map((t) => t[k]!).filter((x) => x !== undefined && !Number.isNaN(x));
    return `p50 ${quantile(v, 0.5).toFixed(0)} / p90 ${quantile(v, 0.9).toFixed(0)} / max ${Math.max(...v).toFixed(0)}`;
  };
  const perNode = new Map<string, number>();
  for (const t of b.times) perNode.set(t.node ?? '?', (perNode.get(t.node ?? '?') ?? 0) + 1);
  const spread = [...perNode].sort().map(([n, c]) => `${n} ${c}`).join(', ');
  return `${String(b.size).padStart(4)} pods: Ready ${col('ready')} ms; scheduled ${col('scheduled')}; sandbox begun ${col('sandboxAt')}; container started ${col('containerAt')}; IP ${col('ip')}; total ${b.totalMs.toFixed(0)} ms (${spread})`;
}

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '1,10,100').split(',').map(Number);
  const rounds = Number(process.argv[3] ?? 1);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`bench: sizes must be positive integers, got "${process.argv[2]}"`);
  const name = uniqueName('b');
  clusterUp(name, ['--nodes', '2']);
  const client = apiClient(name, 'pods-ready-bench');
  const batches: Batch[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const size of sizes) {
        const tag = `r${r}n${size}`;
        const b = await runBatch(client, name, size, tag);
        console.log(report(b));
        batches.push(b);
        await deleteBatch(client, tag);
      }
    }
  } finally {
    client.close();
    clusterDown(name);
  }
  summarize(batches);
}

/** Ratios of the largest batch against the smaller ones of the same run (first round each). */
function summarize(batches: Batch[]): void {
  const p50 = (b: Batch) => quantile(b.times.map((t) => t.ready!), 0.5);
  const largest = batches.reduce((a, b) => (b.size > a.size ? b : a));
  for (const ref of batches.filter((b) => b.size < largest.size && b === batches.find((x) => x.size === b.size))) {
    const serial = ref.totalMs * (largest.size / ref.size);
    console.log(`${largest.size} vs ${ref.size} at once: per-pod p50 ${(p50(largest) / p50(ref)).toFixed(2)}x; total ${(largest.totalMs / ref.totalMs).toFixed(2)}x, ${(largest.totalMs / serial).toFixed(2)} of ${largest.size / ref.size} x the ${ref.size}-pod total`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
