/**
 * Pod-to-pod TCP throughput (iperf3, one stream) and request/response latency (bench/pod-rr.ts,
 * 1-byte ping-pong) per backend, each as a ratio of node-to-node on the underlay measured in
 * the same cluster and the same run (the limit here: every path ends in the same veth-and-
 * bridge underlay). Per backend: `podnet up --nodes 2 --backend <b>`, pods pa and pb on node1
 * and pc on node2; paths: underlay node1 → node2, same node pa → pb, cross node pa → pc,
 * interleaved round by round so load drift on a shared machine hits all alike.
 * Usage: node dist/bench/pod-throughput.js [--backends vxlan,host-gw[,bgp]] [--seconds 3] [--rounds 3]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clusterRoot } from '../src/cluster/config.js';
import { run } from '../src/dataplane/exec.js';
import { Kubectl, podnet, uniqueName, leftovers, REPO } from '../test/helpers/cluster.js';
import { killChild } from '../test/helpers/proxy-netns.js';
import { stats } from './proxy-fixture.js';

const IPERF_PORT = 5201;
const RR_PORT = 7007;
const RR_JS = join(REPO, 'dist', 'bench', 'pod-rr.js');

interface Endpoint { netns: string; ip: string }
interface Path { name: string; from: Endpoint; to: Endpoint }
interface Sample { bps: number[]; rrPerSec: number[]; p50Us: number[] }

/** Spawns `cmd` in `ns` and resolves once its stdout shows `ready`. */
async function startServer(ns: string, cmd: string[], ready: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${cmd[0]} in ${ns} did not start`)), 10_000);
      child.stdout!.on('data', (d: Buffer) => d.toString().includes(ready) && (clearTimeout(t), resolve()));
      child.once('exit', (code) => reject(new Error(`${cmd[0]} in ${ns} exited ${code}`)));
    });
  } catch (e) {
    await killChild(child);
    throw e;
  }
  return child;
}

async function iperf(p: Path, seconds: number): Promise<number> {
  const r = await run('ip', ['netns', 'exec', p.from.netns, 'iperf3', '-c', p.to.ip, '-p', String(IPERF_PORT), '-t', String(seconds), '-J']);
  const bps = (JSON.parse(r.stdout) as { end?: { sum_received?: { bits_per_second?: number } } }).end?.sum_received?.bits_per_second;
  if (typeof bps !== 'number') throw new Error(`iperf3 ${p.name}: no end.sum_received.bits_per_second`);
  return bps;
}

async function rr(p: Path, seconds: number): Promise<{ perSec: number; p50Us: number }> {
  const r = await run('ip', ['netns', 'exec', p.from.netns, process.execPath, RR_JS, 'client', p.to.ip, String(RR_PORT), String(seconds)]);
  return JSON.parse(r.stdout) as { perSec: number; p50Us: number };
}

const podYaml = (name: string, node: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, labels: {app: bench}}\nspec:\n  nodeName: ${node}\n  containers: [{name: c, image: pause}]\n`;

/** The pod's sandbox netns and IP, from the agent's sandbox.json. */
function podEndpoint(cluster: string, kubectl: Kubectl, pod: string, node: string): Endpoint {
  const uid = kubectl.ok(['get', 'pod', pod, '-o', 'jsonpath={.metadata.uid}']).trim();
  const sb = JSON.parse(readFileSync(join(clusterRoot(cluster), 'nodes', node, 'pods', uid, 'sandbox.json'), 'utf8')) as { netns: string; podIP: string };
  return { netns: sb.netns, ip: sb.podIP };
}

function clusterPaths(cluster: string, kubectl: Kubectl): Path[] {
  kubectl.ok(['apply', '-f', '-'], [podYaml('pa', 'node1'), podYaml('pb', 'node1'), podYaml('pc', 'node2')].join('---\n'));
  kubectl.ok(['wait', '--for=condition=Ready', 'pod', '-l', 'app=bench', '--timeout=90s']);
  const [pa, pb, pc] = [['pa', 'node1'], ['pb', 'node1'], ['pc', 'node2']].map(([p, n]) => podEndpoint(cluster, kubectl, p, n));
  return [
    { name: 'underlay node1 → node2', from: { netns: `${cluster}-node1`, ip: '172.18.0.11' }, to: { netns: `${cluster}-node2`, ip: '172.18.0.12' } },
    { name: 'pod → pod, same node', from: pa, to: pb },
    { name: 'pod → pod, cross node', from: pa, to: pc },
  ];
}

async function measure(paths: Path[], rounds: number, seconds: number): Promise<Sample[]> {
  const servers: ChildProcess[] = [];
  try {
    for (const p of paths) {
      servers.push(await startServer(p.to.netns, ['iperf3', '-s', '--forceflush', '-p', String(IPERF_PORT)], 'Server listening'));
      servers.push(await startServer(p.to.netns, [process.execPath, RR_JS, 'server', String(RR_PORT)], 'listening'));
    }
    const out = paths.map((): Sample => ({ bps: [], rrPerSec: [], p50Us: [] }));
    for (let r = 0; r < rounds; r++) {
      for (const [i, p] of paths.entries()) {
        out[i].bps.push(await iperf(p, seconds));
        const x = await rr(p, Math.min(seconds, 2));
        out[i].rrPerSec.push(x.perSec);
        out[i].p50Us.push(x.p50Us);
      }
    }
    return out;
  } finally {
    for (const s of servers) await killChild(s);
  }
}

interface Row { backend: string; path: string; gbps: number; ratio: number; rr: number; rrRatio: number; p50: number; p50Ratio: number }

async function benchBackend(backend: string, rounds: number, seconds: number): Promise<Row[]> {
  const name = uniqueName('pt');
  try {
    const up = podnet(['up', '--name', name, '--nodes', '2', '--backend', backend], 300_000);
    if (up.status !== 0) throw new Error(`podnet up --backend ${backend} failed: ${up.stderr}${up.stdout}`);
    const kubectl = new Kubectl(podnet(['kubeconfig', '--name', name]).stdout);
    const paths = clusterPaths(name, kubectl);
    const samples = (await measure(paths, rounds, seconds)).map((s) => ({ bps: stats(s.bps).median, rr: stats(s.rrPerSec).median, p50: stats(s.p50Us).median }));
    const [base] = samples;
    return samples.map((s, i) => ({
      backend, path: paths[i].name, gbps: s.bps / 1e9, ratio: s.bps / base.bps, rr: s.rr, rrRatio: s.rr / base.rr, p50: s.p50, p50Ratio: s.p50 / base.p50,
    }));
  } finally {
    const down = podnet(['down', '--name', name]);
    if (down.status !== 0 || leftovers(name).length > 0) console.error(`pod-throughput: podnet down ${name}: ${down.stderr} ${leftovers(name).join(', ')}`);
  }
}

function print(rows: Row[], rounds: number, seconds: number): void {
  console.log(`\nPod-to-pod TCP, medians of ${rounds} rounds (iperf3 ${seconds} s, 1 stream; ping-pong ${Math.min(seconds, 2)} s), ratio = path / underlay of the same cluster`);
  // transactions/s is a mean (hurt by every scheduling stall of a shared machine); p50 RTT is the steadier figure.
  console.log('| backend | path | throughput | vs underlay | TCP_RR transactions/s | vs underlay | RTT p50 | vs underlay |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.backend} | ${r.path} | ${r.gbps.toFixed(2)} Gbit/s | ${r.ratio.toFixed(2)} | ${r.rr.toFixed(0)} | ${r.rrRatio.toFixed(2)} | ${r.p50.toFixed(0)} µs | ${r.p50Ratio.toFixed(2)}× |`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { backends: { type: 'string', default: 'vxlan,host-gw' }, seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' } } });
  const [rounds, seconds] = [Number(values.rounds), Number(values.seconds)];
  if (!(rounds >= 1 && seconds >= 1)) throw new Error(`--rounds and --seconds must be ≥ 1: current values are ${values.rounds}, ${values.seconds}`);
  const rows: Row[] = [];
  for (const b of values.backends!.split(',').filter(Boolean)) {
    // One backend failing (e.g. one still being built) must not lose the others' figures.
    const got = await benchBackend(b, rounds, seconds).catch((e: Error) => (console.error(`backend ${b}: ${e.message}`), process.exitCode = 1, []));
    rows.push(...got);
    if (got.length > 0) print(got, rounds, seconds);
  }
  print(rows, rounds, seconds);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
