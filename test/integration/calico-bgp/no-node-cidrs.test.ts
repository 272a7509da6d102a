/**
 * The controllers with allocateNodeCIDRs: false (kube-controller-manager's
 * --allocate-node-cidrs=false, as Calico clusters run it) leave Nodes without spec.podCIDR,
 * while the default still allocates one; the other controllers run either way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Node } from '../../../src/api/types.js';
import { startControllers } from '../../../src/controllers/index.js';
import { startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';
import { eventually } from '../../helpers/eventually.js';

let api: TestApi;
before(async () => {
  api = await startTestApi('no-node-cidrs-test');
});
after(async () => {
  await api?.close();
});

const podCIDRof = async (name: string) => (await api.client.get<Node & KubeObject>('nodes', undefined, name)).spec?.podCIDR;

test('allocateNodeCIDRs: false leaves a new Node without a pod CIDR; the default gives it one', async () => {
  const off = await startControllers(api.client, { clusterCIDR: '10.244.0.0/16', allocateNodeCIDRs: false });
  try {
    await api.client.create<Node & KubeObject>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'calico1' } });
    // The node IPAM controller, when running, answers within a few hundred ms: wait well past that.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await podCIDRof('calico1'), undefined);
  } finally {
    off.stop();
  }
  const on = await startControllers(api.client, { clusterCIDR: '10.244.0.0/16' });
  try {
    assert.equal(await eventually('a pod CIDR from the default controllers', () => podCIDRof('calico1')), '10.244.0.0/24');
  } finally {
    on.stop();
  }
});
