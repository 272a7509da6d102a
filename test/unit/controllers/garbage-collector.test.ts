import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Node, Pod } from '../../../src/api/types.js';
import { gcFinalizers } from '../../../src/apiserver/delete.js';
import { decideDependent, OwnerGraph, type OwnerState } from '../../../src/controllers/owner-graph.js';
import { selectNode } from '../../../src/controllers/scheduling.js';

const obj = (uid: string, refs: string[] = [], extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  metadata: {
    name: uid,
    namespace: 'default',
    uid,
    ownerReferences: refs.map((r) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: r, uid: r, ...(r.startsWith('b') ? { blockOwnerDeletion: true } : {}) })),
    ...extra,
  },
});

test('decideDependent follows attemptToDeleteItem', () => {
  const states = (s: Record<string, OwnerState>) => new Map(Object.entries(s));
  const cases: [string, KubeObject, Map<string, OwnerState>, boolean, unknown][] = [
    ['no owners', obj('x'), states({}), false, { action: 'keep' }],
    ['all solid', obj('x', ['a']), states({ a: 'solid' }), false, { action: 'keep' }],
    ['one solid, one dangling', obj('x', ['a', 'b']), states({ a: 'solid', b: 'dangling' }), false, { action: 'removeReferences', uids: ['b'] }],
    ['solid and waiting', obj('x', ['a', 'b']), states({ a: 'solid', b: 'waiting' }), false, { action: 'removeReferences', uids: ['b'] }],
    ['all dangling', obj('x', ['a']), states({ a: 'dangling' }), false, { action: 'delete', propagationPolicy: 'Background' }],
    ['waiting owner, no dependents', obj('x', ['a']), states({ a: 'waiting' }), false, { action: 'delete', propagationPolicy: 'Background' }],
    ['waiting owner, own dependents', obj('x', ['a']), states({ a: 'waiting' }), true, { action: 'delete', propagationPolicy: 'Foreground' }],
    ['dangling, orphan finalizer', obj('x', ['a'], { finalizers: ['orphan'] }), states({ a: 'dangling' }), true, { action: 'delete', propagationPolicy: 'Orphan' }],
    ['unknown state counts as solid', obj('x', ['a']), states({}), false, { action: 'keep' }],
  ];
  for (const [what, o, s, deps, want] of cases) assert.deepEqual(decideDependent(o, s, deps), want, what);
});

test('the graph indexes dependents, blocking ones, and owners by uid, resource and namespace', () => {
  const g = new OwnerGraph();
  g.add('configmaps', obj('a'));
  g.add('configmaps', obj('x', ['a', 'bb']));
  g.add('pods', obj('y', ['bb']));
  assert.deepEqual(g.dependents('a').map((n) => n.obj.metadata?.uid), ['x']);
  assert.deepEqual(g.blockingDependents('bb').map((n) => n.obj.metadata?.uid), ['x', 'y']);
  assert.deepEqual(g.blockingDependents('a'), []);
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: 'a' };
  assert.equal(g.owner(ref, 'configmaps', true, obj('z'))?.obj.metadata?.uid, 'a');
  assert.equal(g.owner(ref, 'secrets', true, obj('z')), undefined, 'another resource with that uid is not the owner');
  assert.equal(g.owner(ref, 'configmaps', true, { metadata: { namespace: 'other' } }), undefined, 'no cross-namespace owners');
  assert.deepEqual([...g.referencedUids()].sort(), ['a', 'bb']);
});

test('gcFinalizers: the finalizers a delete leaves (deletionFinalizersForGarbageCollection)', () => {
  assert.deepEqual(gcFinalizers([], { propagationPolicy: 'Orphan' }), ['orphan']);
  assert.deepEqual(gcFinalizers(['x'], { propagationPolicy: 'Foreground' }), ['x', 'foregroundDeletion']);
  assert.deepEqual(gcFinalizers(['orphan', 'x'], { propagationPolicy: 'Background' }), ['x']);
  assert.deepEqual(gcFinalizers(['orphan'], {}), ['orphan'], 'no policy: keeps what it has');
  assert.deepEqual(gcFinalizers(['foregroundDeletion'], {}), ['foregroundDeletion']);
  assert.deepEqual(gcFinalizers(['foregroundDeletion'], { propagationPolicy: 'Orphan' }), ['orphan']);
  assert.deepEqual(gcFinalizers([], { orphanDependents: true }), ['orphan']);
  assert.deepEqual(gcFinalizers(['orphan', 'foregroundDeletion'], { orphanDependents: false }), []);
  assert.deepEqual(gcFinalizers([], {}), []);
});

test('the scheduler: a pod tolerating the condition taints may go to a not-ready or cordoned node', () => {
  const n = (name: string, ready: boolean, unschedulable = false): Node => ({
    metadata: { name },
    spec: { unschedulable },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  const pod = (tolerations: NonNullable<Pod['spec']>['tolerations']): Pod => ({ metadata: { name: 'p' }, spec: { containers: [], tolerations } });
  assert.ok('unschedulable' in selectNode(pod([]), [n('a', false), n('b', true, true)], new Map()));
  assert.deepEqual(selectNode(pod([{ operator: 'Exists' }]), [n('a', false)], new Map()), { nodeName: 'a' });
  const cordonOk = pod([{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }]);
  assert.deepEqual(selectNode(cordonOk, [n('a', false), n('b', true, true)], new Map()), { nodeName: 'b' });
});
