/**
 * The DaemonSet controller with the scheduler and the other controllers against the real
 * apiserver; the test plays the node agents. One pod per eligible node, following nodes,
 * nodeSelector and taints; RollingUpdate with maxUnavailable; status and kubectl rollout status.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Event, Node, Pod } from '../../../src/api/types.js';
import { eventually } from '../../helpers/controllers-apiserver.js';
import { startTestCluster, type TestCluster } from '../../helpers/controllers-cluster.js';

let c: TestCluster;

before(async () => {
  c = await startTestCluster('daemonset-test');
  await c.addNode('node1');
  await c.addNode('node2');
});

after(async () => {
  await c?.close();
});

const ds = (name: string, extra: Partial<NonNullable<DaemonSet['spec']>> = {}, image = 'podnet/echo'): DaemonSet => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
    ...extra,
  },
});

/** Live pods of an app; the agents finish graceful deletions first, as kubelets would. */
async function podsOf(app: string): Promise<Pod[]> {
  await c.reapTerminating();
  return (await c.client.list<Pod>('pods', 'default', { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
}

const byNode = (pods: Pod[]) => pods.map((p) => p.spec?.nodeName ?? '-').sort();

/** Watches an app's pods: the most live pods at once and the fewest nodes with a ready pod. */
async function observe(app: string): Promise<{ maxPods: () => number; minReadyNodes: () => number; stop: () => void }> {
  const live = new Map<string, { node: string; ready: boolean }>();
  const track = (p: Pod) => ({ node: p.spec?.nodeName ?? '', ready: p.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True') ?? false });
  const readyNodes = () => new Set([...live.values()].filter((x) => x.ready).map((x) => x.node)).size;
  const start = await c.client.list<Pod>('pods', 'default', { labelSelector: `app=${app}` });
  for (const p of start.items) if (!p.metadata?.deletionTimestamp) live.set(p.metadata?.name ?? '', track(p));
  let maxPods = live.size;
  let minReady = readyNodes();
  const w = c.client.watch<Pod>('pods', 'default', { labelSelector: `app=${app}`, resourceVersion: start.metadata.resourceVersion }, (ev) => {
    const name = ev.object.metadata?.name ?? '';
    if (ev.type === 'DELETED' || ev.object.metadata?.deletionTimestamp) live.delete(name);
    else live.set(name, track(ev.object));
    maxPods = Math.max(maxPods, live.size);
    minReady = Math.min(minReady, readyNodes());
  });
  return { maxPods: () => maxPods, minReadyNodes: () => minReady, stop: () => w.stop() };
}

async function deleteDaemonSet(name: string, propagationPolicy: 'Background' | 'Foreground' = 'Background'): Promise<void> {
  await c.client.delete('daemonsets', 'default', name, { propagationPolicy });
  await eventually(`${name} and its pods gone`, async () => {
    await c.reapTerminating();
    const pods = (await c.client.list('pods', 'default', { labelSelector: `app=${name}` })).items.length;
    return pods === 0 && c.client.get('daemonsets', 'default', name).then(() => false, () => true);
  });
}

test('one pod per node, pinned by node affinity and bound by the scheduler; status and rollout status', async () => {
  await c.client.create('daemonsets', 'default', ds('agent'));
  const pods = await eventually('2 bound pods', async () => {
    const p = await podsOf('agent');
    return p.length === 2 && p.every((x) => x.spec?.nodeName) && p;
  });
  assert.deepEqual(byNode(pods), ['node1', 'node2']);
  const got = await c.client.get<DaemonSet>('daemonsets', 'default', 'agent');
  assert.deepEqual(got.spec?.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  for (const p of pods) {
    assert.match(p.metadata?.name ?? '', /^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    assert.deepEqual(terms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec?.nodeName] }] }]);
    assert.match(p.metadata?.labels?.['controller-revision-hash'] ?? '', /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    const ref = p.metadata?.ownerReferences?.[0];
    assert.deepEqual([ref?.kind, ref?.name, ref?.uid, ref?.controller], ['DaemonSet', 'agent', got.metadata?.uid, true]);
    const tol = (p.spec?.tolerations ?? []).map((t) => `${t.key}:${t.operator}:${t.effect}`);
    for (const want of ['node.kubernetes.io/not-ready:Exists:NoExecute', 'node.kubernetes.io/unreachable:Exists:NoExecute', 'node.kubernetes.io/unschedulable:Exists:NoSchedule']) {
      assert.ok(tol.includes(want), `${want} in ${tol.join(' ')}`);
    }
  }
  const waiting = await c.kubectl('rollout', 'status', 'ds/agent', '--watch=false');
  assert.match(waiting, /Waiting for daemon set "agent" rollout to finish: 0 of 2 updated pods are available/);
  await c.runPods('app=agent');
  const st = await eventually('status settled', async () => {
    const x = await c.client.get<DaemonSet>('daemonsets', 'default', 'agent');
    return x.status?.numberAvailable === 2 && x.status;
  });
  assert.deepEqual(
    [st.desiredNumberScheduled, st.currentNumberScheduled, st.numberReady, st.numberAvailable, st.updatedNumberScheduled, st.numberMisscheduled, st.numberUnavailable, st.observedGeneration],
    [2, 2, 2, 2, 2, 0, undefined, got.metadata?.generation],
  );
  assert.match(await c.kubectl('rollout', 'status', 'ds/agent', '--timeout=10s'), /daemon set "agent" successfully rolled out/);
  const table = await c.kubectl('get', 'ds', 'agent');
  assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\n/);
  assert.match(table, /\nagent\s+2\s+2\s+2\s+2\s+2\s+<none>\s+\d+s\n/);
  const events = (await c.client.list<Event>('events', 'default')).items.filter((e) => e.involvedObject.kind === 'DaemonSet');
  assert.equal(events.filter((e) => e.reason === 'SuccessfulCreate').length, 2);
});

test('nodes come and go: a Ready node gets a pod, a not-ready one waits, a deleted one loses it', async () => {
  await c.addNode('node3');
  await eventually('pod on node3', async () => byNode(await podsOf('agent')).join() === 'node1,node2,node3');
  await c.client.create<Node>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node4' } });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await podsOf('agent')).length, 3, 'no pod for a node that is not Ready');
  const st = await c.client.get<DaemonSet>('daemonsets', 'default', 'agent');
  assert.equal(st.status?.desiredNumberScheduled, 3);
  await c.setNodeReady('node4', true);
  await eventually('pod on node4', async () => byNode(await podsOf('agent')).join() === 'node1,node2,node3,node4');
  await c.client.delete('nodes', undefined, 'node4');
  await c.client.delete('nodes', undefined, 'node3');
  await eventually('pods of deleted nodes gone', async () => {
    await c.reapTerminating();
    return byNode(await podsOf('agent')).join() === 'node1,node2';
  });
});

test('a cordoned node keeps its daemon pod (daemon pods tolerate unschedulable), NoExecute taints evict', async () => {
  await c.client.patch('nodes', undefined, 'node2', { spec: { unschedulable: true } });
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(byNode(await podsOf('agent')), ['node1', 'node2']);
  await c.client.patch('nodes', undefined, 'node2', { spec: { unschedulable: null, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } });
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(byNode(await podsOf('agent')), ['node1', 'node2'], 'NoSchedule does not evict');
  const x = await c.client.get<DaemonSet>('daemonsets', 'default', 'agent');
  assert.equal(x.status?.desiredNumberScheduled, 1);
  await c.client.patch('nodes', undefined, 'node2', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] } });
  await eventually('evicted from node2', async () => {
    await c.reapTerminating();
    return byNode(await podsOf('agent')).join() === 'node1';
  });
  await c.client.patch('nodes', undefined, 'node2', { spec: { taints: null } });
  await eventually('back on node2', async () => byNode(await podsOf('agent')).join() === 'node1,node2');
  // --cascade=foreground: the pods go first (the controller makes no new ones meanwhile), then the DaemonSet.
  await deleteDaemonSet('agent', 'Foreground');
});

test('nodeSelector: only matching nodes; relabelling moves the pod', async () => {
  await c.client.create('daemonsets', 'default', ds('ssd', { template: { metadata: { labels: { app: 'ssd' } }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'x' }] } } }));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await podsOf('ssd')).length, 0);
  await c.client.patch('nodes', undefined, 'node1', { metadata: { labels: { disk: 'ssd' } } });
  await eventually('pod on node1', async () => byNode(await podsOf('ssd')).join() === 'node1');
  await c.client.patch('nodes', undefined, 'node2', { metadata: { labels: { disk: 'ssd' } } });
  await c.client.patch('nodes', undefined, 'node1', { metadata: { labels: { disk: null } } });
  await eventually('moved to node2', async () => {
    await c.reapTerminating();
    return byNode(await podsOf('ssd')).join() === 'node2';
  });
  await c.client.patch('nodes', undefined, 'node2', { metadata: { labels: { disk: null } } });
  await deleteDaemonSet('ssd');
});

test('kubectl set image: RollingUpdate replaces pods node by node, never more than maxUnavailable down', async () => {
  await c.addNode('node5');
  await c.client.create('daemonsets', 'default', ds('roll', { minReadySeconds: 0 }, 'v1'));
  await eventually('3 running v1 pods', async () => {
    await c.runPods('app=roll');
    const x = await c.client.get<DaemonSet>('daemonsets', 'default', 'roll');
    return x.status?.numberAvailable === 3;
  });
  const seen = await observe('roll');
  try {
    assert.match(await c.kubectl('set', 'image', 'ds/roll', 'c=v2'), /daemonset.apps\/roll image updated/);
    await eventually('rolled to v2', async () => {
      await c.runPods('app=roll');
      const pods = await podsOf('roll');
      const d = await c.client.get<DaemonSet>('daemonsets', 'default', 'roll');
      return pods.length === 3 && pods.every((p) => p.spec?.containers[0].image === 'v2') && d.status?.numberAvailable === 3 && d.status?.updatedNumberScheduled === 3;
    }, 20_000, 20);
  } finally {
    seen.stop();
  }
  // Without surge an old pod goes before its replacement: exactly one node at a time lacks one.
  assert.equal(seen.minReadyNodes(), 2, `maxUnavailable=1: one node at a time without a ready pod (saw ${3 - seen.minReadyNodes()})`);
  assert.ok(seen.maxPods() <= 3, 'no surge without maxSurge');
  assert.match(await c.kubectl('rollout', 'status', 'ds/roll', '--timeout=10s'), /daemon set "roll" successfully rolled out/);
  await deleteDaemonSet('roll');
});

test('kubectl rollout restart with maxSurge: the new pod starts beside the old one, no node is ever without a ready pod', async () => {
  const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  await c.client.create('daemonsets', 'default', ds('surge', { updateStrategy: strategy }, 'v1'));
  const nodes = (await c.client.list<Node>('nodes')).items.length;
  await eventually('all running v1', async () => {
    await c.runPods('app=surge');
    return (await c.client.get<DaemonSet>('daemonsets', 'default', 'surge')).status?.numberAvailable === nodes;
  });
  const seen = await observe('surge');
  try {
    assert.match(await c.kubectl('rollout', 'restart', 'ds/surge'), /daemonset.apps\/surge restarted/);
    const restarted = (p: Pod) => Boolean(p.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
    await eventually('restarted with surge', async () => {
      const pods = await podsOf('surge');
      await c.runPods('app=surge');
      const d = await c.client.get<DaemonSet>('daemonsets', 'default', 'surge');
      return pods.length === nodes && pods.every(restarted) && d.status?.updatedNumberScheduled === nodes && d.status?.numberAvailable === nodes;
    }, 20_000, 20);
  } finally {
    seen.stop();
  }
  const [minReadyNodes, maxPods] = [seen.minReadyNodes(), seen.maxPods()];
  assert.equal(minReadyNodes, nodes, 'maxUnavailable 0: every node kept a ready pod');
  assert.ok(maxPods <= nodes + 1, `at most maxSurge=1 extra pod (saw ${maxPods} for ${nodes} nodes)`);
  assert.ok(maxPods > nodes, 'a surge pod was seen');
  await deleteDaemonSet('surge');
});

test('OnDelete: a template change waits until a pod is deleted by hand; status counts the updated ones', async () => {
  await c.client.create('daemonsets', 'default', ds('ondel', { updateStrategy: { type: 'OnDelete' } }, 'v1'));
  const nodes = (await c.client.list<Node>('nodes')).items.length;
  await eventually('all running', async () => {
    await c.runPods('app=ondel');
    return (await c.client.get<DaemonSet>('daemonsets', 'default', 'ondel')).status?.numberAvailable === nodes;
  });
  await c.kubectl('set', 'image', 'ds/ondel', 'c=v2');
  const st = await eventually('observed', async () => {
    const d = await c.client.get<DaemonSet>('daemonsets', 'default', 'ondel');
    return d.status?.observedGeneration === d.metadata?.generation && d.status;
  });
  assert.equal(st.updatedNumberScheduled, undefined, 'no pod replaced');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok((await podsOf('ondel')).every((p) => p.spec?.containers[0].image === 'v1'));
  const [victim] = await podsOf('ondel');
  await c.client.delete('pods', 'default', victim.metadata?.name ?? '');
  await eventually('one v2 pod in its place', async () => {
    await c.runPods('app=ondel');
    const pods = await podsOf('ondel');
    const d = await c.client.get<DaemonSet>('daemonsets', 'default', 'ondel');
    return pods.length === nodes && pods.filter((p) => p.spec?.containers[0].image === 'v2').length === 1 && d.status?.updatedNumberScheduled === 1;
  });
  await deleteDaemonSet('ondel');
});
