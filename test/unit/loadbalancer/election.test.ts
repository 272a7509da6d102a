import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Node, Service } from '../../../src/api/types.js';
import { addressesToAnnounce, announcedIPs, electedNode } from '../../../src/loadbalancer/election.js';

const node = (name: string, ready = true): Node => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
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

describe('L2 election', () => {
  const nodes = [node('node2'), node('node1'), node('node3', false)];

  it('eTP Cluster: the lowest-named Ready node announces', () => {
    assert.equal(electedNode(lb('a', '172.18.0.240'), [], nodes), 'node1');
    assert.equal(electedNode(lb('a', '172.18.0.240'), [], [node('node1', false), node('node2')]), 'node2');
  });

  it('eTP Local: only nodes with a ready endpoint qualify (nil ready counts as ready)', () => {
    const svc = lb('a', '172.18.0.240', { externalTrafficPolicy: 'Local' });
    assert.equal(electedNode(svc, [slice('a', [['node1', false], ['node2', undefined]])], nodes), 'node2');
    assert.equal(electedNode(svc, [slice('a', [['node1', false]])], nodes), undefined);
    assert.equal(electedNode(svc, [slice('other', [['node1', true]])], nodes), undefined);
  });

  it('skips other classes and ipMode Proxy, and collects per node', () => {
    assert.deepEqual(announcedIPs(lb('a', '1.2.3.4', { loadBalancerClass: 'example.com/other' })), []);
    assert.deepEqual(announcedIPs(lb('a', '1.2.3.4', { loadBalancerClass: 'podnet.io/service-lb' })), ['1.2.3.4']);
    const proxied: Service = { ...lb('a', '1.2.3.4'), status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'Proxy' }] } } };
    assert.deepEqual(announcedIPs(proxied), []);
    assert.deepEqual(announcedIPs({ ...lb('a', '1.2.3.4'), spec: { type: 'ClusterIP' } }), []);
    const services = [lb('b', '172.18.0.241'), lb('a', '172.18.0.240'), lb('c', '172.18.0.242', { externalTrafficPolicy: 'Local' })];
    const slices = [slice('c', [['node2', true]])];
    assert.deepEqual(addressesToAnnounce('node1', services, slices, nodes), ['172.18.0.240', '172.18.0.241']);
    assert.deepEqual(addressesToAnnounce('node2', services, slices, nodes), ['172.18.0.242']);
  });
});
