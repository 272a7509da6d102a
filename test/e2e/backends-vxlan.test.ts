/** End to end: the pod network principles and egress on the flannel vxlan backend. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { backendPrinciples } from '../helpers/overlay-backends.js';

backendPrinciples('vxlan', ({ exec, podCIDR, kubectl }) => {
  it('the lease is in the API: spec.podCIDR plus flannel\'s annotations (kube subnet manager)', () => {
    const ann = JSON.parse(kubectl().ok(['get', 'node', 'node1', '-o', 'jsonpath={.metadata.annotations}'])) as Record<string, string>;
    assert.equal(ann['flannel.alpha.coreos.com/backend-type'], 'vxlan');
    assert.equal(ann['flannel.alpha.coreos.com/kube-subnet-manager'], 'true');
    assert.equal(ann['flannel.alpha.coreos.com/public-ip'], '172.18.0.11');
  });


  it('pod traffic to the other node crosses flannel.1 (route via the peer lease network address, onlink)', () => {
    const cidr = podCIDR('node2');
    const route = exec(['--node', 'node1', '--', 'ip', 'route', 'show', cidr]);
    assert.equal(route, `${cidr} via ${cidr.split('/')[0]} dev flannel.1 onlink`);
  });
});
