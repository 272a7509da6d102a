import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../../src/api/types.js';
import { leaseAnnotations, leaseOf, parseBackendData } from '../../../src/overlay/annotations.js';
import { desiredVxlanState, diffVxlanState, isEmptyDiff } from '../../../src/overlay/vxlan-desired.js';
import { parseCIDR, parseSubnetEnv, renderSubnetEnv } from '../../../src/overlay/subnet.js';

function makeNode(name: string, podCIDR?: string, ip?: string, mac?: string): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, annotations: ip && mac ? leaseAnnotations(ip, mac) : {} },
    spec: { podCIDR },
  };
}

test('lease annotations carry the vxlan backend data flannel publishes', () => {
  assert.deepEqual(leaseAnnotations('172.18.0.11', 'aa:bb:cc:dd:ee:01'), {
    'flannel.alpha.coreos.com/backend-type': 'vxlan',
    'flannel.alpha.coreos.com/backend-data': '{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:01"}',
    'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
    'flannel.alpha.coreos.com/public-ip': '172.18.0.11',
  });
  assert.equal(parseBackendData('{"VNI":1,"VtepMAC":"AA:BB:CC:DD:EE:01"}')?.VtepMAC, 'aa:bb:cc:dd:ee:01');
  assert.equal(parseBackendData('{"VNI":1,"VtepMAC":"nope"}'), undefined);
  assert.equal(parseBackendData('not json'), undefined);
});

test('desired state: one route, neighbour and FDB entry per other vxlan node', () => {
  const nodes = [
    makeNode('node1', '10.244.0.0/24', '172.18.0.11', 'aa:bb:cc:dd:ee:01'),
    makeNode('node2', '10.244.1.0/24', '172.18.0.12', 'aa:bb:cc:dd:ee:02'),
    makeNode('node3', '10.244.2.0/24', '172.18.0.13', 'aa:bb:cc:dd:ee:03'),
    makeNode('node4', '10.244.3.0/24'), // no annotations yet: not a peer
    makeNode('node5'), // no lease yet
  ];
  const leases = nodes.map(leaseOf).filter((l) => l !== undefined);
  assert.deepEqual(desiredVxlanState('node1', leases), {
    routes: [{ dst: '10.244.1.0/24', via: '10.244.1.0' }, { dst: '10.244.2.0/24', via: '10.244.2.0' }],
    neighs: [{ ip: '10.244.1.0', mac: 'aa:bb:cc:dd:ee:02' }, { ip: '10.244.2.0', mac: 'aa:bb:cc:dd:ee:03' }],
    fdb: [{ mac: 'aa:bb:cc:dd:ee:02', dst: '172.18.0.12' }, { mac: 'aa:bb:cc:dd:ee:03', dst: '172.18.0.13' }],
  });
});

test('a node with another backend type is not programmed', () => {
  const n = makeNode('node2', '10.244.1.0/24', '172.18.0.12', 'aa:bb:cc:dd:ee:02');
  n.metadata!.annotations!['flannel.alpha.coreos.com/backend-type'] = 'host-gw';
  assert.deepEqual(desiredVxlanState('node1', [leaseOf(n)!]).routes, []);
});

test('diff removes what a gone or changed node left, adds what is missing, and is empty when converged', () => {
  const want = desiredVxlanState('node1', [leaseOf(makeNode('node2', '10.244.1.0/24', '172.18.0.12', 'aa:bb:cc:dd:ee:02'))!]);
  const have = {
    routes: [{ dst: '10.244.5.0/24', via: '10.244.5.0' }],
    neighs: [{ ip: '10.244.1.0', mac: 'aa:bb:cc:dd:ee:99' }],
    fdb: [{ mac: 'aa:bb:cc:dd:ee:02', dst: '172.18.0.99' }],
  };
  const d = diffVxlanState(want, have);
  assert.deepEqual(d.remove, have);
  assert.deepEqual(d.add, want);
  assert.ok(isEmptyDiff(diffVxlanState(want, want)));
});

test('subnet.env gives the first IP of the lease and the MTU', () => {
  const text = renderSubnetEnv({ network: '10.244.0.0/16', subnet: '10.244.1.0/24', mtu: 1450, ipMasq: false });
  assert.equal(text, 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n');
  assert.deepEqual(parseSubnetEnv(text), { FLANNEL_NETWORK: '10.244.0.0/16', FLANNEL_SUBNET: '10.244.1.1/24', FLANNEL_MTU: '1450', FLANNEL_IPMASQ: 'false' });
});

test('bad CIDRs are rejected with the field name', () => {
  assert.throws(() => parseCIDR('10.244.0.0', 'spec.podCIDR'), /^Error: spec\.podCIDR: Invalid value "10\.244\.0\.0"/);
  assert.throws(() => parseCIDR('10.244.0.300/24', 'clusterCIDR'), /clusterCIDR: Invalid value/);
  assert.deepEqual(parseCIDR('10.244.1.7/24'), parseCIDR('10.244.1.0/24'));
});

test('ip-masq rules: keep sources inside the pod network, masquerade the rest', async () => {
  const { renderIpMasq } = await import('../../../src/overlay/ip-masq.js');
  const text = renderIpMasq('10.244.0.0/16', '10.244.1.0/24');
  const rules = text.split('\n').filter((l) => l.startsWith('add rule ip flannel-ipv4 postrtg'));
  assert.deepEqual(rules.map((l) => l.replace('add rule ip flannel-ipv4 postrtg ', '')), [
    'meta mark 0x4000 return',
    'ip saddr 10.244.1.0/24 ip daddr 10.244.0.0/16 return',
    'ip saddr 10.244.0.0/16 ip daddr 10.244.1.0/24 return',
    'ip saddr != 10.244.0.0/16 ip daddr 10.244.1.0/24 return',
    'ip saddr 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random',
    'ip saddr != 10.244.0.0/16 ip daddr 10.244.0.0/16 masquerade fully-random',
  ]);
  assert.match(text, /^add table ip flannel-ipv4 \{ comment "rules for flannel-ipv4" ; \}\n/);
  assert.ok(text.indexOf('flush chain ip flannel-ipv4 postrtg') < text.indexOf('add rule ip flannel-ipv4 postrtg'));
});

test('startFlannel rejects bad options naming the field', async () => {
  const { FlannelAgent } = await import('../../../src/overlay/flannel.js');
  const { Client } = await import('../../../src/client/client.js');
  const client = new Client({ server: 'http://127.0.0.1:1' });
  const base = { client, nodeName: 'n1', netns: 'x', nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', subnetFile: '/tmp/x' };
  assert.throws(() => new FlannelAgent({ ...base, clusterCIDR: '10.244.0.0' }), /flannel: clusterCIDR: Invalid value "10\.244\.0\.0"/);
  assert.throws(() => new FlannelAgent({ ...base, nodeIP: 'node1' }), /flannel: nodeIP: Invalid value "node1"/);
  client.close();
});
