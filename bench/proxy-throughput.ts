/**
 * TCP throughput through a ClusterIP relative to straight to the pod IP (the limit), with the
 * proxy's ruleset for 10 Services in the node: iperf3 server in the backend pod, client in the
 * client pod, the two targets alternated round by round.
 * In userspace mode every byte crosses the socket process (copied in and out of Node).
 * Usage: node dist/bench/proxy-throughput.js [rounds=3] [seconds=3] [modes=nftables,iptables[,userspace]]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { run } from '../src/dataplane/exec.js';
import { killChild } from '../test/helpers/proxy-netns.js';
import { BACKEND_IPS, BACKEND_PORT, makeTopology, stats, TARGET_IP } from './proxy-fixture.js';
import { LOADERS, type RulesLoader } from './proxy-loaders.js';

/** `iperf3 -s` in `ns` on `port`, resolved once it listens. */
async function startIperfServer(ns: string, port: number): Promise<ChildProcess> {
  // --forceflush: iperf3 block-buffers its banner into a pipe otherwise.
  const child = spawn('ip', ['netns', 'exec', ns, 'iperf3', '-s', '--forceflush', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const started = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`iperf3 server in ${ns} did not start`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Server listening')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`iperf3 server in ${ns} exited ${code}`)));
  });
  try {
    await started;
  } catch (e) {
    await killChild(child);
    throw e;
  }
  return child;
}

/** Received bits per second of one `iperf3 -c` run from `ns`. */
async function iperf(ns: string, host: string, port: number, seconds: number): Promise<number> {
  const r = await run('ip', ['netns', 'exec', ns, 'iperf3', '-c', host, '-p', String(port), '-t', String(seconds), '-J']);
  const doc = JSON.parse(r.stdout) as { end?: { sum_received?: { bits_per_second?: number } } };
  const bps = doc.end?.sum_received?.bits_per_second;
  if (typeof bps !== 'number') throw new Error(`iperf3 to ${host}: no end.sum_received.bits_per_second in its output`);
  return bps;
}

const gbps = (x: number) => `${(x / 1e9).toFixed(2)} Gbit/s`;

async function measureMode(loader: RulesLoader, rounds: number, seconds: number): Promise<void> {
  const topo = await makeTopology();
  let server: ChildProcess | undefined;
  try {
    await loader.load(topo.node, 10);
    server = await startIperfServer(topo.backend, BACKEND_PORT);
    const direct: number[] = [];
    const cluster: number[] = [];
    for (let i = 0; i < rounds; i++) {
      direct.push(await iperf(topo.client, BACKEND_IPS[0], BACKEND_PORT, seconds));
      cluster.push(await iperf(topo.client, TARGET_IP, BACKEND_PORT, seconds));
    }
    const [d, c] = [stats(direct), stats(cluster)];
    console.log(`\n${loader.name} (10 Services):`);
    console.log(`  pod IP (reference): median ${gbps(d.median)} (${direct.map(gbps).join(', ')})`);
    console.log(`  ClusterIP:          median ${gbps(c.median)} (${cluster.map(gbps).join(', ')})`);
    console.log(`  ratio ClusterIP/pod IP: ${(c.median / d.median).toFixed(2)}`);
  } finally {
    await loader.unload?.(topo.node);
    await killChild(server);
    await topo.cleanup();
  }
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const seconds = Number(process.argv[3] ?? 3);
  const modes = (process.argv[4] ?? 'nftables,iptables').split(',');
  if (!(rounds >= 1 && rounds <= 20) || !(seconds >= 1 && seconds <= 30)) throw new Error('usage: proxy-throughput.js [rounds 1..20] [seconds 1..30]');
  const bad = modes.find((m) => !LOADERS[m]);
  if (bad) throw new Error(`modes: unknown mode ${JSON.stringify(bad)} (${Object.keys(LOADERS).join(', ')})`);
  console.log(`TCP throughput pod → pod on one node bridge, iperf3 ${seconds} s × ${rounds} rounds, targets alternated (${new Date().toISOString()})`);
  for (const m of modes) await measureMode(LOADERS[m], rounds, seconds);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
