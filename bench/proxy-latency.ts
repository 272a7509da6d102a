/**
 * First-packet latency through a ClusterIP with 10 Services in the node's ruleset vs with 10,000
 * (× 10 endpoints each), and both against connecting straight to a pod IP (the reference,
 * measured in the same rounds). Topology: client pod → node (bridge, the proxy's rules) →
 * backend pod holding the target Service's 10 endpoint addresses; every connect is a new flow.
 * Each mode gets a fresh topology. The target Service is the last one built; iptables mode walks
 * KUBE-SERVICES rule by rule, so where its rule lands matters there (see the report); so does
 * userspace mode its portal chain. Besides the connect time, the time to the first response byte
 * of an HTTP request: in userspace mode the proxy completes the client's handshake itself and
 * connects to the endpoint afterwards, which only the request's answer shows.
 * iptables-legacy: the iptables mode's ruleset through iptables-legacy-restore (bench-only).
 * Usage: node dist/bench/proxy-latency.js [samples=1000] [big=10000] [modes=nftables,iptables[,iptables-legacy][,userspace]]
 */
import { killChild, startEchoServer } from '../test/helpers/proxy-netns.js';
import { connectTimes, firstResponseTimes } from './proxy-connect.js';
import { BACKEND_IPS, BACKEND_PORT, makeTopology, ms, stats, TARGET_IP, type Stats } from './proxy-fixture.js';
import { LOADERS, type RulesLoader } from './proxy-loaders.js';

const us = (x: number) => `${(x * 1000).toFixed(0)} µs`;
const fmt = (s: Stats) => `median ${us(s.median)}, p90 ${us(s.p90)}, p99 ${us(s.p99)}`;

interface Row { n: number; cluster: Stats; direct: Stats; clusterResponse: Stats; directResponse: Stats }

async function measure(loader: RulesLoader, client: string, node: string, sizes: number[], samples: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const t0 = process.hrtime.bigint();
    await loader.load(node, n);
    console.error(`  ${loader.name}: ${n} Services loaded in ${(ms(t0) / 1000).toFixed(1)} s`);
    const [cluster, direct] = await connectTimes(client, [TARGET_IP, BACKEND_IPS[0]], BACKEND_PORT, samples);
    const [clusterResponse, directResponse] = await firstResponseTimes(client, [TARGET_IP, BACKEND_IPS[0]], BACKEND_PORT, samples);
    rows.push({ n, cluster: stats(cluster), direct: stats(direct), clusterResponse: stats(clusterResponse), directResponse: stats(directResponse) });
  }
  return rows;
}

function report(mode: string, rows: Row[]): void {
  console.log(`\n${mode}:`);
  for (const r of rows) {
    console.log(`  ${String(r.n).padStart(6)} Services: connect: ClusterIP ${fmt(r.cluster)}; pod IP ${fmt(r.direct)};`
      + ` ClusterIP/pod IP median ${(r.cluster.median / r.direct.median).toFixed(2)}`);
    console.log(`  ${' '.repeat(6)}  first response: ClusterIP ${fmt(r.clusterResponse)}; pod IP ${fmt(r.directResponse)};`
      + ` ClusterIP/pod IP median ${(r.clusterResponse.median / r.directResponse.median).toFixed(2)}`);
  }
  const [small, big] = [rows[0], rows[rows.length - 1]];
  for (const [what, c, d] of [['connect', 'cluster', 'direct'], ['first response', 'clusterResponse', 'directResponse']] as const) {
    console.log(`  ${what}: ratio ClusterIP at ${big.n} / at ${small.n}: median ${(big[c].median / small[c].median).toFixed(2)},`
      + ` p99 ${(big[c].p99 / small[c].p99).toFixed(2)}`
      + ` (pod IP, same rounds: ${(big[d].median / small[d].median).toFixed(2)})`);
  }
}

async function main(): Promise<void> {
  const samples = Number(process.argv[2] ?? 1000);
  const big = Number(process.argv[3] ?? 10000);
  const modes = (process.argv[4] ?? 'nftables,iptables').split(',');
  if (!(samples >= 10 && samples <= 20000) || !(big >= 11 && big <= 20000)) throw new Error('usage: proxy-latency.js [samples 10..20000] [big 11..20000]');
  const bad = modes.find((m) => !LOADERS[m]);
  if (bad) throw new Error(`modes: unknown mode ${JSON.stringify(bad)} (${Object.keys(LOADERS).join(', ')})`);
  const results = new Map<string, Row[]>();
  for (const m of modes) results.set(m, await measureMode(LOADERS[m], [10, big], samples));
  console.log(`TCP connect from a pod, ${samples} samples per target and size, ClusterIP and pod IP interleaved (${new Date().toISOString()})`);
  for (const [m, rows] of results) report(m, rows);
}

async function measureMode(loader: RulesLoader, sizes: number[], samples: number): Promise<Row[]> {
  const topo = await makeTopology();
  console.error(`  ${loader.name}: namespaces ${topo.prefix}*`);
  const server = await startEchoServer(topo.backend, BACKEND_PORT).catch(async (e) => { await topo.cleanup(); throw e; });
  try {
    return await measure(loader, topo.client, topo.node, sizes, samples);
  } finally {
    await loader.unload?.(topo.node);
    await killChild(server);
    await topo.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
