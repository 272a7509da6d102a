/**
 * The controllers against the real apiserver (in process, memory store). The test plays the
 * node agent: it marks nodes Ready and writes pod IPs and Ready conditions.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, EndpointSlice, Endpoints, Event, KubeObject, Node, Pod, ReplicaSet, Service } from '../../../src/api/types.js';
import type { Client } from '../../../src/client/client.js';
import { startControllers } from '../../../src/controllers/index.js';
import { eventually, startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';

const execFileP = promisify(execFile);
let api: TestApi;
let client: Client;
let controllers: { stop(): void };

async function addNode(name: string): Promise<void> {
  const node = await client.create<Node>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
  await client.updateStatus('nodes', { ...node, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } });
}

const podsOf = async (selector: string): Promise<Pod[]> => (await client.list<Pod>('pods', 'default', { labelSelector: selector })).items;

/** The agent's part: give each scheduled pod an IP and make it Ready. */
async function runPods(selector: string, ipBase: number): Promise<void> {
  let i = ipBase;
  for (const pod of await podsOf(selector)) {
    if (!pod.spec?.nodeName || pod.status?.podIP || pod.metadata?.deletionTimestamp) continue;
    const node = pod.spec.nodeName === 'node1' ? 0 : 1;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.updateStatus('pods', {
      ...pod,
      status: {
        phase: 'Running',
        podIP: `10.244.${node}.${i++}`,
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
      },
    });
  }
}

/** The real kubectl against the in-process apiserver. */
async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await execFileP('kubectl', ['--server', api.url, '-n', 'default', ...args], { env: { ...process.env, KUBECONFIG: '/dev/null' } });
  return stdout;
}

/** The agent finishing graceful deletions. */
async function reapTerminating(): Promise<void> {
  for (const pod of await podsOf('')) {
    if (pod.metadata?.deletionTimestamp) await client.delete('pods', 'default', pod.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}

before(async () => {
  api = await startTestApi();
  client = api.client;
  await addNode('node1');
  await addNode('node2');
  controllers = await startControllers(client, {});
});

after(async () => {
  controllers?.stop();
  await api?.close();
});

test('node IPAM gives each node a /24, first free in order', async () => {
  const cidrs = await eventually('pod CIDRs', async () => {
    const nodes = (await client.list<Node>('nodes')).items;
    const got = nodes.map((n) => [n.metadata?.name, n.spec?.podCIDR, n.spec?.podCIDRs?.join()]).sort();
    return got.every((x) => x[1]) && got;
  });
  assert.deepEqual(cidrs, [
    ['node1', '10.244.0.0/24', '10.244.0.0/24'],
    ['node2', '10.244.1.0/24', '10.244.1.0/24'],
  ]);
});

test('Deployment of 2 -> ReplicaSet -> 2 pods spread over 2 nodes; service slice with per-pod named port', async () => {
  await client.create<Deployment>('deployments', 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'podnet/echo', ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
    },
  });
  const rs = await eventually('replicaset', async () => (await client.list<ReplicaSet>('replicasets', 'default')).items[0]);
  const hash = rs.metadata?.labels?.['pod-template-hash'] ?? '';
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(rs.metadata?.name, `web-${hash}`);
  assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.deepEqual(rs.spec?.selector?.matchLabels, { app: 'web', 'pod-template-hash': hash });
  const ref = rs.metadata?.ownerReferences?.[0];
  assert.deepEqual([ref?.kind, ref?.name, ref?.controller, ref?.blockOwnerDeletion], ['Deployment', 'web', true, true]);

  const pods = await eventually('2 scheduled pods', async () => {
    const p = await podsOf('app=web');
    return p.length === 2 && p.every((x) => x.spec?.nodeName) && p;
  });
  assert.deepEqual(pods.map((p) => p.spec?.nodeName).sort(), ['node1', 'node2']);
  for (const p of pods) {
    assert.match(p.metadata?.name ?? '', new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    assert.equal(p.metadata?.labels?.['pod-template-hash'], hash);
    assert.equal(p.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid);
  }

  await client.create<Service>('services', 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  await runPods('app=web', 10);
  const slice = await eventually('slice with 2 ready endpoints', async () => {
    const s = (await client.list<EndpointSlice>('endpointslices', 'default', { labelSelector: 'kubernetes.io/service-name=web' })).items;
    return s.length === 1 && s[0].endpoints?.length === 2 && s[0].endpoints.every((e) => e.conditions?.ready) && s[0];
  });
  assert.match(slice.metadata?.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  assert.equal(slice.addressType, 'IPv4');
  assert.deepEqual(slice.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
  const running = await podsOf('app=web');
  const want = running.map((p) => [p.status?.podIP, p.spec?.nodeName, 'Pod', p.metadata?.name].join()).sort();
  assert.deepEqual(slice.endpoints?.map((e) => [e.addresses[0], e.nodeName, e.targetRef?.kind, e.targetRef?.name].join()).sort(), want);
  assert.equal(slice.metadata?.ownerReferences?.[0]?.kind, 'Service');

  const ep = await eventually('Endpoints', async () => {
    const e = await client.get<Endpoints>('endpoints', 'default', 'web').catch(() => undefined);
    return e?.subsets?.[0]?.addresses?.length === 2 && e;
  });
  assert.deepEqual(ep.subsets?.[0]?.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);

  const d = await eventually('deployment complete', async () => {
    const x = await client.get<Deployment>('deployments', 'default', 'web');
    const prog = x.status?.conditions?.find((c) => c.type === 'Progressing');
    return prog?.reason === 'NewReplicaSetAvailable' && x;
  });
  assert.deepEqual(
    [d.status?.replicas, d.status?.updatedReplicas, d.status?.readyReplicas, d.status?.availableReplicas, d.status?.observedGeneration],
    [2, 2, 2, 2, d.metadata?.generation],
  );
  assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
  assert.match(await kubectl('rollout', 'status', 'deployment/web', '--timeout=10s'), /deployment "web" successfully rolled out/);

  const events = (await client.list<Event>('events', 'default')).items.map((e) => `${e.involvedObject.kind} ${e.reason}: ${e.message}`);
  assert.ok(events.includes(`Deployment ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 2`), events.join('\n'));
  for (const p of pods) {
    assert.ok(events.includes(`Pod Scheduled: Successfully assigned default/${p.metadata?.name} to ${p.spec?.nodeName}`), events.join('\n'));
    assert.ok(events.includes(`ReplicaSet SuccessfulCreate: Created pod: ${p.metadata?.name}`), events.join('\n'));
  }
  assert.match(await kubectl('describe', 'deployment', 'web'), /ScalingReplicaSet\s.*Scaled up replica set web-\w+ from 0 to 2/);
});

test('steady state: the controllers write nothing when nothing changes', async () => {
  const versions = async () => {
    const out: string[] = [];
    for (const r of ['deployments', 'replicasets', 'pods', 'endpointslices', 'endpoints', 'nodes', 'services']) {
      for (const o of (await client.list(r)).items) out.push(`${r}/${o.metadata?.name}@${o.metadata?.resourceVersion}`);
    }
    return out.sort();
  };
  const before = await versions();
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await versions(), before);
});

test('a not-ready pod is in the slice as not ready and in notReadyAddresses', async () => {
  const [pod] = await podsOf('app=web');
  await client.updateStatus('pods', { ...pod, status: { ...pod.status, conditions: [{ type: 'Ready', status: 'False' }] } });
  const slice = await eventually('slice with a not-ready endpoint', async () => {
    const s = (await client.list<EndpointSlice>('endpointslices', 'default', { labelSelector: 'kubernetes.io/service-name=web' })).items;
    return s[0]?.endpoints?.some((e) => e.conditions?.ready === false) && s[0];
  });
  const notReady = slice.endpoints?.find((e) => e.conditions?.ready === false);
  assert.equal(notReady?.targetRef?.name, pod.metadata?.name);
  assert.deepEqual(notReady?.conditions, { ready: false, serving: false, terminating: false });
  await eventually('notReadyAddresses', async () => {
    const e = await client.get<Endpoints>('endpoints', 'default', 'web');
    return e.subsets?.[0]?.notReadyAddresses?.[0]?.targetRef?.name === pod.metadata?.name;
  });
  await client.updateStatus('pods', { ...(await client.get<Pod>('pods', 'default', pod.metadata?.name ?? '')), status: { ...pod.status } });
});

test('a template change rolls out a new ReplicaSet and scales the old one to 0', async () => {
  const d = await client.get<Deployment>('deployments', 'default', 'web');
  d.spec!.template.spec!.containers[0].image = 'podnet/echo:2';
  await client.update('deployments', d);
  const done = await eventually('rollout', async () => {
    await runPods('app=web', 20);
    await reapTerminating();
    const sets = (await client.list<ReplicaSet>('replicasets', 'default')).items;
    const x = await client.get<Deployment>('deployments', 'default', 'web');
    const prog = x.status?.conditions?.find((c) => c.type === 'Progressing');
    return sets.length === 2 && prog?.reason === 'NewReplicaSetAvailable' && x.status?.observedGeneration === x.metadata?.generation && { sets, x };
  }, 20_000);
  const byRev = done.sets.sort((a, b) => Number(a.metadata?.annotations?.['deployment.kubernetes.io/revision']) - Number(b.metadata?.annotations?.['deployment.kubernetes.io/revision']));
  assert.deepEqual(byRev.map((r) => [r.metadata?.annotations?.['deployment.kubernetes.io/revision'], r.spec?.replicas]), [['1', 0], ['2', 2]]);
  assert.equal(done.x.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.deepEqual([done.x.status?.updatedReplicas, done.x.status?.availableReplicas, done.x.status?.replicas], [2, 2, 2]);
  assert.match(await kubectl('rollout', 'status', 'deployment/web', '--timeout=10s'), /successfully rolled out/);
  assert.match(await kubectl('rollout', 'history', 'deployment/web'), /1\s+<none>\s*\n2\s+<none>/);

  // undo brings revision 1's template back: its ReplicaSet is reused and becomes revision 3
  await kubectl('rollout', 'undo', 'deployment/web');
  const undone = await eventually('undo', async () => {
    await runPods('app=web', 40);
    await reapTerminating();
    const sets = (await client.list<ReplicaSet>('replicasets', 'default')).items;
    const first = sets.find((r) => r.metadata?.name === byRev[0].metadata?.name);
    const x = await client.get<Deployment>('deployments', 'default', 'web');
    const prog = x.status?.conditions?.find((c) => c.type === 'Progressing');
    return sets.length === 2 && first?.spec?.replicas === 2 && prog?.reason === 'NewReplicaSetAvailable' && x.status?.observedGeneration === x.metadata?.generation && { first, x };
  }, 20_000);
  assert.equal(undone.first.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(undone.x.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(undone.x.spec?.template.spec?.containers[0].image, 'podnet/echo');

  // revisionHistoryLimit 0: the drained ReplicaSet of revision 2 is deleted
  await client.patch('deployments', 'default', 'web', { spec: { revisionHistoryLimit: 0 } });
  await eventually('history cleaned', async () => (await client.list<ReplicaSet>('replicasets', 'default', { labelSelector: 'app=web' })).items.length === 1);
  await client.patch('deployments', 'default', 'web', { spec: { revisionHistoryLimit: 10 } });
});

test('kubectl scale; a pod relabelled out of the selector is released and replaced', async () => {
  await kubectl('scale', 'deployment/web', '--replicas=3');
  await eventually('3 pods', async () => (await podsOf('app=web')).filter((p) => !p.metadata?.deletionTimestamp).length === 3);
  await kubectl('scale', 'deployment/web', '--replicas=2');
  await eventually('2 pods', async () => {
    await reapTerminating();
    return (await podsOf('app=web')).length === 2;
  });
  const [victim] = await podsOf('app=web');
  await client.patch('pods', 'default', victim.metadata?.name ?? '', { metadata: { labels: { app: 'debug' } } });
  const released = await eventually('released', async () => {
    const p = await client.get<Pod>('pods', 'default', victim.metadata?.name ?? '');
    return !p.metadata?.ownerReferences?.length && p;
  });
  assert.equal(released.metadata?.labels?.app, 'debug');
  await eventually('replacement', async () => (await podsOf('app=web')).length === 2);
  await client.delete('pods', 'default', victim.metadata?.name ?? '', { gracePeriodSeconds: 0 });
  await runPods('app=web', 30);
});

test('kubectl rollout pause holds a template change until resume', async () => {
  await kubectl('rollout', 'pause', 'deployment/web');
  await kubectl('set', 'image', 'deployment/web', 'web=podnet/echo:3');
  const paused = await eventually('Progressing=DeploymentPaused', async () => {
    const x = await client.get<Deployment>('deployments', 'default', 'web');
    return x.status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused');
  });
  assert.equal(paused.status, 'Unknown');
  await new Promise((r) => setTimeout(r, 300));
  const images = async () => (await client.list<ReplicaSet>('replicasets', 'default', { labelSelector: 'app=web' })).items.map((r) => r.spec?.template?.spec?.containers[0].image);
  assert.ok(!(await images()).includes('podnet/echo:3'), 'no rollout while paused');
  await kubectl('rollout', 'resume', 'deployment/web');
  await eventually('resumed rollout', async () => {
    await runPods('app=web', 50);
    await reapTerminating();
    const x = await client.get<Deployment>('deployments', 'default', 'web');
    return (await images()).includes('podnet/echo:3') && x.status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable';
  }, 20_000);
});

test('deleting with the orphan finalizer keeps the ReplicaSet; a new Deployment adopts it', async () => {
  await client.create<Deployment>('deployments', 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'orph', finalizers: ['orphan'] },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'orph' } },
      template: { metadata: { labels: { app: 'orph' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } },
    },
  });
  const rs = await eventually('orph rs', async () => (await client.list<ReplicaSet>('replicasets', 'default', { labelSelector: 'app=orph' })).items[0]);
  await client.delete('deployments', 'default', 'orph');
  await eventually('orph deployment gone', async () => client.get('deployments', 'default', 'orph').then(() => false, () => true));
  const kept = await eventually('rs released', async () => {
    const x = await client.get<ReplicaSet>('replicasets', 'default', rs.metadata?.name ?? '');
    return !x.metadata?.ownerReferences?.length && x;
  });
  assert.equal(kept.metadata?.uid, rs.metadata?.uid);
  const d2 = await client.create<Deployment>('deployments', 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'orph', finalizers: ['foregroundDeletion'] },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'orph' } },
      template: { metadata: { labels: { app: 'orph' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } },
    },
  });
  await eventually('adopted', async () => {
    const x = await client.get<ReplicaSet>('replicasets', 'default', rs.metadata?.name ?? '');
    return x.metadata?.ownerReferences?.[0]?.uid === d2.metadata?.uid;
  });
  assert.equal((await client.list('replicasets', 'default', { labelSelector: 'app=orph' })).items.length, 1, 'same template: no second ReplicaSet');
  // foreground: dependents go first, then the owner
  await client.delete('deployments', 'default', 'orph');
  await eventually('foreground deletion done', async () => {
    await reapTerminating();
    const gone = await client.get('deployments', 'default', 'orph').then(() => false, () => true);
    return gone && (await client.list('replicasets', 'default', { labelSelector: 'app=orph' })).items.length === 0;
  });
});

test('a rollout that makes no progress exceeds its deadline; kubectl rollout status says so', async () => {
  await client.create<Deployment>('deployments', 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'stuck' },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 1,
      selector: { matchLabels: { app: 'stuck' } },
      template: { metadata: { labels: { app: 'stuck' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } },
    },
  });
  const cond = await eventually('ProgressDeadlineExceeded', async () => {
    const x = await client.get<Deployment>('deployments', 'default', 'stuck');
    return x.status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  }, 15_000);
  assert.equal(cond.status, 'False');
  const err = await kubectl('rollout', 'status', 'deployment/stuck', '--timeout=10s').then(() => '', (e: { stderr?: string }) => e.stderr ?? '');
  assert.match(err, /deployment "stuck" exceeded its progress deadline/);
  await client.delete('deployments', 'default', 'stuck');
  await eventually('stuck pods gone', async () => {
    await reapTerminating();
    return (await podsOf('app=stuck')).length === 0;
  });
});

test('a pod that fits no node is marked Unschedulable', async () => {
  await client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'picky' },
    spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'podnet/echo' }] },
  });
  const cond = await eventually('PodScheduled=False', async () => {
    const p = await client.get<Pod>('pods', 'default', 'picky');
    return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  });
  assert.equal(cond.reason, 'Unschedulable');
  assert.equal(cond.message, "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
  // a node that fits appears: the pod is bound and its condition flips
  await client.patch('nodes', undefined, 'node2', { metadata: { labels: { disk: 'ssd' } } });
  const bound = await eventually('picky bound', async () => {
    const p = await client.get<Pod>('pods', 'default', 'picky');
    return Boolean(p.spec?.nodeName) && p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status === 'True' && p;
  });
  assert.equal(bound.spec?.nodeName, 'node2');
  assert.equal(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.reason, undefined);
  await client.patch('nodes', undefined, 'node2', { metadata: { labels: { disk: null } } });
  const other = await client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'custom-sched' },
    spec: { schedulerName: 'my-scheduler', containers: [{ name: 'c', image: 'podnet/echo' }] },
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await client.get<Pod>('pods', 'default', 'custom-sched')).spec?.nodeName, undefined, `${other.metadata?.name} left alone`);
  await client.delete('pods', 'default', 'picky', { gracePeriodSeconds: 0 });
  await client.delete('pods', 'default', 'custom-sched');
});

test('deleting the deployment removes its ReplicaSets and pods (garbage collection)', async () => {
  await client.delete('deployments', 'default', 'web', { propagationPolicy: 'Background' });
  await eventually('replicasets gone', async () => (await client.list<ReplicaSet>('replicasets', 'default')).items.length === 0);
  await eventually('pods gone', async () => {
    await reapTerminating();
    return (await podsOf('app=web')).length === 0;
  });
  await client.delete('services', 'default', 'web');
  await eventually('slices and Endpoints gone', async () => {
    const slices = (await client.list<EndpointSlice>('endpointslices', 'default')).items.length;
    const ep = await client.get('endpoints', 'default', 'web').then(() => 1, () => 0);
    return slices + ep === 0;
  });
});

for (const [surge, unavailable] of [[1, 0], [0, 1], [2, 2]]) {
test(`rolling update honours maxSurge ${surge} / maxUnavailable ${unavailable} at every step`, async () => {
  const spec = (image: string): Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'surge' },
    spec: {
      replicas: 4,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
      selector: { matchLabels: { app: 'surge' } },
      template: { metadata: { labels: { app: 'surge' } }, spec: { containers: [{ name: 'c', image }] } },
    },
  });
  await client.create('deployments', 'default', spec('v1'));
  const settled = async (image: string) =>
    eventually(`rollout to ${image}`, async () => {
      await runPods('app=surge', 70);
      await reapTerminating();
      const x = await client.get<Deployment>('deployments', 'default', 'surge');
      const pods = (await podsOf('app=surge')).filter((p) => !p.metadata?.deletionTimestamp);
      return x.status?.conditions?.some((c) => c.reason === 'NewReplicaSetAvailable') && x.status?.observedGeneration === x.metadata?.generation &&
        pods.length === 4 && pods.every((p) => p.spec?.containers[0].image === image);
    }, 20_000);
  await settled('v1');
  // Watch every pod change during the rollout: active (not terminating) pods and ready ones.
  const active = new Map<string, boolean>();
  const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const start = await client.list<Pod>('pods', 'default', { labelSelector: 'app=surge' });
  for (const p of start.items) if (!p.metadata?.deletionTimestamp) active.set(p.metadata?.name ?? '', isReady(p));
  let maxActive = active.size;
  let minReady = [...active.values()].filter(Boolean).length;
  const w = client.watch<Pod>('pods', 'default', { labelSelector: 'app=surge', resourceVersion: start.metadata.resourceVersion }, (ev) => {
    const name = ev.object.metadata?.name ?? '';
    if (ev.type === 'DELETED' || ev.object.metadata?.deletionTimestamp) active.delete(name);
    else active.set(name, isReady(ev.object));
    maxActive = Math.max(maxActive, active.size);
    minReady = Math.min(minReady, [...active.values()].filter(Boolean).length);
  });
  try {
    assert.equal(minReady, 4);
    const d = await client.get<Deployment>('deployments', 'default', 'surge');
    d.spec!.template.spec!.containers[0].image = 'v2';
    await client.update('deployments', d);
    await settled('v2');
  } finally {
    w.stop();
    await client.delete('deployments', 'default', 'surge');
    await eventually('surge pods gone', async () => {
      await reapTerminating();
      return (await podsOf('app=surge')).length === 0;
    });
  }
  assert.ok(maxActive <= 4 + surge, `never more than replicas + maxSurge pods (saw ${maxActive})`);
  assert.ok(minReady >= 4 - unavailable, `never fewer than replicas - maxUnavailable ready pods (saw ${minReady})`);
});
}

test('a bare ReplicaSet with minReadySeconds: pods available only after the wait', async () => {
  await client.create<ReplicaSet>('replicasets', 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'slow' },
    spec: {
      replicas: 1,
      minReadySeconds: 1,
      selector: { matchLabels: { app: 'slow' } },
      template: { metadata: { labels: { app: 'slow' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } },
    },
  });
  await eventually('slow pod scheduled', async () => (await podsOf('app=slow'))[0]?.spec?.nodeName);
  await runPods('app=slow', 60);
  const ready = await eventually('ready, not yet available', async () => {
    const rs = await client.get<ReplicaSet>('replicasets', 'default', 'slow');
    return rs.status?.readyReplicas === 1 && rs;
  });
  assert.equal(ready.status?.availableReplicas, undefined, 'not available before minReadySeconds');
  const t0 = Date.now();
  await eventually('available', async () => (await client.get<ReplicaSet>('replicasets', 'default', 'slow')).status?.availableReplicas === 1, 5_000);
  assert.ok(Date.now() - t0 < 3_000, 'woken at the deadline, not at the 30 s resync');
  await client.delete('replicasets', 'default', 'slow');
  await eventually('slow pods gone', async () => {
    await reapTerminating();
    return (await podsOf('app=slow')).length === 0;
  });
});

test('hostPort: one pod per node, the third is Unschedulable', async () => {
  await client.create<Deployment>('deployments', 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hp' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'hp' } },
      template: { metadata: { labels: { app: 'hp' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo', ports: [{ containerPort: 80, hostPort: 8080 }] }] } },
    },
  });
  const pods = await eventually('2 bound, 1 unschedulable', async () => {
    const p = await podsOf('app=hp');
    const bound = p.filter((x) => x.spec?.nodeName);
    const stuck = p.filter((x) => x.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'));
    return p.length === 3 && bound.length === 2 && stuck.length === 1 && { bound, stuck };
  });
  assert.deepEqual(pods.bound.map((p) => p.spec?.nodeName).sort(), ['node1', 'node2']);
  assert.match(pods.stuck[0].status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '', /2 node\(s\) didn't have free ports for the requested pod ports/);
  await client.delete('deployments', 'default', 'hp');
  await eventually('hp pods gone', async () => {
    await reapTerminating();
    return (await podsOf('app=hp')).length === 0;
  });
});

test('a selector-less Service with hand-written Endpoints gets mirrored slices', async () => {
  await client.create<Service>('services', 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'external' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  await client.create<Endpoints>('endpoints', 'default', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'external' },
    subsets: [{ addresses: [{ ip: '172.18.0.200' }], ports: [{ name: 'http', port: 8080 }] }],
  });
  const mirrored = async () =>
    (await client.list<EndpointSlice>('endpointslices', 'default', { labelSelector: 'kubernetes.io/service-name=external' })).items;
  const [slice] = await eventually('mirrored slice', async () => {
    const s = await mirrored();
    return s.length === 1 && s;
  });
  assert.equal(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  assert.equal(slice.metadata?.ownerReferences?.[0]?.kind, 'Endpoints');
  assert.deepEqual(slice.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
  assert.deepEqual(slice.endpoints?.map((e) => [e.addresses[0], e.conditions?.ready]), [['172.18.0.200', true]]);
  // the Endpoints keeps its hand-written content: the endpoints controller leaves it alone
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual((await client.get<Endpoints>('endpoints', 'default', 'external')).subsets?.[0]?.addresses?.map((a) => a.ip), ['172.18.0.200']);
  const ep = await client.get<Endpoints>('endpoints', 'default', 'external');
  ep.subsets![0].addresses!.push({ ip: '172.18.0.201' });
  await client.update('endpoints', ep);
  await eventually('mirrored update', async () => (await mirrored())[0]?.endpoints?.length === 2);
  await client.delete('endpoints', 'default', 'external');
  await eventually('mirrored slice collected', async () => (await mirrored()).length === 0);
  await client.delete('services', 'default', 'external');
});

test('GC: a pod owned by a live object of any kind stays; one whose owner is gone goes', async () => {
  const cm = await client.create<KubeObject>('configmaps', 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner-cm' } } as KubeObject);
  const owned = (name: string, uid: string): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'cm-owned' }, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner-cm', uid, controller: true }] },
    spec: { nodeName: 'node2', containers: [{ name: 'c', image: 'podnet/echo' }] },
  });
  await client.create('pods', 'default', owned('cm-live', cm.metadata?.uid ?? ''));
  await client.create('pods', 'default', owned('cm-orphan', '00000000-0000-4000-8000-000000000000'));
  await eventually('orphan collected', async () => {
    await reapTerminating();
    return client.get('pods', 'default', 'cm-orphan').then(() => false, () => true);
  });
  await new Promise((r) => setTimeout(r, 300));
  const live = await client.get<Pod>('pods', 'default', 'cm-live');
  assert.equal(live.metadata?.deletionTimestamp, undefined);
  await client.delete('configmaps', 'default', 'owner-cm');
  await eventually('owned pod collected with its owner', async () => {
    await reapTerminating();
    return client.get('pods', 'default', 'cm-live').then(() => false, () => true);
  });
});

test('a deleted node frees its CIDR for the next node', async () => {
  await client.delete('nodes', undefined, 'node1');
  await addNode('node3');
  const n = await eventually('node3 CIDR', async () => (await client.get<Node>('nodes', undefined, 'node3')).spec?.podCIDR);
  assert.equal(n, '10.244.0.0/24');
});

test('restarted controllers rebuild their state from the API and converge', async () => {
  controllers.stop();
  await addNode('node4');
  await client.create<Deployment>('deployments', 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'late' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'late' } },
      template: { metadata: { labels: { app: 'late' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } },
    },
  });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await client.list('replicasets', 'default', { labelSelector: 'app=late' })).items.length, 0, 'nothing happens while stopped');
  controllers = await startControllers(client, {});
  const cidr = await eventually('node4 CIDR', async () => (await client.get<Node>('nodes', undefined, 'node4')).spec?.podCIDR);
  // node2 has 10.244.1.0/24 and node3 took the freed 10.244.0.0/24: the rebuilt allocator knows both
  assert.equal(cidr, '10.244.2.0/24');
  const pods = await eventually('3 late pods scheduled', async () => {
    const p = await podsOf('app=late');
    return p.length === 3 && p.every((x) => x.spec?.nodeName) && p;
  });
  assert.deepEqual(pods.map((p) => p.spec?.nodeName).sort(), ['node2', 'node3', 'node4']);
  await client.delete('deployments', 'default', 'late');
  await eventually('late pods gone', async () => {
    await reapTerminating();
    return (await podsOf('app=late')).length === 0;
  });
});
