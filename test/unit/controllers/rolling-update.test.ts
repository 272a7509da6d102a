import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from '../../../src/api/types.js';
import { newReplicaSetReplicas, oldReplicaSetTargets, resolveFenceposts, resolveIntOrPercent } from '../../../src/controllers/rolling-update.js';
import { calculateDeploymentStatus } from '../../../src/controllers/deployment-status.js';

const deploy = (replicas: number, strategy?: NonNullable<Deployment['spec']>['strategy']): Deployment => ({
  metadata: { name: 'd', namespace: 'default', generation: 2 },
  spec: { replicas, selector: {}, template: {}, strategy },
});
const rs = (name: string, replicas: number, available: number, created = '2026-01-01T00:00:00Z'): ReplicaSet => ({
  metadata: { name, creationTimestamp: created },
  spec: { replicas, selector: {} },
  status: { replicas, availableReplicas: available, readyReplicas: available },
});

test('fenceposts: percent rounding, both zero gives unavailable 1', () => {
  assert.deepEqual(resolveFenceposts(deploy(4)), [1, 1]);
  assert.deepEqual(resolveFenceposts(deploy(10)), [3, 2]);
  assert.deepEqual(resolveFenceposts(deploy(3, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } })), [0, 1]);
  assert.throws(() => resolveIntOrPercent('x%', 3, true, 'spec.strategy.rollingUpdate.maxSurge'), /spec\.strategy\.rollingUpdate\.maxSurge: "x%"/);
});

test('a fresh deployment scales its new ReplicaSet straight to replicas', () => {
  assert.equal(newReplicaSetReplicas(deploy(2), undefined, []), 2);
  assert.equal(newReplicaSetReplicas(deploy(2), rs('new', 5, 5), []), 2, 'scaled down');
});

test('rolling update: new up by maxSurge, old down by maxUnavailable', () => {
  const d = deploy(4); // surge 1, unavailable 1
  const old = rs('old', 4, 4);
  assert.equal(newReplicaSetReplicas(d, rs('new', 0, 0), [old]), 1);
  // new has 1 (not yet available): total 5, min available 3 -> old may drop by 1
  assert.deepEqual(oldReplicaSetTargets(d, rs('new', 1, 0), [old]), new Map([['old', 3]]));
  // new 1 available, old 3 -> new may grow to 2
  assert.equal(newReplicaSetReplicas(d, rs('new', 1, 1), [rs('old', 3, 3)]), 2);
  // new fully available: old goes to 0
  assert.deepEqual(oldReplicaSetTargets(d, rs('new', 4, 4), [rs('old', 1, 1)]), new Map([['old', 0]]));
});

test('unhealthy old replicas are removed first; Recreate drops old before new', () => {
  const d = deploy(4);
  // total 5, min available 3, new has 1 unavailable: room to remove 1, taken from the unhealthy
  assert.deepEqual(oldReplicaSetTargets(d, rs('new', 1, 0), [rs('old', 4, 2)]), new Map([['old', 3]]));
  // with the new pod available, both unhealthy old pods can go
  assert.deepEqual(oldReplicaSetTargets(d, rs('new', 1, 1), [rs('old', 4, 2)]), new Map([['old', 2]]));
  const r = deploy(2, { type: 'Recreate' });
  assert.deepEqual(oldReplicaSetTargets(r, rs('new', 0, 0), [rs('old', 2, 2)]), new Map([['old', 0]]));
  assert.equal(newReplicaSetReplicas(r, rs('new', 0, 0), [rs('old', 2, 2)]), 0);
  assert.equal(newReplicaSetReplicas(r, rs('new', 0, 0), [rs('old', 0, 0)]), 2);
  assert.equal(newReplicaSetReplicas(r, rs('new', 0, 0), [rs('old', 0, 0)], true), 0, 'old pods still terminating');
  assert.equal(newReplicaSetReplicas(r, rs('new', 0, 0), [{ ...rs('old', 0, 0), status: { replicas: 1 } }]), 0, 'old status not caught up');
});

test('status: complete rollout reports NewReplicaSetAvailable', () => {
  const d = deploy(2);
  const n = rs('d-abc', 2, 2);
  const s = calculateDeploymentStatus(d, n, [n], false);
  assert.equal(s.observedGeneration, 2);
  assert.deepEqual([s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas, s.unavailableReplicas], [2, 2, 2, 2, 0]);
  assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason]), [
    ['Available', 'True', 'MinimumReplicasAvailable'],
    ['Progressing', 'True', 'NewReplicaSetAvailable'],
  ]);
  const p = calculateDeploymentStatus(d, rs('d-abc', 2, 0), [rs('d-abc', 2, 0)], true);
  assert.deepEqual(p.conditions?.map((c) => [c.type, c.status, c.reason]), [
    ['Available', 'False', 'MinimumReplicasUnavailable'],
    ['Progressing', 'True', 'NewReplicaSetCreated'],
  ]);
  assert.equal(p.unavailableReplicas, 2);
  const found = calculateDeploymentStatus(d, rs('d-abc', 2, 1), [rs('d-abc', 2, 1)], false);
  assert.deepEqual(found.conditions?.[1]?.reason, 'FoundNewReplicaSet', 'an adopted, incomplete ReplicaSet');
  assert.equal(found.conditions?.[1]?.message, 'Found new replica set "d-abc"');
});

test('progress deadline: no progress for progressDeadlineSeconds times out; progress refreshes it', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const n = rs('d-abc', 2, 1);
  const d: Deployment = {
    ...deploy(2),
    spec: { ...deploy(2).spec!, progressDeadlineSeconds: 10 },
    status: {
      observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "d-abc" is progressing.', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  };
  const progressing = (now: number, set = n) => calculateDeploymentStatus(d, set, [set], false, now).conditions?.find((c) => c.type === 'Progressing');
  assert.equal(progressing(t0 + 5_000)?.reason, 'ReplicaSetUpdated');
  const timedOut = progressing(t0 + 11_000);
  assert.deepEqual([timedOut?.status, timedOut?.reason, timedOut?.message], ['False', 'ProgressDeadlineExceeded', 'ReplicaSet "d-abc" has timed out progressing.']);
  // one more pod became available: progress, the clock restarts
  const moved = progressing(t0 + 11_000, rs('d-abc', 2, 2));
  assert.equal(moved?.reason, 'NewReplicaSetAvailable');
  const readyMore = { ...n, status: { ...n.status, replicas: 2, readyReplicas: 2, availableReplicas: 1 } };
  const p = progressing(t0 + 11_000, readyMore);
  assert.deepEqual([p?.status, p?.reason, p?.lastUpdateTime], ['True', 'ReplicaSetUpdated', '2026-01-01T00:00:11Z']);
});

test('slowStart: batches 1, 2, 4, ... and stops at the first failure', async () => {
  const { slowStart } = await import('../../../src/controllers/replicaset-controller.js');
  let calls = 0;
  assert.equal(await slowStart(10, async () => void calls++), 10);
  assert.equal(calls, 10);
  calls = 0;
  await assert.rejects(slowStart(100, async () => {
    calls++;
    throw new Error('pods "x" is forbidden');
  }), /forbidden/);
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(slowStart(100, async () => {
    if (++calls > 3) throw new Error('quota');
  }), /quota/);
  assert.equal(calls, 7, '1 + 2 succeed, the batch of 4 fails');
});
