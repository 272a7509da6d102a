import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newClusterConfig } from '../../../src/cluster/config.js';
import { newNodeMachine, nextNodeIP, nextNodeName, validateNodeName } from '../../../src/cluster/node-machine.js';

describe('a joining node: name and address', () => {
  it('takes the next node<i> at 172.18.0.<10+i>, reusing a freed name', () => {
    const cfg = newClusterConfig('c', 2, 6443, 't');
    assert.deepEqual(newNodeMachine(cfg), { name: 'node3', netns: 'c-node3', ip: '172.18.0.13' });
    cfg.nodes = cfg.nodes.filter((n) => n.name !== 'node1');
    assert.equal(nextNodeName(cfg), 'node1');
    assert.equal(nextNodeIP(cfg, 'node1'), '172.18.0.11');
  });

  it('gives a custom name the first free address, never a reserved one', () => {
    const cfg = newClusterConfig('c', 3, 6443, 't');
    assert.equal(nextNodeIP(cfg, 'worker-a'), '172.18.0.14');
    cfg.nodes.push({ name: 'x', netns: 'c-x', ip: '172.18.0.14' });
    assert.equal(nextNodeIP(cfg, 'worker-b'), '172.18.0.15');
    // node190 would be .200 (the outside host): it gets the first free one instead.
    assert.equal(nextNodeIP(cfg, 'node190'), '172.18.0.15');
    assert.equal(nextNodeIP(cfg, 'node240'), '172.18.0.15', 'not in the LB pool');
  });

  it('fails when the node network is full', () => {
    const cfg = newClusterConfig('c', 200, 6443, 't');
    cfg.nodes.push(...Array.from({ length: 29 }, (_, i) => ({ name: `w${i}`, netns: `c-w${i}`, ip: `172.18.0.${211 + i}` })));
    assert.throws(() => nextNodeIP(cfg, 'late'), /no free node address left/);
  });

  it('rejects names that cannot name a node namespace or port, naming the argument', () => {
    for (const bad of ['Node3', '3node', 'node_3', 'a-', 'abcdefghijklmn', '', 'control-plane', 'outside', 'underlay', 'pod-x']) {
      assert.throws(() => validateNodeName(bad), /^Error: <node-name>: Invalid value/, bad);
    }
    for (const good of ['node3', 'w', 'worker-1', 'abcdefghijklm']) validateNodeName(good);
    const cfg = newClusterConfig('c', 2, 6443, 't');
    assert.throws(() => newNodeMachine(cfg, 'node2'), /<node-name>: Invalid value "node2": cluster "c" already has a node/);
  });
});
