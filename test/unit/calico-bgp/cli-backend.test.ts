/**
 * The bgp backend in the CLI and the cluster config: the flag's values and error, when a node
 * counts as joined on each backend, and how logs and status name the backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../../src/api/types.js';
import { CLUSTER_BACKENDS, parseClusterBackend } from '../../../src/cluster/config.js';
import { backendLabel, nodeJoined } from '../../../src/cli/up-down.js';
import { IPV4_ADDRESS_ANNOTATION } from '../../../src/calico/node/index.js';
import { leftovers, podnet, uniqueName } from '../../helpers/cluster.js';

const node = (o: { ready?: boolean; podCIDR?: string; bgpAddress?: string }): Node => ({
  metadata: { name: 'node1', annotations: o.bgpAddress ? { [IPV4_ADDRESS_ANNOTATION]: o.bgpAddress } : {} },
  spec: o.podCIDR ? { podCIDR: o.podCIDR } : {},
  status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});

test('--backend takes vxlan, host-gw and bgp; anything else is refused naming the field', () => {
  assert.deepEqual([...CLUSTER_BACKENDS], ['vxlan', 'host-gw', 'bgp']);
  assert.equal(parseClusterBackend('bgp'), 'bgp');
  assert.throws(() => parseClusterBackend('calico', 'backend'), { message: 'backend: Unsupported value: "calico": supported values: "vxlan", "host-gw", "bgp"' });
});

test('a node has joined when Ready and, on flannel, with a pod CIDR; on bgp, in the BGP mesh', () => {
  assert.equal(nodeJoined(node({ podCIDR: '10.244.0.0/24' }), 'vxlan'), true);
  assert.equal(nodeJoined(node({}), 'host-gw'), false);
  assert.equal(nodeJoined(node({}), 'bgp'), false, 'no calico-node address yet');
  assert.equal(nodeJoined(node({ bgpAddress: '172.18.0.11/16' }), 'bgp'), true);
  assert.equal(nodeJoined(node({ bgpAddress: '172.18.0.11/16', ready: false }), 'bgp'), false);
  assert.equal(nodeJoined(node({ podCIDR: '10.244.0.0/24' }), undefined), true, 'an older cluster.json without backend is vxlan');
});

test('logs name who carries pods across nodes', () => {
  assert.equal(backendLabel('bgp'), 'calico backend bgp');
  assert.equal(backendLabel('host-gw'), 'flannel backend host-gw');
  assert.equal(backendLabel(undefined), 'flannel backend vxlan');
});

test('podnet up --backend with an unknown value fails before anything is built; help lists bgp', () => {
  const name = uniqueName('u');
  const r = podnet(['up', '--name', name, '--backend', 'calico'], 30_000);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'podnet: --backend: Unsupported value: "calico": supported values: "vxlan", "host-gw", "bgp"\n');
  assert.deepEqual(leftovers(name), []);
  assert.match(podnet(['--help'], 30_000).stdout, /--backend vxlan\|host-gw\|bgp/);
});
