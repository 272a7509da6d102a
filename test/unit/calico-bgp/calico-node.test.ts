/**
 * calico-node's pure parts: who is in the mesh (Nodes with projectcalico.org/IPv4Address),
 * which Node updates matter, `birdc show protocols` parsing, and the natOutgoing nft text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../../src/api/types.js';
import { parseProtocols } from '../../../src/calico/bgp/index.js';
import { IPV4_ADDRESS_ANNOTATION, bgpAddressOf, ipv4AddressAnnotation, meshKey, meshPeers, renderNatOutgoing } from '../../../src/calico/node/index.js';

/** A Node built from what matters here: its published address, deletion, a Ready heartbeat. */
const makeNode = (name: string, o: { address?: string; deleting?: boolean; ready?: boolean } = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name,
    annotations: o.address ? { [IPV4_ADDRESS_ANNOTATION]: o.address } : {},
    ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  ...(o.ready ? { status: { conditions: [{ type: 'Ready', status: 'True' }] } } : {}),
});

test('the mesh is every Node whose calico-node published an address, minus Nodes being deleted', () => {
  const nodes = [
    makeNode('node3', { address: '172.18.0.13/16' }),
    makeNode('node1', { address: '172.18.0.11/16' }),
    makeNode('node2'),
    makeNode('node4', { address: '172.18.0.14/16', deleting: true }),
    makeNode('node5', { address: 'garbage' }),
  ];
  assert.deepEqual(meshPeers(nodes), [{ name: 'node1', ip: '172.18.0.11' }, { name: 'node3', ip: '172.18.0.13' }]);
  assert.equal(bgpAddressOf(nodes[2]), undefined);
});

test('the published value is <node IP>/<node network length>, as calico-node writes it', () => {
  assert.equal(ipv4AddressAnnotation('172.18.0.11', '172.18.0.0/16'), '172.18.0.11/16');
});

test('only an address change or a deletion changes the mesh key (heartbeats do not)', () => {
  const a = makeNode('node1', { address: '172.18.0.11/16' });
  const heartbeat = makeNode('node1', { address: '172.18.0.11/16', ready: true });
  assert.equal(meshKey(a), meshKey(heartbeat));
  assert.notEqual(meshKey(a), meshKey(makeNode('node1', { address: '172.18.0.21/16' })));
  assert.notEqual(meshKey(a), meshKey(makeNode('node1', { address: '172.18.0.11/16', deleting: true })));
});

test('birdc show protocols parses into name, protocol, state and info', () => {
  const text = [
    'BIRD 2.0.12 ready.',
    'Name       Proto      Table      State  Since         Info',
    'kernel1    Kernel     master4    up     00:50:59.432  ',
    'static1    Static     master4    up     00:50:59.432  ',
    'Mesh_172_18_0_12 BGP        ---        up     00:51:01.212  Established   ',
    'Mesh_172_18_0_13 BGP        ---        start  00:51:01.212  Active        Socket: Connection refused',
    '',
  ].join('\n');
  assert.deepEqual(parseProtocols(text), [
    { name: 'kernel1', proto: 'Kernel', state: 'up', info: '' },
    { name: 'static1', proto: 'Static', state: 'up', info: '' },
    { name: 'Mesh_172_18_0_12', proto: 'BGP', state: 'up', info: 'Established' },
    { name: 'Mesh_172_18_0_13', proto: 'BGP', state: 'start', info: 'Active        Socket: Connection refused' },
  ]);
});

test('natOutgoing masquerades pool traffic leaving every pool, and nothing else (Felix cali-nat-outgoing)', () => {
  assert.equal(
    renderNatOutgoing(['10.244.0.0/16'], ['10.244.0.0/16']),
    [
      'add table ip calico { comment "podnet calico-node: Felix natOutgoing" ; }',
      'add set ip calico masq-ipam-pools { type ipv4_addr ; flags interval ; comment "cali40masq-ipam-pools" ; }',
      'flush set ip calico masq-ipam-pools',
      'add set ip calico all-ipam-pools { type ipv4_addr ; flags interval ; comment "cali40all-ipam-pools" ; }',
      'flush set ip calico all-ipam-pools',
      'add element ip calico masq-ipam-pools { 10.244.0.0/16 }',
      'add element ip calico all-ipam-pools { 10.244.0.0/16 }',
      'add chain ip calico nat-postrouting { type nat hook postrouting priority srcnat ; }',
      'flush chain ip calico nat-postrouting',
      'add chain ip calico cali-nat-outgoing',
      'flush chain ip calico cali-nat-outgoing',
      'add rule ip calico nat-postrouting jump cali-nat-outgoing',
      'add rule ip calico cali-nat-outgoing ip saddr @masq-ipam-pools ip daddr != @all-ipam-pools masquerade fully-random',
      '',
    ].join('\n'),
  );
  // A pool without natOutgoing: no element in the masquerade set, so nothing is masqueraded.
  assert.doesNotMatch(renderNatOutgoing([], ['10.244.0.0/16']), /add element ip calico masq-ipam-pools/);
});
