/**
 * ConfigMap creates through the real API (HTTP on loopback to a `podnet controlplane` process),
 * a few concurrent clients: the embedded SQLite store (the reference) against an external etcd
 * (Debian's etcd-server, a single member on a temp dir), measured in the same run.
 * Usage: node dist/bench/api-creates.js [N=1000] [clients=4]
 */
import { Client } from '../src/client/client.js';
import type { KubeObject } from '../src/api/types.js';
import { controlPlane, type ControlPlane } from '../test/helpers/store-controlplane.js';
import { startEtcd } from '../test/helpers/etcd.js';

const n = Number(process.argv[2] ?? 1000);
const clients = Number(process.argv[3] ?? 4);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(clients) || clients < 1) {
  throw new Error(`api-creates: Invalid arguments "${process.argv.slice(2).join(' ')}": want [N] [clients], positive integers`);
}
const data = { blob: 'x'.repeat(1000) };

interface Round {
  rate: number;
  latenciesMs: number[];
}

/** `n` creates shared by `clients` concurrent clients, each call timed. */
async function createRound(cp: ControlPlane, prefix: string): Promise<Round> {
  const latenciesMs: number[] = [];
  let next = 0;
  const worker = async (c: Client): Promise<void> => {
    for (let i = next++; i < n; i = next++) {
      const t = process.hrtime.bigint();
      await c.create<KubeObject>('configmaps', 'default', { metadata: { name: `${prefix}-${i}` }, data } as KubeObject);
      latenciesMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  };
  const cs = Array.from({ length: clients }, () => cp.client());
  const t0 = process.hrtime.bigint();
  try {
    await Promise.all(cs.map(worker));
  } finally {
    for (const c of cs) c.close();
  }
  return { rate: n / (Number(process.hrtime.bigint() - t0) / 1e9), latenciesMs };
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const etcd = await startEtcd();
const planes = { sqlite: await controlPlane(), etcd: await controlPlane({ datastoreEndpoint: etcd.endpoint }) };
try {
  await planes.sqlite.start();
  await planes.etcd.start();
  const rounds: Record<keyof typeof planes, Round[]> = { sqlite: [], etcd: [] };
  // Interleave two rounds so machine noise hits both alike; report the better one of each.
  for (const round of [1, 2]) {
    for (const kind of ['sqlite', 'etcd'] as const) rounds[kind].push(await createRound(planes[kind], `r${round}`));
  }
  const best = (rs: Round[]): Round => rs.reduce((a, b) => (b.rate > a.rate ? b : a));
  const line = (label: string, r: Round): string =>
    `  ${label} ${r.rate.toFixed(0).padStart(6)} creates/s   p50 ${percentile(r.latenciesMs, 50).toFixed(1)} ms   p99 ${percentile(r.latenciesMs, 99).toFixed(1)} ms`;
  const [s, e] = [best(rounds.sqlite), best(rounds.etcd)];
  console.log(`API creates: ${n} ConfigMaps (1 KiB) per round over HTTP, ${clients} concurrent clients, best of 2 rounds`);
  console.log(line('sqlite (embedded, reference):', s));
  console.log(line('etcd 3.4 (external, 1 member):', e));
  console.log(`  ratio etcd/sqlite: ${(e.rate / s.rate).toFixed(3)}`);
} finally {
  await planes.sqlite.remove();
  await planes.etcd.remove();
  await etcd.stop();
}
