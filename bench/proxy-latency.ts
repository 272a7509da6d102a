/**
 * First-packet latency through a ClusterIP with 10 Services in the node's ruleset vs with 10,000
 * (× 10 endpoints each), and both against connecting straight to a pod IP (the reference,
 * measured in the same rounds). Topology: client pod → node (bridge, the proxy's rules) →
 * backend pod holding the target Service's 10 endpoint addresses; every connect is a new flow.
 * Usage: node dist/bench/proxy-latency.js [samples=1000] [big=10000]
 */
import { nft, nftApply } from '../src/dataplane/exec.js';
import { renderRuleset } from '../src/proxy/render.js';
import { killChild, startEchoServer } from '../test/helpers/proxy-netns.js';
import { connectTimes } from './proxy-connect.js';
import { BACKEND_IPS, BACKEND_PORT, makeServiceSet, makeTopology, ms, NODE_OPTS, stats, TARGET_IP, type Stats } from './proxy-fixture.js';

/** How one proxy mode loads a full ruleset for `n` Services into the node's netns. */
interface RulesLoader { name: string; load(nodeNs: string, n: number): Promise<void> }

const nftablesLoader: RulesLoader = {
  name: 'nftables',
  async load(nodeNs, n) {
    await nft(nodeNs, ['delete', 'table', 'ip', 'kube-proxy'], { allowFailure: true });
    const set = makeServiceSet(n, true);
    await nftApply(nodeNs, renderRuleset(set.services, set.slices, NODE_OPTS));
  },
};

const us = (x: number) => `${(x * 1000).toFixed(0)} µs`;
const fmt = (s: Stats) => `median ${us(s.median)}, p90 ${us(s.p90)}, p99 ${us(s.p99)}`;

interface Row { n: number; cluster: Stats; direct: Stats }

async function measure(loader: RulesLoader, client: string, node: string, sizes: number[], samples: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const t0 = process.hrtime.bigint();
    await loader.load(node, n);
    console.error(`  ${loader.name}: ${n} Services loaded in ${(ms(t0) / 1000).toFixed(1)} s`);
    const [cluster, direct] = await connectTimes(client, [TARGET_IP, BACKEND_IPS[0]], BACKEND_PORT, samples);
    rows.push({ n, cluster: stats(cluster), direct: stats(direct) });
  }
  return rows;
}

function report(mode: string, rows: Row[]): void {
  console.log(`\n${mode}:`);
  for (const r of rows) {
    console.log(`  ${String(r.n).padStart(6)} Services: ClusterIP ${fmt(r.cluster)}; pod IP ${fmt(r.direct)};`
      + ` ClusterIP/pod IP median ${(r.cluster.median / r.direct.median).toFixed(2)}`);
  }
  const [small, big] = [rows[0], rows[rows.length - 1]];
  console.log(`  ratio ClusterIP at ${big.n} / at ${small.n}: median ${(big.cluster.median / small.cluster.median).toFixed(2)},`
    + ` p99 ${(big.cluster.p99 / small.cluster.p99).toFixed(2)}`
    + ` (pod IP, same rounds: ${(big.direct.median / small.direct.median).toFixed(2)})`);
}

async function main(): Promise<void> {
  const samples = Number(process.argv[2] ?? 1000);
  const big = Number(process.argv[3] ?? 10000);
  if (!(samples >= 10 && samples <= 20000) || !(big >= 11 && big <= 20000)) throw new Error('usage: proxy-latency.js [samples 10..20000] [big 11..20000]');
  const topo = await makeTopology();
  const server = await startEchoServer(topo.backend, BACKEND_PORT).catch(async (e) => { await topo.cleanup(); throw e; });
  try {
    const rows = await measure(nftablesLoader, topo.client, topo.node, [10, big], samples);
    console.log(`TCP connect from a pod, ${samples} samples per target and size, ClusterIP and pod IP interleaved (${new Date().toISOString()})`);
    report('nftables', rows);
  } finally {
    await killChild(server);
    await topo.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
