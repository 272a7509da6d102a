/**
 * The pod GC with every controller against the real apiserver: pods bound to a node that is
 * deleted are force-deleted after the quarantine (500 ms here), and their ReplicaSet's
 * replacements run elsewhere.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Pod } from '../../../src/api/types.js';
import { eventually } from '../../helpers/controllers-apiserver.js';
import { startTestCluster, type TestCluster } from '../../helpers/controllers-cluster.js';

let c: TestCluster;

before(async () => {
  c = await startTestCluster('pod-gc-test');
  await c.addNode('node1');
  await c.addNode('node2');
});

after(async () => {
  await c?.close();
});

test('pods of a deleted node are force-deleted after the quarantine; replacements run elsewhere', async () => {
  await c.client.create<Deployment>('deployments', 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } },
    },
  });
  const pods = await eventually('4 bound pods', async () => {
    const p = (await c.client.list<Pod>('pods', 'default', { labelSelector: 'app=web' })).items;
    return p.length === 4 && p.every((x) => x.spec?.nodeName) && p;
  });
  await c.runPods('app=web');
  const onNode2 = pods.filter((p) => p.spec?.nodeName === 'node2').map((p) => p.metadata?.name);
  assert.equal(onNode2.length, 2);
  const t0 = Date.now();
  await c.client.delete('nodes', undefined, 'node2');
  // No agent finishes anything here: only the pod GC can remove the node2 pods.
  const after = await eventually('node2 pods gone, all 4 on node1', async () => {
    const p = (await c.client.list<Pod>('pods', 'default', { labelSelector: 'app=web' })).items;
    return p.every((x) => !onNode2.includes(x.metadata?.name)) && p.length === 4 && p.every((x) => x.spec?.nodeName === 'node1') && p;
  });
  assert.ok(Date.now() - t0 >= 500, 'not before the quarantine');
  assert.equal(after.filter((p) => p.metadata?.deletionTimestamp).length, 0);
  await c.client.delete('deployments', 'default', 'web');
});
