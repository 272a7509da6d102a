/**
 * End to end, issue 5 item 8 (probes) on a real 2-node cluster, probes run by each node's agent
 * from the node netns. Readiness of each kind (exec `test -f`, httpGet to a path that 500s until
 * a file exists, tcpSocket to a port that opens later, grpc health NOT_SERVING until a file
 * exists, and an exec past its timeoutSeconds)
 * keeps a pod Ready=False, out of the EndpointSlice's ready endpoints and in the Endpoints'
 * notReadyAddresses, and ClusterIP traffic never lands on it; once the probe passes (after
 * successThreshold) the pod turns Ready and joins, and leaves again after failureThreshold
 * failures. Liveness of each kind restarts the container (restartCount, lastState.terminated,
 * Unhealthy and Killing events), with initialDelaySeconds and periodSeconds bounding when.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Pod, Service } from '../../src/api/types.js';
import type { Client } from '../../src/client/client.js';
import { clusterDown, clusterUp, type Kubectl, uniqueName } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { apiClient, curlIn, endpointsIPs, sandboxOf, sleep, sliceIPs } from '../helpers/sandbox-e2e.js';
import { PROBE_POD_COUNT, probePodsManifest } from '../helpers/sandbox-probe-pods.js';

const name = uniqueName('p');
let kubectl: Kubectl;
let client: Client;

const getPod = (pod: string) => client.get<Pod>('pods', 'default', pod);
const isReady = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
const ipOf = async (pod: string) => (await getPod(pod)).status!.podIP!;

/** Waits for `pod`'s Ready condition to become `want`; returns ms since `t0`. */
async function readyAfter(pod: string, want: boolean, t0: number, ms = 30_000): Promise<number> {
  await eventually(`${pod} Ready=${want}`, async () => isReady(await getPod(pod)) === want, ms, 50);
  return Date.now() - t0;
}

async function eventsOf(pod: string): Promise<string[]> {
  const items = (await client.list<Event>('events', 'default')).items.filter((e) => e.involvedObject.name === pod);
  return items.map((e) => `${e.type} ${e.reason} ${e.message}`);
}

/** Waits until `pod` has an event (`<type> <reason> <message>`) matching `want`. */
const eventSeen = (pod: string, want: RegExp) => eventually(`${pod}: ${want}`, async () => (await eventsOf(pod)).some((e) => want.test(e)), 15_000, 200);

/** The first restart of `pod`'s container: its lastState.terminated, once restartCount >= 1. */
async function firstRestart(pod: string, ms = 40_000) {
  const cs = await eventually(`${pod} restarted`, async () => {
    const s = (await getPod(pod)).status?.containerStatuses?.[0];
    return (s?.restartCount ?? 0) >= 1 && s?.lastState?.terminated ? s : undefined;
  }, ms, 100);
  const t = cs.lastState!.terminated!;
  return { status: cs, ranMs: Date.parse(t.finishedAt!) - Date.parse(t.startedAt!) };
}

describe('probes, end to end', { timeout: 600_000 }, () => {
  let clientNetns = '';
  let clusterIP = '';
  let goodIP = '';
  const kubectlExec = (pod: string, cmd: string) => kubectl.ok(['exec', pod, '--', 'sh', '-c', cmd]);

  /** 20 requests through the ClusterIP from the client pod: the set of pods that answered. */
  function answeredBy(n = 20): Set<string> {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add(curlIn(clientNetns, `http://${clusterIP}/`) ?? 'FAILED');
    return seen;
  }

  before(async () => {
    kubectl = clusterUp(name, ['--nodes', '2']);
    client = apiClient(name, 'probes-e2e');
    kubectl.ok(['apply', '-f', '-'], probePodsManifest());
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/good', 'pod/client', '--timeout=120s']);
    await eventually('every probe pod running', async () => {
      const pods = (await client.list<Pod>('pods', 'default')).items;
      return pods.length === PROBE_POD_COUNT && pods.every((p) => p.status?.containerStatuses?.[0]?.state?.running || (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0);
    }, 120_000, 200);
    clientNetns = sandboxOf(name, 'client')!.netns;
    clusterIP = (await client.get<Service>('services', 'default', 'probes')).spec!.clusterIP!;
    goodIP = await ipOf('good');
  });

  after(() => {
    client?.close();
    clusterDown(name);
  });

  it('keeps failing-readiness pods Ready=False, in notReadyAddresses, and off the ClusterIP', async () => {
    const unready = ['ready-exec', 'ready-http', 'ready-tcp', 'ready-grpc', 'ready-timeout'];
    const ips = (await Promise.all(unready.map(ipOf))).sort();
    await eventually('endpoints: only good ready', async () => {
      const [s, e] = await Promise.all([sliceIPs(client, 'probes'), endpointsIPs(client, 'probes')]);
      return JSON.stringify([s, e]) === JSON.stringify([{ ready: [goodIP], notReady: ips }, { ready: [goodIP], notReady: ips }]);
    }, 30_000, 100);
    for (const pod of unready) {
      const p = await getPod(pod);
      assert.equal(isReady(p), false, `${pod} Ready`);
      assert.equal(p.status?.phase, 'Running');
      assert.equal(p.status?.containerStatuses?.[0]?.ready, false);
    }
    // The proxies program the Service within their sync period: wait for its first answer.
    await eventually('the ClusterIP answers', () => curlIn(clientNetns, `http://${clusterIP}/`) === 'good', 20_000, 200);
    assert.deepEqual([...answeredBy(30)], ['good'], 'ClusterIP traffic lands only on the ready pod');
    // Events are posted asynchronously, the first one after the first probe (a timeout takes 1 s).
    await eventSeen('ready-http', /^Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500$/);
    await eventSeen('ready-tcp', /^Warning Unhealthy Readiness probe failed: dial tcp [\d.]+:9090: connect: connection refused$/);
    await eventSeen('ready-timeout', /^Warning Unhealthy Readiness probe failed: command "sh -c sleep 3" timed out$/);
    await eventSeen('ready-grpc', /^Warning Unhealthy Readiness probe failed: service unhealthy \(responded with "NOT_SERVING"\)$/);
  });

  it('turns a pod Ready once its probe passes (exec, httpGet, tcpSocket, grpc), and it joins the endpoints', async () => {
    for (const [pod, cmd] of [['ready-exec', 'touch /data/ready'], ['ready-http', 'touch /data/ready'], ['ready-tcp', 'touch /data/open'], ['ready-grpc', 'touch /data/ready']] as const) {
      const ip = await ipOf(pod);
      const t0 = Date.now();
      kubectlExec(pod, cmd);
      const ms = await readyAfter(pod, true, t0);
      await eventually(`${pod} in the ready endpoints`, async () => {
        const [s, e] = await Promise.all([sliceIPs(client, 'probes'), endpointsIPs(client, 'probes')]);
        return s.ready.includes(ip) && !s.notReady.includes(ip) && e.ready.includes(ip) && !e.notReady.includes(ip);
      }, 15_000, 100);
      const endpointsMs = Date.now() - t0;
      console.log(`${pod}: Ready ${ms} ms after its probe could pass, in the endpoints at ${endpointsMs} ms`);
      // ready-exec has successThreshold 2 at periodSeconds 1: two passing probes, at least ~1 s apart.
      if (pod === 'ready-exec') assert.ok(ms >= 900, `ready-exec Ready after ${ms} ms, before 2 successes`);
      assert.ok(ms < 10_000, `${pod} Ready after ${ms} ms`);
      await eventually(`ClusterIP traffic reaches ${pod}`, () => answeredBy(10).has(pod), 20_000, 200);
    }
    assert.equal(isReady(await getPod('ready-timeout')), false, 'an exec probe past timeoutSeconds never passes');
  });

  it('takes a pod out again after failureThreshold readiness failures', async () => {
    const ip = await ipOf('ready-http');
    const t0 = Date.now();
    kubectlExec('ready-http', 'rm /data/ready');
    const ms = await readyAfter('ready-http', false, t0);
    // failureThreshold 3 at periodSeconds 1: the third failure, about 2-3 s later.
    assert.ok(ms >= 1500 && ms < 12_000, `not ready after ${ms} ms`);
    await eventually('ready-http in notReady', async () => {
      const [s, e] = await Promise.all([sliceIPs(client, 'probes'), endpointsIPs(client, 'probes')]);
      return s.notReady.includes(ip) && !s.ready.includes(ip) && e.notReady.includes(ip) && !e.ready.includes(ip);
    }, 15_000, 100);
    await sleep(1500); // the proxies' sync
    assert.equal(answeredBy(30).has('ready-http'), false);
    const p = await getPod('ready-http');
    assert.equal(p.status?.containerStatuses?.[0]?.restartCount, 0, 'readiness never restarts a container');
  });

  it('restarts a container whose httpGet liveness fails (restartCount, lastState, Unhealthy, Killing)', async () => {
    await readyAfter('live-http', true, Date.now());
    const t0 = Date.now();
    kubectlExec('live-http', 'touch /data/sick');
    const { status } = await firstRestart('live-http');
    const ms = Date.now() - t0;
    console.log(`live-http: restarted ${ms} ms after its liveness probe started failing`);
    // failureThreshold 3 at periodSeconds 1 (2-3 s), then SIGTERM and a restart.
    assert.ok(ms >= 1500 && ms < 20_000, `restarted after ${ms} ms`);
    assert.equal(status.restartCount, 1);
    assert.ok(status.lastState?.terminated?.finishedAt);
    await eventSeen('live-http', /^Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500$/);
    await eventSeen('live-http', /^Normal Killing Container c failed liveness probe, will be restarted$/);
    // The new container clears the file at start: it stays up.
    await readyAfter('live-http', true, Date.now());
    await sleep(4000);
    assert.equal((await getPod('live-http')).status?.containerStatuses?.[0]?.restartCount, 1);
  });

  it('honours initialDelaySeconds (exec liveness) and periodSeconds (tcpSocket liveness)', async () => {
    // exec `false`, initialDelaySeconds 4, periodSeconds 1, failureThreshold 2: killed about 5 s after start.
    const exec = await firstRestart('live-exec-delay');
    console.log(`live-exec-delay: first container ran ${exec.ranMs} ms`);
    assert.ok(exec.ranMs >= 4500 && exec.ranMs < 12_000, `ran ${exec.ranMs} ms`);
    assert.equal(exec.status.lastState?.terminated?.exitCode, 143, 'sleep ends on SIGTERM');
    await eventSeen('live-exec-delay', /^Warning Unhealthy Liveness probe failed: $/);
    // tcpSocket to a closed port, periodSeconds 3, failureThreshold 2: failures at 0 s and 3 s.
    const tcp = await firstRestart('live-tcp-period');
    console.log(`live-tcp-period: first container ran ${tcp.ranMs} ms`);
    assert.ok(tcp.ranMs >= 2500 && tcp.ranMs < 10_000, `ran ${tcp.ranMs} ms`);
    await eventSeen('live-tcp-period', /^Warning Unhealthy Liveness probe failed: dial tcp [\d.]+:9: connect: connection refused$/);
  });
});
