import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from '../../../src/api/types.js';
import { selectNode, toleratesTaint } from '../../../src/controllers/scheduling.js';

function node(name: string, ...tweaks: ((n: Node) => void)[]): Node {
  const n: Node = { metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  for (const t of tweaks) t(n);
  return n;
}
const notReady = (n: Node) => (n.status!.conditions![0].status = "False");
const cordoned = (n: Node) => (n.spec!.unschedulable = true);
const tainted = (n: Node) => (n.spec!.taints = [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [], ...spec } });

test('fewest pods wins, ties by name', () => {
  const nodes = [node('node2'), node('node1'), node('node3')];
  assert.deepEqual(selectNode(pod(), nodes, new Map()), { nodeName: 'node1' });
  assert.deepEqual(selectNode(pod(), nodes, new Map([['node1', 1]])), { nodeName: 'node2' });
  assert.deepEqual(selectNode(pod(), nodes, new Map([['node1', 1], ['node2', 1]])), { nodeName: 'node3' });
});

test('filters not-ready, unschedulable and tainted nodes, honours nodeSelector', () => {
  const nodes = [node('node1', notReady), node('node2', cordoned), node('node3', tainted), node('node4')];
  assert.deepEqual(selectNode(pod(), nodes, new Map()), { nodeName: 'node4' });
  const tolerant = pod({ tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] });
  assert.deepEqual(selectNode(tolerant, nodes, new Map([['node4', 5]])), { nodeName: 'node3' });
  assert.deepEqual(selectNode(pod({ nodeSelector: { 'kubernetes.io/hostname': 'node4' } }), nodes, new Map([['node4', 9]])), { nodeName: 'node4' });
});

test('unschedulable message counts the reasons as upstream', () => {
  const nodes = [node('node1', notReady), node('node2', cordoned), node('node3', tainted)];
  const r = selectNode(pod({ nodeSelector: { disk: 'ssd' } }), [...nodes, node('node4')], new Map());
  assert.deepEqual(r, {
    unschedulable:
      "0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were not ready, 1 node(s) were unschedulable.",
  });
  assert.deepEqual(selectNode(pod(), [], new Map()), { unschedulable: 'no nodes available to schedule pods' });
});

test('toleration matching', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, taint), true);
  assert.equal(toleratesTaint({ key: 'k', value: 'v' }, taint), true);
  assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'w' }, taint), false);
  assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true);
  assert.equal(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint), false);
});

test('required node affinity: terms ORed, expressions ANDed, matchFields on the name', () => {
  const nodes = [node('node1', (n) => (n.metadata!.labels!.zone = 'a')), node('node2', (n) => (n.metadata!.labels!.zone = 'b'))];
  const affinity = (terms: object[]) => pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms as never } } } });
  assert.deepEqual(selectNode(affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }]), nodes, new Map()), { nodeName: 'node2' });
  assert.deepEqual(selectNode(affinity([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }]), nodes, new Map()), { nodeName: 'node2' });
  assert.deepEqual(selectNode(affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node1'] }] }]), nodes, new Map([['node1', 3]])), { nodeName: 'node1' });
  assert.deepEqual(
    selectNode(affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['c'] }] }, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }]), nodes, new Map()),
    { nodeName: 'node1' },
  );
  assert.ok('unschedulable' in selectNode(affinity([{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }]), nodes, new Map()));
});

test('host ports: a node whose port is taken does not fit; wildcard and specific addresses conflict', () => {
  const nodes = [node('node1'), node('node2')];
  const withPort = (hostPort: number, hostIP?: string, protocol: 'TCP' | 'UDP' = 'TCP') =>
    pod({ containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort, hostIP, protocol }] }] });
  const used = new Map([['node1', [{ ip: '0.0.0.0', protocol: 'TCP', port: 8080 }]]]);
  assert.deepEqual(selectNode(withPort(8080), nodes, new Map([['node2', 5]]), used), { nodeName: 'node2' });
  assert.deepEqual(selectNode(withPort(8080, '172.18.0.11'), nodes, new Map([['node2', 5]]), used), { nodeName: 'node2' });
  assert.deepEqual(selectNode(withPort(8080, undefined, 'UDP'), nodes, new Map([['node2', 5]]), used), { nodeName: 'node1' });
  assert.deepEqual(selectNode(withPort(9090), nodes, new Map([['node2', 5]]), used), { nodeName: 'node1' });
  const full = new Map([...used, ['node2', [{ ip: '172.18.0.12', protocol: 'TCP', port: 8080 }]]]);
  assert.deepEqual(selectNode(withPort(8080), nodes, new Map(), full), {
    unschedulable: "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.",
  });
});

test('a node at its allocatable pods is full', () => {
  const small = node('node1', (n) => (n.status!.allocatable = { pods: '2' }));
  assert.deepEqual(selectNode(pod(), [small, node('node2')], new Map([['node1', 2], ['node2', 7]])), { nodeName: 'node2' });
  assert.deepEqual(selectNode(pod(), [small], new Map([['node1', 2]])), { unschedulable: '0/1 nodes are available: 1 Too many pods.' });
});
