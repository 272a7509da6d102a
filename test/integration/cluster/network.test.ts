/**
 * The machines of a cluster: underlay bridge, control plane, nodes and the outside host, each a
 * namespace of its own, reach one another on the node network; removal leaves nothing.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { newClusterConfig } from '../../../src/cluster/config.js';
import { createClusterNetwork, removeClusterNetwork } from '../../../src/cluster/network.js';
import { run } from '../../../src/dataplane/exec.js';
import { leftovers, uniqueName } from '../../helpers/cluster.js';

describe('cluster network', () => {
  const cfg = newClusterConfig(uniqueName('n'), 2, 0, 'unused');

  after(async () => {
    await removeClusterNetwork(cfg.name);
    assert.deepEqual(leftovers(cfg.name), []);
  });

  it('connects every machine on the node network', async () => {
    await createClusterNetwork(cfg);
    const from = cfg.outside.netns;
    for (const m of [cfg.controlPlane, ...cfg.nodes]) {
      const r = await run('ip', ['netns', 'exec', from, 'ping', '-c', '1', '-W', '2', m.ip]);
      assert.match(r.stdout, /1 received/, `outside cannot reach ${m.name} (${m.ip})`);
    }
    const fwd = await run('ip', ['netns', 'exec', cfg.nodes[0].netns, 'sysctl', '-n', 'net.ipv4.ip_forward']);
    assert.equal(fwd.stdout.trim(), '1');
  });

  it('creates no link in the host namespace', async () => {
    const r = await run('ip', ['-j', 'link', 'show']);
    const names = (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
    assert.ok(!names.some((n) => n.startsWith('v-') || n === 'br0'), `host links: ${names.join(' ')}`);
  });

  it('removes every namespace on teardown', async () => {
    await removeClusterNetwork(cfg.name);
    assert.deepEqual(leftovers(cfg.name), []);
  });
});
