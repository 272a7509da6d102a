import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Node, Pod } from '../../../src/api/types.js';
import { daemonSetHash, newDaemonPod, nodeShouldRunDaemonPod, targetNodeName } from '../../../src/controllers/daemon-pod.js';
import { manageDaemonPods } from '../../../src/controllers/daemonset-manage.js';
import { daemonFenceposts, rollingUpdateDaemonPods } from '../../../src/controllers/daemonset-rolling-update.js';
import { calculateDaemonSetStatus } from '../../../src/controllers/daemonset-status.js';

const node = (name: string, ...tweaks: ((n: Node) => void)[]): Node => {
  const n: Node = { metadata: { name, labels: {} }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  for (const t of tweaks) t(n);
  return n;
};
const notReady = (n: Node) => (n.status!.conditions![0].status = 'False');
const cordoned = (n: Node) => (n.spec!.unschedulable = true);
const taint = (effect: string) => (n: Node) => (n.spec!.taints = [{ key: 'k', value: 'v', effect }]);
const labelled = (k: string, v: string) => (n: Node) => (n.metadata!.labels![k] = v);

const makeDS = (...tweaks: ((d: DaemonSet) => void)[]): DaemonSet => {
  const d: DaemonSet = {
    metadata: { name: 'ds', namespace: 'default', uid: 'ds-uid', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'ds' } },
      template: { metadata: { labels: { app: 'ds' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    },
  };
  for (const t of tweaks) t(d);
  return d;
};

let seq = 0;
/** A daemon pod on `nodeName` with revision `hash`; ready/available unless told otherwise. */
const dpod = (ds: DaemonSet, nodeName: string, hash: string, opts: { ready?: boolean; terminating?: boolean; phase?: string; readySince?: string } = {}): Pod => {
  const p = newDaemonPod(ds, nodeName, hash);
  seq++;
  return {
    ...p,
    metadata: {
      ...p.metadata,
      name: `ds-${seq}`,
      creationTimestamp: `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}Z`,
      ...(opts.terminating ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}),
    },
    spec: { ...p.spec!, nodeName },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: opts.readySince ?? '2026-01-01T00:00:00Z' }],
    },
  };
};
const names = (pods: Pod[]) => pods.map((p) => p.spec?.nodeName).sort();

test('daemon pod: hash label, affinity replacing the template terms, tolerations added once, target node', () => {
  const ds = makeDS((d) => {
    d.spec!.template.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
    d.spec!.template.spec!.tolerations = [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }];
    d.spec!.template.spec!.hostNetwork = true;
  });
  const hash = daemonSetHash(ds);
  const p = newDaemonPod(ds, 'node7', hash);
  assert.equal(p.metadata?.generateName, 'ds-');
  assert.equal(p.metadata?.labels?.['controller-revision-hash'], hash);
  assert.deepEqual(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
    { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node7'] }] },
  ]);
  const keys = p.spec?.tolerations?.map((t) => `${t.key}/${t.effect}`);
  assert.deepEqual(keys, [
    'node.kubernetes.io/unschedulable/NoSchedule',
    'node.kubernetes.io/not-ready/NoExecute',
    'node.kubernetes.io/unreachable/NoExecute',
    'node.kubernetes.io/disk-pressure/NoSchedule',
    'node.kubernetes.io/memory-pressure/NoSchedule',
    'node.kubernetes.io/pid-pressure/NoSchedule',
    'node.kubernetes.io/network-unavailable/NoSchedule',
  ]);
  assert.equal(targetNodeName({ ...p, spec: { ...p.spec!, nodeName: undefined } }), 'node7');
  assert.notEqual(daemonSetHash(makeDS((d) => (d.spec!.template.spec!.containers[0].image = 'v2'))), daemonSetHash(makeDS()));
});

test('nodeShouldRunDaemonPod: selector, affinity, taints by effect, conditions as taints', () => {
  const ds = makeDS((d) => (d.spec!.template.spec!.nodeSelector = { disk: 'ssd' }));
  const ssd = labelled('disk', 'ssd');
  const cases: [string, Node, boolean, boolean][] = [
    ['matching', node('a', ssd), true, true],
    ['selector miss', node('b'), false, false],
    ['not ready (not-ready:NoSchedule is not tolerated)', node('c', ssd, notReady), false, true],
    ['cordoned (unschedulable is tolerated)', node('d', ssd, cordoned), true, true],
    ['NoSchedule taint', node('e', ssd, taint('NoSchedule')), false, true],
    ['NoExecute taint', node('f', ssd, taint('NoExecute')), false, false],
    ['PreferNoSchedule taint', node('g', ssd, taint('PreferNoSchedule')), true, true],
  ];
  for (const [what, n, run, cont] of cases) assert.deepEqual(nodeShouldRunDaemonPod(n, ds), { shouldRun: run, shouldContinueRunning: cont }, what);
  const pinned = makeDS((d) => (d.spec!.template.spec!.nodeName = 'b'));
  assert.deepEqual([nodeShouldRunDaemonPod(node('a'), pinned).shouldRun, nodeShouldRunDaemonPod(node('b'), pinned).shouldRun], [false, true], 'template nodeName');
});

test('manage: create where missing, replace failed, trim duplicates, evict, unbound pods of gone nodes', () => {
  const ds = makeDS();
  const h = daemonSetHash(ds);
  const nodes = [node('n1'), node('n2'), node('n3'), node('n4', taint('NoExecute')), node('n5')];
  const failed = dpod(ds, 'n2', h, { phase: 'Failed' });
  const older = dpod(ds, 'n3', h);
  const dup = dpod(ds, 'n3', h);
  const evicted = dpod(ds, 'n4', h);
  const goneBound = dpod(ds, 'n9', h);
  const goneUnbound = { ...dpod(ds, 'n8', h), spec: { ...newDaemonPod(ds, 'n8', h).spec! } };
  const leaving = dpod(ds, 'n5', h, { terminating: true });
  const plan = manageDaemonPods(ds, nodes, [failed, older, dup, evicted, goneBound, goneUnbound, leaving], h);
  assert.deepEqual(plan.createOn, ['n1'], 'n5 waits for its terminating pod to go');
  // a bound pod of a gone node is the pod GC's; an unbound one is deleted here
  assert.deepEqual(plan.deletePods.map((p) => p.metadata?.name).sort(), [failed, dup, evicted, goneUnbound].map((p) => p.metadata?.name).sort());
});

test('fenceposts: percentages of desiredNumberScheduled round up; both zero means unavailable 1', () => {
  const with_ = (u: number | string, s: number | string) => makeDS((d) => (d.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: u, maxSurge: s } }));
  assert.deepEqual(daemonFenceposts(with_('10%', 0), 15), [0, 2]);
  assert.deepEqual(daemonFenceposts(with_(0, '25%'), 5), [2, 0]);
  assert.deepEqual(daemonFenceposts(with_(0, 0), 3), [0, 1]);
  assert.deepEqual(daemonFenceposts(with_(3, 0), 3), [0, 3]);
});

test('rolling update without surge: at most maxUnavailable old pods at a time, unavailable old ones at once', () => {
  const ds = makeDS((d) => (d.spec!.updateStrategy!.rollingUpdate!.maxUnavailable = 2));
  const h = daemonSetHash(ds);
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'].map((n) => node(n));
  const pods = [dpod(ds, 'n1', 'old'), dpod(ds, 'n2', 'old'), dpod(ds, 'n3', 'old'), dpod(ds, 'n4', 'old', { ready: false }), dpod(ds, 'n5', h)];
  assert.deepEqual(names(rollingUpdateDaemonPods(ds, nodes, pods, h, Date.now()).deletePods), ['n1', 'n2', 'n4']);
  // one node already down (its old pod terminating): one more may go
  const down = [dpod(ds, 'n1', 'old', { terminating: true }), dpod(ds, 'n2', 'old'), dpod(ds, 'n3', 'old'), dpod(ds, 'n4', h), dpod(ds, 'n5', h)];
  assert.deepEqual(names(rollingUpdateDaemonPods(ds, nodes, down, h, Date.now()).deletePods), ['n2']);
  // a new pod not yet available counts as down
  const notYet = [dpod(ds, 'n1', h, { ready: false }), dpod(ds, 'n2', h, { ready: false }), dpod(ds, 'n3', 'old'), dpod(ds, 'n4', h), dpod(ds, 'n5', h)];
  assert.deepEqual(rollingUpdateDaemonPods(ds, nodes, notYet, h, Date.now()).deletePods, []);
});

test('rolling update with surge: new pods beside old ones on maxSurge nodes, old ones go when the new is available', () => {
  const ds = makeDS((d) => (d.spec!.updateStrategy!.rollingUpdate = { maxUnavailable: 0, maxSurge: 1 }));
  const h = daemonSetHash(ds);
  const nodes = ['n1', 'n2', 'n3'].map((n) => node(n));
  const start = [dpod(ds, 'n1', 'old'), dpod(ds, 'n2', 'old'), dpod(ds, 'n3', 'old')];
  assert.deepEqual(rollingUpdateDaemonPods(ds, nodes, start, h, Date.now()), { createOn: ['n1'], deletePods: [] });
  const surging = [...start, dpod(ds, 'n1', h, { ready: false })];
  assert.deepEqual(rollingUpdateDaemonPods(ds, nodes, surging, h, Date.now()), { createOn: [], deletePods: [] });
  assert.deepEqual(manageDaemonPods(ds, nodes, surging, h).deletePods, [], 'manage keeps the pair while the new pod is not ready');
  const ready = [...start, dpod(ds, 'n1', h)];
  const plan = rollingUpdateDaemonPods(ds, nodes, ready, h, Date.now());
  assert.deepEqual([plan.createOn, plan.deletePods.map((p) => p.metadata?.name)], [['n2'], [start[0].metadata?.name]]);
});

test('status counts the oldest pod per node; misscheduled pods; minReadySeconds', () => {
  const ds = makeDS((d) => {
    d.spec!.template.spec!.nodeSelector = { role: 'edge' };
    d.spec!.minReadySeconds = 60;
  });
  const h = daemonSetHash(ds);
  const edge = labelled('role', 'edge');
  const nodes = [node('n1', edge), node('n2', edge), node('n3', edge), node('n4')];
  const now = Date.parse('2026-01-01T00:01:10Z');
  const fresh = dpod(ds, 'n2', h, { readySince: '2026-01-01T00:00:40Z' });
  const pods = [dpod(ds, 'n1', h), fresh, dpod(ds, 'n3', 'old', { ready: false }), dpod(ds, 'n4', h)];
  const s = calculateDaemonSetStatus(ds, nodes, pods, h, now);
  assert.deepEqual(s, {
    currentNumberScheduled: 3,
    numberMisscheduled: 1,
    desiredNumberScheduled: 3,
    numberReady: 2,
    observedGeneration: 1,
    updatedNumberScheduled: 2,
    numberAvailable: 1,
    numberUnavailable: 2,
  });
});
