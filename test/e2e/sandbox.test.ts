/**
 * End to end, issue 5 item 7 (sandbox lifecycle) on a real 2-node cluster: a Deployment behind a
 * ClusterIP Service and a client pod. When one web pod's sandbox dies (kill -9 of its pause
 * process, as when the pause container dies; then its netns deleted under it), the agent builds a
 * new sandbox as kubelet does: same pod object, new netns and IP, SandboxChanged event, its
 * container restarted (restartCount+1, lastState.terminated); the old netns, pause, veth and IP
 * are released; `kubectl get pod -o wide`, the EndpointSlice and the Endpoints show the new IP
 * and not the old one; ClusterIP traffic from the client reaches the rebuilt pod. The time from
 * the kill to the endpoints naming the new IP is printed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod, Service } from '../../src/api/types.js';
import type { Client } from '../../src/client/client.js';
import { clusterDown, clusterUp, type Kubectl, uniqueName } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { type SandboxOnDisk, apiClient, curlIn, endpointsIPs, sandboxOf, sleep, sliceIPs, stateRoot } from '../helpers/sandbox-e2e.js';

const name = uniqueName('s');
let kubectl: Kubectl;
let client: Client;

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: netexec, image: registry.k8s.io/e2e-test-images/agnhost:2.52, args: [netexec, --http-port=8080]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - {name: client, image: busybox, command: [sleep, infinity]}
`;

function pidAlive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

/** Sandboxes the agent of `node` holds (no hostNetwork pod runs here), and the veths on its cni0. */
function nodeCounts(node: string): { sandboxes: number; veths: number } {
  const pods = join(stateRoot(name), 'nodes', node, 'pods');
  const sandboxes = (existsSync(pods) ? readdirSync(pods) : []).filter((uid) => existsSync(join(pods, uid, 'sandbox.json'))).length;
  const veths = execFileSync('ip', ['-n', `${name}-${node}`, '-o', 'link', 'show', 'master', 'cni0', 'type', 'veth'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  return { sandboxes, veths };
}

/** Every pause pid recorded in the cluster's sandboxes. */
function allPauses(): number[] {
  const nodes = join(stateRoot(name), 'nodes');
  const out: number[] = [];
  for (const node of existsSync(nodes) ? readdirSync(nodes) : []) {
    const pods = join(nodes, node, 'pods');
    for (const uid of existsSync(pods) ? readdirSync(pods) : []) {
      const file = join(pods, uid, 'sandbox.json');
      const pause = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pause?: { pid: number } }).pause : undefined;
      if (pause) out.push(pause.pid);
    }
  }
  return out;
}

interface Rebuilt {
  pod: Pod;
  newIP: string;
  podIPMs: number;
  sliceMs: number;
  endpointsMs: number;
}

/** Polls (every 20 ms) until the pod, its EndpointSlice and Endpoints all show a new IP and not `oldIP`. */
async function waitRebuilt(pod: string, oldIP: string, t0: number): Promise<Rebuilt> {
  let podIPMs = 0, sliceMs = 0, endpointsMs = 0, newIP = '';
  let current: Pod | undefined;
  const deadline = t0 + 60_000;
  while (Date.now() < deadline && !(podIPMs && sliceMs && endpointsMs)) {
    current = await client.get<Pod>('pods', 'default', pod);
    const ip = current.status?.podIP ?? '';
    if (!podIPMs && ip && ip !== oldIP) [podIPMs, newIP] = [Date.now() - t0, ip];
    if (newIP) {
      const [slices, eps] = await Promise.all([sliceIPs(client, 'web'), endpointsIPs(client, 'web')]);
      const shows = (e: { ready: string[]; notReady: string[] }) => e.ready.includes(newIP) && !e.ready.includes(oldIP) && !e.notReady.includes(oldIP);
      if (!sliceMs && shows(slices)) sliceMs = Date.now() - t0;
      if (!endpointsMs && shows(eps)) endpointsMs = Date.now() - t0;
    }
    await sleep(20);
  }
  assert.ok(podIPMs && sliceMs && endpointsMs, `pod ${pod} not rebuilt with its endpoints within 60 s (podIP ${podIPMs}, slice ${sliceMs}, endpoints ${endpointsMs} ms)`);
  return { pod: current!, newIP, podIPMs, sliceMs, endpointsMs };
}

describe('sandbox lifecycle, end to end', { timeout: 600_000 }, () => {
  let clientNetns = '';
  let clusterIP = '';
  let target = '';
  let targetUid = '';

  before(async () => {
    kubectl = clusterUp(name, ['--nodes', '2']);
    client = apiClient(name);
    kubectl.ok(['apply', '-f', '-'], MANIFEST);
    kubectl.ok(['wait', '--for=condition=Available', 'deployment/web', '--timeout=120s']);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/client', '--timeout=120s']);
    clientNetns = sandboxOf(name, 'client')!.netns;
    clusterIP = (await client.get<Service>('services', 'default', 'web')).spec!.clusterIP!;
    const pods = (await client.list<Pod>('pods', 'default', { labelSelector: 'app=web' })).items;
    // Prefer a web pod on the other node than the client: ClusterIP traffic then crosses nodes.
    const clientNode = (await client.get<Pod>('pods', 'default', 'client')).spec?.nodeName;
    const chosen = pods.find((p) => p.spec?.nodeName !== clientNode) ?? pods[0]!;
    [target, targetUid] = [chosen.metadata!.name!, chosen.metadata!.uid!];
    await eventually('both web pods in the EndpointSlice', async () => (await sliceIPs(client, 'web')).ready.length === 2, 30_000);
  });

  after(() => {
    client?.close();
    // podnet down must end every sandbox's pause (else each keeps an unnamed netns and veth).
    const pauses = allPauses();
    clusterDown(name);
    assert.deepEqual(pauses.filter((p) => pidAlive(p)), [], 'pause processes left after podnet down');
  });

  /** Everything that must hold once `target` was rebuilt out of `old`, the `restarts`-th time. */
  async function assertRebuilt(old: SandboxOnDisk, r: Rebuilt, restarts: number): Promise<void> {
    assert.equal(r.pod.metadata?.uid, targetUid, 'the same pod object, not a replacement');
    const sb = await eventually('new sandbox on disk', () => {
      const s = sandboxOf(name, target);
      return s && s.id !== old.id && s.podIP === r.newIP ? s : undefined;
    });
    assert.notEqual(sb.netns, old.netns);
    assert.equal(sb.node, old.node);
    assert.ok(sb.pause && pidAlive(sb.pause.pid), 'new pause process runs');
    assert.equal(existsSync(`/run/netns/${old.netns}`), false, 'old netns removed');
    assert.equal(existsSync(`/etc/netns/${old.netns}`), false, 'old /etc/netns removed');
    assert.equal(old.pause && pidAlive(old.pause.pid), false, 'old pause gone');
    assert.equal(existsSync(join(stateRoot(name), 'nodes', old.node, 'cni', 'networks', 'cbr0', old.podIP)), false, 'old IP released');
    await eventually('one veth per sandbox on the node', () => {
      const c = nodeCounts(old.node);
      return c.veths === c.sandboxes;
    });
    const cs = await eventually('container restarted and ready', async () => {
      const s = (await client.get<Pod>('pods', 'default', target)).status?.containerStatuses?.[0];
      return s?.restartCount === restarts && s.ready && s.state?.running ? s : undefined;
    }, 30_000);
    assert.ok(cs.lastState?.terminated, `lastState.terminated: ${JSON.stringify(cs.lastState)}`);
    const wide = kubectl.ok(['get', 'pod', target, '-o', 'wide', '--no-headers']);
    assert.match(wide, new RegExp(`^${target}\\s+1/1\\s+Running\\s+${restarts}\\b.*\\s${r.newIP.replace(/\./g, '\\.')}\\s+${old.node}\\s`), wide);
    const events = kubectl.ok(['get', 'events', '--field-selector', `involvedObject.name=${target}`, '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    assert.match(events, /^SandboxChanged$/m);
    // Through the ClusterIP from the client pod: the rebuilt pod answers, and every request works.
    await eventually('the rebuilt pod answers through the ClusterIP', () => curlIn(clientNetns, `http://${clusterIP}/hostname`) === target, 30_000, 100);
    for (let i = 0; i < 20; i++) assert.ok(curlIn(clientNetns, `http://${clusterIP}/hostname`) !== undefined, `ClusterIP request ${i} failed`);
    assert.equal(curlIn(clientNetns, `http://${r.newIP}:8080/hostname`), target);
  }

  it('rebuilds a sandbox whose pause process was killed (kill -9) and the endpoints follow', async () => {
    const old = sandboxOf(name, target)!;
    assert.ok(old.pause, 'sandbox.json names the pause process');
    const t0 = Date.now();
    process.kill(old.pause.pid, 'SIGKILL');
    const r = await waitRebuilt(target, old.podIP, t0);
    console.log(`sandbox rebuild after kill -9 of pause: pod IP ${r.podIPMs} ms, EndpointSlice ${r.sliceMs} ms, Endpoints ${r.endpointsMs} ms (${old.podIP} -> ${r.newIP})`);
    await assertRebuilt(old, r, 1);
  });

  it('rebuilds a sandbox whose netns was deleted (ip netns del) and the endpoints follow', async () => {
    const old = sandboxOf(name, target)!;
    const t0 = Date.now();
    execFileSync('ip', ['netns', 'del', old.netns]);
    const r = await waitRebuilt(target, old.podIP, t0);
    console.log(`sandbox rebuild after ip netns del: pod IP ${r.podIPMs} ms, EndpointSlice ${r.sliceMs} ms, Endpoints ${r.endpointsMs} ms (${old.podIP} -> ${r.newIP})`);
    await assertRebuilt(old, r, 2);
  });

  it('keeps the Deployment at two pods, both in the endpoints', async () => {
    const pods = (await client.list<Pod>('pods', 'default', { labelSelector: 'app=web' })).items;
    assert.equal(pods.length, 2);
    const ips = pods.map((p) => p.status!.podIP!).sort();
    assert.deepEqual((await sliceIPs(client, 'web')).ready, ips);
    assert.deepEqual((await endpointsIPs(client, 'web')).ready, ips);
  });
});
