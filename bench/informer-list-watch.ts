/**
 * An informer's initial list + watch of N pods (default 10,000 over 50 namespaces), over https
 * with a token: podnet's Informer (src/client/informer.ts) and @kubernetes/client-node's
 * makeInformer. Then the latency from a write to each informer's event (sequential label
 * patches), and the latency of creates while full lists run.
 *
 * References, measured in the same run:
 * - sync: a raw GET of the same list plus JSON.parse (what any informer must at least do);
 * - write → event: the write call's own round trip (the event cannot come much sooner);
 * - creates under lists: the same creates with no list running.
 * Usage: node dist/bench/informer-list-watch.js [pods] [namespaces] [updates]
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { Client } from '../src/client/client.js';
import { Informer } from '../src/client/informer.js';
import type { Pod } from '../src/api/types.js';
import { TOKEN, type Fixture, median, ms, percentile, podManifest, startFixture } from './api-fixture.js';

const pods = Number(process.argv[2] ?? 10000);
const namespaces = Number(process.argv[3] ?? 50);
const updates = Number(process.argv[4] ?? 100);

const execFileAsync = promisify(execFile);
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

async function timeRawList(client: Client): Promise<number> {
  const t0 = now();
  const res = await client.raw('GET', '/api/v1/pods');
  JSON.parse(res.body);
  return now() - t0;
}

function clientNodeInformer(f: Fixture): k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(f.kubeconfig());
  const api = kc.makeApiClient(k8s.CoreV1Api);
  return k8s.makeInformer(kc, '/api/v1/pods', () => api.listPodForAllNamespaces());
}

/** Resolvers keyed by the label value each informer waits to see. */
class Arrivals {
  private readonly waiting = new Map<string, (t: number) => void>();
  expect(value: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(value, resolve));
  }
  saw(value: string | undefined): void {
    const r = value === undefined ? undefined : this.waiting.get(value);
    if (r) {
      this.waiting.delete(value!);
      r(now());
    }
  }
}

/** Sequential label patches; for each, the call's time and both informers' event times. */
async function writeToEvent(client: Client, names: [string, string][], podnet: Arrivals, cnode: Arrivals) {
  const call: number[] = [], toPodnet: number[] = [], toCnode: number[] = [];
  for (let i = 0; i < updates; i++) {
    const [ns, name] = names[(i * 97) % names.length];
    const value = `v${i}`;
    const seen = [podnet.expect(value), cnode.expect(value)];
    const t0 = now();
    await client.patch('pods', ns, name, { metadata: { labels: { bench: value } } });
    call.push(now() - t0);
    const [a, b] = await Promise.all(seen);
    toPodnet.push(a - t0);
    toCnode.push(b - t0);
  }
  return { call, toPodnet, toCnode };
}

/** Lists every pod with curl until stopped (another process: its reading costs the server nothing). */
async function listLoop(f: Fixture, dir: string, stop: () => boolean): Promise<number> {
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, f.tls.cert);
  let lists = 0;
  while (!stop()) {
    await execFileAsync('curl', ['-sf', '-o', '/dev/null', '--cacert', ca, '-H', `Authorization: Bearer ${TOKEN}`, `${f.api.url}/api/v1/pods`]);
    lists++;
  }
  return lists;
}

/** Create latencies, optionally while `listers` curl processes list every pod in a loop. */
async function createLatencies(client: Client, f: Fixture, n: number, tag: string, listers: number): Promise<{ lat: number[]; lists: number }> {
  let stop = false;
  const loops = Array.from({ length: listers }, () => listLoop(f, f.dir, () => stop));
  const lat: number[] = [];
  if (listers) await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < n; i++) {
    const pod = podManifest('bench-0', 1_000_000 + i);
    const t0 = now();
    await client.create('pods', 'bench-0', { ...pod, metadata: { ...pod.metadata, name: `${tag}-${i}` } });
    lat.push(now() - t0);
    // Creates spread over the lists, not packed into the first one.
    if (listers) await new Promise((r) => setTimeout(r, 20));
  }
  stop = true;
  const lists = (await Promise.all(loops)).reduce((a, b) => a + b, 0);
  return { lat, lists };
}

async function main(): Promise<void> {
  const f = await startFixture(pods, namespaces);
  const client = new Client({ server: f.api.url, token: TOKEN, ca: f.tls.cert });
  const podnet = new Informer<Pod>(client, 'pods');
  const cnode = clientNodeInformer(f);
  try {
    const raw = [await timeRawList(client), await timeRawList(client)];
    let t0 = now();
    await podnet.start();
    const podnetSync = now() - t0;
    t0 = now();
    await cnode.start();
    const cnodeSync = now() - t0;
    if (podnet.list().length !== pods || cnode.list().length !== pods) throw new Error(`bench: informers hold ${podnet.list().length} and ${cnode.list().length} pods, want ${pods}`);
    console.log(`Informer initial list of ${pods} pods (https, token); reference: raw GET + JSON.parse ${ms(Math.min(...raw))}`);
    console.log(`  podnet Informer synced in ${ms(podnetSync)}, ratio ${(podnetSync / Math.min(...raw)).toFixed(2)}`);
    console.log(`  client-node makeInformer synced in ${ms(cnodeSync)}, ratio ${(cnodeSync / Math.min(...raw)).toFixed(2)}`);

    const pa = new Arrivals(), ca = new Arrivals();
    podnet.on({ update: (_, p) => pa.saw(p.metadata?.labels?.bench) });
    cnode.on('update', (p: k8s.V1Pod) => ca.saw(p.metadata?.labels?.bench));
    const names = podnet.list().map((p) => [p.metadata!.namespace!, p.metadata!.name!] as [string, string]);
    const w = await writeToEvent(client, names, pa, ca);
    const line = (xs: number[]) => `p50 ${median(xs).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms`;
    console.log(`Write → informer event, ${updates} sequential label patches; reference: the PATCH round trip ${line(w.call)}`);
    console.log(`  podnet Informer: ${line(w.toPodnet)}, p50 ratio ${(median(w.toPodnet) / median(w.call)).toFixed(2)}`);
    console.log(`  client-node:     ${line(w.toCnode)}, p50 ratio ${(median(w.toCnode) / median(w.call)).toFixed(2)}`);

    const base = await createLatencies(client, f, 100, 'idle', 0);
    const busy = await createLatencies(client, f, 100, 'busy', 2);
    console.log(`Pod creates (100 sequential); reference: no list running ${line(base.lat)}`);
    console.log(`  while 2 curl processes list all pods in a loop (${busy.lists} lists): ${line(busy.lat)}, p99 ratio ${(percentile(busy.lat, 99) / percentile(base.lat, 99)).toFixed(2)}`);
    console.log(`  upstream SLO: p99 <= 1000 ms per mutating call`);
  } finally {
    podnet.stop();
    await cnode.stop();
    client.close();
    await f.close();
  }
}

await main();
