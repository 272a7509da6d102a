/**
 * ReplicationControllers (seed 004: `kubectl expose rc hdls`) with every controller against the
 * real apiserver; the test plays the node agents.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Pod, ReplicationController, Service } from '../../../src/api/types.js';
import { eventually } from '../../helpers/controllers-apiserver.js';
import { startTestCluster, type TestCluster } from '../../helpers/controllers-cluster.js';

let c: TestCluster;

before(async () => {
  c = await startTestCluster('rc-test');
  await c.addNode('node1');
  await c.addNode('node2');
});

after(async () => {
  await c?.close();
});

async function podsOf(selector: string): Promise<Pod[]> {
  await c.reapTerminating();
  return (await c.client.list<Pod>('pods', 'default', { labelSelector: selector })).items.filter((p) => !p.metadata?.deletionTimestamp);
}

const rcStatus = async () => (await c.client.get<ReplicationController>('replicationcontrollers', 'default', 'hdls')).status;

test('an RC without selector keeps its replicas, owned with a ReplicationController controller reference', async () => {
  await c.client.create<ReplicationController>('replicationcontrollers', 'default', {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'hdls' },
    spec: {
      replicas: 3,
      template: { metadata: { labels: { app: 'hdls' } }, spec: { containers: [{ name: 'hdls', image: 'podnet/echo', ports: [{ containerPort: 8000 }] }] } },
    },
  });
  const rc = await c.client.get<ReplicationController>('replicationcontrollers', 'default', 'hdls');
  assert.deepEqual(rc.spec?.selector, { app: 'hdls' }, 'selector defaulted from the template');
  const pods = await eventually('3 pods', async () => {
    const p = await podsOf('app=hdls');
    return p.length === 3 && p.every((x) => x.spec?.nodeName) && p;
  });
  for (const p of pods) {
    assert.match(p.metadata?.name ?? '', /^hdls-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const ref = p.metadata?.ownerReferences?.[0];
    assert.deepEqual([ref?.apiVersion, ref?.kind, ref?.name, ref?.uid, ref?.controller, ref?.blockOwnerDeletion], ['v1', 'ReplicationController', 'hdls', rc.metadata?.uid, true, true]);
  }
  assert.equal((await rcStatus())?.replicas, 3);
  await c.runPods('app=hdls');
  const st = await eventually('ready status', async () => {
    const s = await rcStatus();
    return s?.availableReplicas === 3 && s;
  });
  assert.deepEqual([st.replicas, st.fullyLabeledReplicas, st.readyReplicas, st.availableReplicas, st.observedGeneration], [3, 3, 3, 3, rc.metadata?.generation]);
});

test('kubectl expose rc hdls: a Service on the containerPort whose slices list the pods', async () => {
  assert.match(await c.kubectl('expose', 'rc', 'hdls'), /service\/hdls exposed/);
  const svc = await c.client.get<Service>('services', 'default', 'hdls');
  assert.deepEqual(svc.spec?.selector, { app: 'hdls' });
  assert.deepEqual(svc.spec?.ports?.map((p) => [p.port, p.targetPort]), [[8000, 8000]]);
  const slice = await eventually('slice with 3 ready endpoints', async () => {
    const s = (await c.client.list<EndpointSlice>('endpointslices', 'default', { labelSelector: 'kubernetes.io/service-name=hdls' })).items;
    return s.length === 1 && s[0].endpoints?.length === 3 && s[0].endpoints.every((e) => e.conditions?.ready) && s[0];
  });
  assert.deepEqual(slice.ports, [{ name: '', protocol: 'TCP', port: 8000 }]);
});

test('kubectl scale rc; a deleted pod is replaced; a relabelled pod is released, and adopted back', async () => {
  await c.kubectl('scale', 'rc', 'hdls', '--replicas=1');
  await eventually('scaled to 1', async () => (await podsOf('app=hdls')).length === 1 && (await rcStatus())?.replicas === 1);
  const [only] = await podsOf('app=hdls');
  await c.client.delete('pods', 'default', only.metadata?.name ?? '');
  await eventually('replaced', async () => {
    const p = await podsOf('app=hdls');
    return p.length === 1 && p[0].metadata?.name !== only.metadata?.name;
  });
  await c.kubectl('scale', 'rc', 'hdls', '--replicas=2');
  await eventually('2 ready', async () => {
    await c.runPods('app=hdls');
    return (await rcStatus())?.readyReplicas === 2;
  });
  const [a] = await podsOf('app=hdls');
  const name = a.metadata?.name ?? '';
  await c.client.patch('pods', 'default', name, { metadata: { labels: { app: 'away' } } });
  await eventually('released and replaced', async () => {
    const p = await c.client.get<Pod>('pods', 'default', name);
    return !p.metadata?.ownerReferences && (await podsOf('app=hdls')).length === 2;
  });
  await c.client.patch('pods', 'default', name, { metadata: { labels: { app: 'hdls' } } });
  const names = await eventually('adopted back, the surplus new pod removed', async () => {
    const p = await c.client.get<Pod>('pods', 'default', name);
    const live = await podsOf('app=hdls');
    return p.metadata?.ownerReferences?.[0]?.kind === 'ReplicationController' && live.length === 2 && live.map((x) => x.metadata?.name);
  });
  assert.ok(names.includes(name), 'the ready, older pod is kept');
});

test('kubectl delete rc removes its pods (garbage collector)', async () => {
  await c.kubectl('delete', 'rc', 'hdls');
  await eventually('pods gone', async () => (await podsOf('app=hdls')).length === 0);
  await c.client.delete('services', 'default', 'hdls');
});
