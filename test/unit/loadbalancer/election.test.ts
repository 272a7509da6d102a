import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { EndpointSlice, Node, Service } from '../../../src/api/types.js';
import { addressesToAnnounce, announcedIPs, electedNode, electFor, nodeQualifies } from '../../../src/loadbalancer/election.js';

const node = (name: string, ready = true, extra: Partial<Node> = {}): Node => ({
  metadata: { name, ...extra.metadata },
  spec: extra.spec,
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }, ...(extra.status?.conditions ?? [])] },
});
const lb = (name: string, ip: string, extra: Partial<NonNullable<Service['spec']>> = {}): Service => ({
  metadata: { namespace: 'default', name },
  spec: { type: 'LoadBalancer', ...extra },
  status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } },
});
const slice = (svc: string, eps: Array<[string, boolean | undefined]>): EndpointSlice => ({
  metadata: { namespace: 'default', name: `${svc}-x`, labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  endpoints: eps.map(([nodeName, ready], i) => ({ addresses: [`10.244.0.${i + 2}`], nodeName, conditions: ready === undefined ? {} : { ready } })),
});
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('L2 election', () => {
  const nodes = [node('node2'), node('node1'), node('node3', false)];

  it('orders candidates as MetalLB: lowest sha256(node#ip), per address', () => {
    // Worked by hand: sha256("node2#172.18.0.240") = 732aadfb... < sha256("node1#172.18.0.240") = 825b6c57...
    assert.ok(sha('node2#172.18.0.240') < sha('node1#172.18.0.240'));
    assert.equal(electFor('172.18.0.240', ['node1', 'node2']), 'node2');
    // 0afa71be... (node1) < a053d535... (node2)
    assert.equal(electFor('172.18.0.248', ['node2', 'node1']), 'node1');
    assert.equal(electFor('172.18.0.248', []), undefined);
  });

  it('eTP Cluster: any qualifying node; NotReady ones never', () => {
    assert.equal(electedNode(lb('a', '172.18.0.248'), [], nodes), 'node1');
    assert.equal(electedNode(lb('a', '172.18.0.248'), [], [node('node1', false), node('node2')]), 'node2');
    assert.equal(electedNode(lb('a', '172.18.0.248'), [], [node('node1', false)]), undefined);
  });

  it('a node qualifies unless excluded, deleted, tainted for deletion or network-unavailable; cordon does not matter', () => {
    assert.equal(nodeQualifies(node('n')), true);
    assert.equal(nodeQualifies(node('n', true, { spec: { unschedulable: true } })), true, 'cordoned nodes still announce (as upstream)');
    assert.equal(nodeQualifies(node('n', true, { metadata: { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } })), false);
    assert.equal(nodeQualifies(node('n', true, { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } })), false);
    assert.equal(nodeQualifies(node('n', true, { spec: { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', effect: 'NoSchedule' }] } })), false);
    assert.equal(nodeQualifies(node('n', true, { status: { conditions: [{ type: 'NetworkUnavailable', status: 'True' }] } })), false);
    assert.equal(nodeQualifies(node('n', true, { status: { conditions: [{ type: 'NetworkUnavailable', status: 'False' }] } })), true);
    assert.equal(nodeQualifies({ metadata: { name: 'n' } }), false, 'no Ready condition: not (yet) alive');
    const excluded = node('node1', true, { metadata: { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' } } });
    assert.equal(electedNode(lb('a', '172.18.0.248'), [], [excluded, node('node2')]), 'node2', 'failover when the elected node is excluded');
  });

  it('eTP Local: only nodes with a ready endpoint qualify (nil ready counts as ready)', () => {
    const svc = lb('a', '172.18.0.248', { externalTrafficPolicy: 'Local' });
    assert.equal(electedNode(svc, [slice('a', [['node1', false], ['node2', undefined]])], nodes), 'node2');
    assert.equal(electedNode(svc, [slice('a', [['node1', false]])], nodes), undefined);
    assert.equal(electedNode(svc, [slice('other', [['node1', true]])], nodes), undefined);
  });

  it('skips other classes and ipMode Proxy, and collects per node and per address', () => {
    assert.deepEqual(announcedIPs(lb('a', '1.2.3.4', { loadBalancerClass: 'example.com/other' })), []);
    assert.deepEqual(announcedIPs(lb('a', '1.2.3.4', { loadBalancerClass: 'podnet.io/service-lb' })), ['1.2.3.4']);
    const proxied: Service = { ...lb('a', '1.2.3.4'), status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'Proxy' }] } } };
    assert.deepEqual(announcedIPs(proxied), []);
    assert.deepEqual(announcedIPs({ ...lb('a', '1.2.3.4'), spec: { type: 'ClusterIP' } }), []);
    const services = [lb('b', '172.18.0.240'), lb('a', '172.18.0.248'), lb('c', '172.18.0.242', { externalTrafficPolicy: 'Local' })];
    const slices = [slice('c', [['node1', true]])];
    assert.deepEqual(addressesToAnnounce('node1', services, slices, nodes), ['172.18.0.242', '172.18.0.248']);
    assert.deepEqual(addressesToAnnounce('node2', services, slices, nodes), ['172.18.0.240']);
  });
});
