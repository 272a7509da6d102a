/**
 * Deployment rollouts with every controller against the real apiserver; the test plays the node
 * agents and decides which pods become Ready. Percent fenceposts (surge rounds up, unavailable
 * down), readiness and minReadySeconds gating, Recreate, kubectl rollout restart, conditions and
 * revision annotations.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Pod, ReplicaSet } from '../../../src/api/types.js';
import { eventually } from '../../helpers/controllers-apiserver.js';
import { startTestCluster, type TestCluster } from '../../helpers/controllers-cluster.js';

let c: TestCluster;

before(async () => {
  c = await startTestCluster('deployment-test');
  await c.addNode('node1');
  await c.addNode('node2');
});

after(async () => {
  await c?.close();
});

const deploy = (name: string, replicas: number, spec: Partial<NonNullable<Deployment['spec']>> = {}): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'v1' }] } },
    ...spec,
  },
});

const get = (name: string) => c.client.get<Deployment>('deployments', 'default', name);
const setsOf = async (name: string) => (await c.client.list<ReplicaSet>('replicasets', 'default', { labelSelector: `app=${name}` })).items;
const live = async (name: string) =>
  (await c.client.list<Pod>('pods', 'default', { labelSelector: `app=${name}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
const condition = (d: Deployment, type: string) => d.status?.conditions?.find((x) => x.type === type);

async function setImage(name: string, image: string): Promise<void> {
  await c.client.patch('deployments', 'default', name, { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } }, 'strategic');
}

async function rolledOut(name: string, image: string): Promise<Deployment> {
  return eventually(`${name} on ${image}`, async () => {
    await c.reapTerminating();
    await c.runPods(`app=${name}`);
    const d = await get(name);
    const pods = await live(name);
    const done = condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status?.observedGeneration === d.metadata?.generation;
    return done && pods.length === d.spec?.replicas && pods.every((p) => p.spec?.containers[0].image === image) && d;
  }, 20_000);
}

async function remove(name: string): Promise<void> {
  await c.client.delete('deployments', 'default', name, { propagationPolicy: 'Background' });
  await eventually(`${name} pods gone`, async () => {
    await c.reapTerminating();
    return (await c.client.list('pods', 'default', { labelSelector: `app=${name}` })).items.length === 0;
  });
}

test('percent fenceposts: 10 replicas, 25% surge rounds up to 3, 25% unavailable rounds down to 2', async () => {
  await c.client.create('deployments', 'default', deploy('pct', 10));
  const first = await rolledOut('pct', 'v1');
  assert.deepEqual(first.spec?.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  assert.equal(condition(first, 'Available')?.reason, 'MinimumReplicasAvailable');
  await setImage('pct', 'v2');
  // New pods never become Ready here: the rollout stops at 13 pods in all (10 + surge 3) of
  // which 8 (10 - unavailable 2) are the available old ones, as upstream's NewRSNewReplicas.
  const step = await eventually('blocked step', async () => {
    const sets = await setsOf('pct');
    const fresh = sets.find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2');
    const old = sets.find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '1');
    return fresh?.spec?.replicas === 5 && old?.spec?.replicas === 8 && { fresh, old };
  });
  assert.equal(step.fresh.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'], '13');
  await new Promise((r) => setTimeout(r, 500));
  const held = await setsOf('pct');
  assert.deepEqual(held.map((rs) => rs.spec?.replicas).sort((a, b) => (a ?? 0) - (b ?? 0)), [5, 8], 'unready new pods block the rollout');
  const d = await get('pct');
  assert.equal(condition(d, 'Progressing')?.reason, 'ReplicaSetUpdated');
  assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.match(await c.kubectl('rollout', 'status', 'deploy/pct', '--watch=false'), /Waiting for deployment "pct" rollout to finish: 5 out of 10 new replicas have been updated/);
  await rolledOut('pct', 'v2');
  await remove('pct');
});

test('a new pod that never becomes Ready blocks the rollout (maxUnavailable 0); minReadySeconds delays each step', async () => {
  await c.client.create('deployments', 'default', deploy('gate', 2, { minReadySeconds: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
  await rolledOut('gate', 'v1');
  await setImage('gate', 'v2');
  const newRS = await eventually('new RS scaled to 1', async () =>
    (await setsOf('gate')).find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2' && rs.spec?.replicas === 1));
  await new Promise((r) => setTimeout(r, 600));
  const oldRS = (await setsOf('gate')).find((rs) => rs !== newRS && rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '1');
  assert.equal(oldRS?.spec?.replicas, 2, 'no old pod goes while the new one is not Ready');
  const hash = newRS.metadata?.labels?.['pod-template-hash'];
  await eventually('new pod running', async () => {
    await c.runPods(`app=gate,pod-template-hash=${hash}`);
    return (await live('gate')).some((p) => p.metadata?.labels?.['pod-template-hash'] === hash && p.status?.podIP);
  });
  const newPod = (await live('gate')).find((p) => p.metadata?.labels?.['pod-template-hash'] === hash);
  const readySince = Date.parse(newPod?.status?.conditions?.find((x) => x.type === 'Ready')?.lastTransitionTime ?? '');
  await eventually('old RS scaled down to 1', async () => (await setsOf('gate')).some((rs) => rs.metadata?.uid === oldRS?.metadata?.uid && rs.spec?.replicas === 1), 5_000, 20);
  const after = Date.now() - readySince;
  assert.ok(after >= 1000, `an old pod goes only minReadySeconds after the new one is Ready (after ${after} ms)`);
  await rolledOut('gate', 'v2');
  await remove('gate');
});

test('Recreate: every old pod is gone, terminating ones included, before a new one is created', async () => {
  await c.client.create('deployments', 'default', deploy('recreate', 3, { strategy: { type: 'Recreate' } }));
  await rolledOut('recreate', 'v1');
  await setImage('recreate', 'v2');
  await eventually('old pods terminating', async () => (await live('recreate')).length === 0);
  await new Promise((r) => setTimeout(r, 500));
  const all = (await c.client.list<Pod>('pods', 'default', { labelSelector: 'app=recreate' })).items;
  assert.deepEqual(all.map((p) => p.spec?.containers[0].image), ['v1', 'v1', 'v1'], 'no v2 pod while v1 pods terminate');
  const d = await rolledOut('recreate', 'v2');
  assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  await remove('recreate');
});

test('kubectl rollout restart: a restartedAt annotation on the template makes a new ReplicaSet', async () => {
  await c.client.create('deployments', 'default', deploy('restart', 2));
  const before = await rolledOut('restart', 'v1');
  const oldNames = (await live('restart')).map((p) => p.metadata?.name);
  assert.match(await c.kubectl('rollout', 'restart', 'deployment/restart'), /deployment.apps\/restart restarted/);
  const d = await rolledOut('restart', 'v1');
  assert.ok(d.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
  assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.ok((d.metadata?.generation ?? 0) > (before.metadata?.generation ?? 0));
  const pods = await live('restart');
  assert.ok(pods.every((p) => !oldNames.includes(p.metadata?.name)), 'every pod replaced');
  const sets = await setsOf('restart');
  assert.equal(sets.length, 2);
  const fresh = sets.find((rs) => rs.spec?.replicas === 2);
  assert.ok(fresh?.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
  assert.equal(condition(d, 'Progressing')?.message, `ReplicaSet "${fresh?.metadata?.name}" has successfully progressed.`);
  assert.match(await c.kubectl('rollout', 'status', 'deployment/restart', '--timeout=10s'), /successfully rolled out/);
  await remove('restart');
});

test('deleting a namespace removes its Deployment, ReplicaSets and pods, then the namespace', async () => {
  await c.client.create('namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  await c.client.create('deployments', 'doomed', { ...deploy('app', 2), metadata: { name: 'app', namespace: 'doomed' } });
  await eventually('2 pods in doomed', async () => (await c.client.list<Pod>('pods', 'doomed')).items.length === 2);
  await c.client.delete('namespaces', undefined, 'doomed');
  await eventually('namespace gone', async () => {
    for (const p of (await c.client.list<Pod>('pods', 'doomed')).items) {
      if (p.metadata?.deletionTimestamp) await c.client.delete('pods', 'doomed', p.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
    return c.client.get('namespaces', undefined, 'doomed').then(() => false, () => true);
  }, 20_000);
  for (const r of ['deployments', 'replicasets', 'pods']) assert.equal((await c.client.list(r, 'doomed')).items.length, 0, r);
});

test('kubectl rollout history: the change-cause annotation is copied to the new ReplicaSet; undo rolls back', async () => {
  await c.client.create('deployments', 'default', deploy('hist', 1));
  await rolledOut('hist', 'v1');
  await c.client.patch('deployments', 'default', 'hist', {
    metadata: { annotations: { 'kubernetes.io/change-cause': 'image v2' } },
    spec: { template: { spec: { containers: [{ name: 'c', image: 'v2' }] } } },
  }, 'strategic');
  await rolledOut('hist', 'v2');
  const history = await c.kubectl('rollout', 'history', 'deployment/hist');
  assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+image v2\n/);
  const fresh = (await setsOf('hist')).find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2');
  assert.equal(fresh?.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  assert.match(await c.kubectl('rollout', 'undo', 'deployment/hist'), /deployment.apps\/hist rolled back/);
  const back = await rolledOut('hist', 'v1');
  assert.equal(back.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3', 'the old ReplicaSet becomes revision 3');
  await remove('hist');
});
