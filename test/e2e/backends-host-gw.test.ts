/** End to end: the pod network principles and egress on the flannel host-gw backend. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { backendPrinciples } from '../helpers/overlay-backends.js';

backendPrinciples('host-gw', ({ exec, podCIDR, kubectl }) => {
  it('the lease is in the API: spec.podCIDR plus flannel\'s annotations (kube subnet manager)', () => {
    const ann = JSON.parse(kubectl().ok(['get', 'node', 'node1', '-o', 'jsonpath={.metadata.annotations}'])) as Record<string, string>;
    assert.equal(ann['flannel.alpha.coreos.com/backend-type'], 'host-gw');
    assert.equal(ann['flannel.alpha.coreos.com/kube-subnet-manager'], 'true');
    assert.equal(ann['flannel.alpha.coreos.com/public-ip'], '172.18.0.11');
  });


  it('no flannel.1; each node routes the other node\'s pod CIDR via its node IP on eth0', () => {
    assert.equal(exec(['--node', 'node1', '--', 'ip', '-o', 'link', 'show', 'type', 'vxlan']), '');
    assert.equal(exec(['--node', 'node1', '--', 'ip', 'route', 'show', podCIDR('node2')]), `${podCIDR('node2')} via 172.18.0.12 dev eth0`);
    assert.equal(exec(['--node', 'node2', '--', 'ip', 'route', 'show', podCIDR('node1')]), `${podCIDR('node1')} via 172.18.0.11 dev eth0`);
  });
});
