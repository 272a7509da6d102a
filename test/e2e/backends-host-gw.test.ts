/**
 * End to end: the pod network principles and egress on the flannel host-gw backend, and host-gw
 * routes following a node that joins and leaves (`podnet node add|remove`), timed.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { podnet } from '../helpers/cluster.js';
import { backendPrinciples } from '../helpers/overlay-backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until true; returns the milliseconds it took. */
async function timeUntil(what: string, limitMs: number, check: () => boolean): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > limitMs) assert.fail(`${what}: not within ${limitMs} ms`);
    await sleep(100);
  }
  return Date.now() - t0;
}

backendPrinciples('host-gw', ({ name, exec, podCIDR, kubectl }) => {
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

  it('routes follow a node that joins and leaves (podnet node add|remove), within a bounded time', async (t) => {
    const add = podnet(['node', 'add', '--name', name, 'node3'], 120_000);
    assert.equal(add.status, 0, `node add failed: ${add.stderr}${add.stdout}`);
    const cidr = podCIDR('node3');
    const route = () => exec(['--node', 'node1', '--', 'ip', 'route', 'show', cidr]);
    const joinMs = await timeUntil('node1 routes node3', 10_000, () => route() === `${cidr} via 172.18.0.13 dev eth0`);
    assert.equal(exec(['--node', 'node3', '--', 'ip', 'route', 'show', podCIDR('node1')]), `${podCIDR('node1')} via 172.18.0.11 dev eth0`);
    const rm = podnet(['node', 'remove', '--name', name, 'node3'], 120_000);
    assert.equal(rm.status, 0, `node remove failed: ${rm.stderr}${rm.stdout}`);
    const leaveMs = await timeUntil('node1 drops node3', 10_000, () => route() === '');
    t.diagnostic(`host-gw route to node3 on node1: ${joinMs} ms after node add returned, gone ${leaveMs} ms after node remove returned`);
    assert.match(kubectl().ok(['get', 'nodes', '-o', 'name']), /^node\/node1\nnode\/node2\n$/);
  });
});
