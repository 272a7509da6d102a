import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../../src/api/types.js';
import { hostGwLeaseAnnotations, leaseAnnotations, leaseOf } from '../../../src/overlay/annotations.js';
import { parseBackendType } from '../../../src/overlay/backend.js';
import { desiredHostGwRoutes, diffHostGwRoutes } from '../../../src/overlay/hostgw.js';
import { desiredVxlanState } from '../../../src/overlay/vxlan-desired.js';

const node = (name: string, podCIDR: string | undefined, ann: Record<string, string>): Node =>
  ({ apiVersion: 'v1', kind: 'Node', metadata: { name, annotations: ann }, spec: { podCIDR } });

test('--backend takes vxlan and host-gw; anything else is an error naming the flag', () => {
  assert.equal(parseBackendType('vxlan'), 'vxlan');
  assert.equal(parseBackendType('host-gw'), 'host-gw');
  assert.throws(() => parseBackendType('hostgw'), /^Error: --backend: Unsupported value: "hostgw": supported values: "vxlan", "host-gw"$/);
  assert.throws(() => parseBackendType('udp', 'backend'), /^Error: backend: /);
});

test('host-gw lease annotations: backend-type host-gw, backend-data null (flannel has no BackendData)', () => {
  assert.deepEqual(hostGwLeaseAnnotations('172.18.0.12'), {
    'flannel.alpha.coreos.com/backend-type': 'host-gw',
    'flannel.alpha.coreos.com/backend-data': 'null',
    'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
    'flannel.alpha.coreos.com/public-ip': '172.18.0.12',
  });
});

test('desired host-gw routes: one per other host-gw node via its public IP; not self, not vxlan, not leaseless', () => {
  const leases = [
    node('node1', '10.244.0.0/24', hostGwLeaseAnnotations('172.18.0.11')),
    node('node3', '10.244.2.0/24', hostGwLeaseAnnotations('172.18.0.13')),
    node('node2', '10.244.1.0/24', hostGwLeaseAnnotations('172.18.0.12')),
    node('node4', '10.244.3.0/24', leaseAnnotations('172.18.0.14', 'aa:bb:cc:dd:ee:04')),
    node('node5', undefined, hostGwLeaseAnnotations('172.18.0.15')),
  ].map(leaseOf).filter((l) => l !== undefined);
  assert.deepEqual(desiredHostGwRoutes('node1', '172.18.0.11', leases), [
    { dst: '10.244.1.0/24', via: '172.18.0.12' },
    { dst: '10.244.2.0/24', via: '172.18.0.13' },
  ]);
  // And the vxlan backend ignores host-gw peers.
  assert.deepEqual(desiredVxlanState('node4', leases).routes, []);
});

test('host-gw diff: a gone node and a moved node are removed, missing ones added, converged is empty', () => {
  const want = [{ dst: '10.244.1.0/24', via: '172.18.0.12' }, { dst: '10.244.2.0/24', via: '172.18.0.13' }];
  const have = [{ dst: '10.244.1.0/24', via: '172.18.0.99' }, { dst: '10.244.5.0/24', via: '172.18.0.15' }];
  assert.deepEqual(diffHostGwRoutes(want, have), { add: want, remove: have });
  assert.deepEqual(diffHostGwRoutes(want, want), { add: [], remove: [] });
});

test('FlannelAgent rejects an unknown backend, naming the field', async () => {
  const { FlannelAgent } = await import('../../../src/overlay/flannel.js');
  const { Client } = await import('../../../src/client/client.js');
  const client = new Client({ server: 'http://127.0.0.1:1' });
  const base = { client, nodeName: 'n1', netns: 'x', nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', subnetFile: '/tmp/x' };
  assert.throws(() => new FlannelAgent({ ...base, backend: 'udp' as 'vxlan' }), /^Error: flannel: backend: Unsupported value: "udp"/);
  client.close();
});
