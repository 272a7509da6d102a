/**
 * portmap exec'd standalone by a runtime that runs ADDs in parallel (as containerd may): eight
 * processes against one netns must leave one set of top-level jumps and all eight entries
 * (unlocked, one process's chain declaration flushed another's entries); then eight parallel
 * DELs leave no per-attachment rule.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../src/dataplane/exec.js';
import { CniFixture, SHIM_DIR, netnsPath } from '../../helpers/cni-fixture.js';
import { natRules } from '../../helpers/cni-differential.js';

describe('portmap, parallel standalone processes', () => {
  const fx = new CniFixture();
  before(() => fx.setup());
  after(() => fx.teardown());

  it('keeps table nat consistent under 8 parallel ADDs and DELs', async () => {
    const node = await fx.netns('node');
    const call = (command: string, i: number) => {
      const conf = { cniVersion: '1.0.0', name: 'pm', type: 'portmap',
        runtimeConfig: { portMappings: [{ hostPort: 8000 + i, containerPort: 80, protocol: 'tcp' }] },
        prevResult: { cniVersion: '1.0.0', ips: [{ address: `10.245.90.${i + 2}/24` }] } };
      const env = { PATH: process.env.PATH, CNI_COMMAND: command, CNI_CONTAINERID: `c${i}`, CNI_NETNS: netnsPath(node), CNI_IFNAME: 'eth0', CNI_PATH: SHIM_DIR };
      return run('ip', ['netns', 'exec', node, join(SHIM_DIR, 'portmap')], { env, input: JSON.stringify(conf), allowFailure: true });
    };
    const adds = await Promise.all(Array.from({ length: 8 }, (_, i) => call('ADD', i)));
    for (const r of adds) assert.equal(r.code, 0, r.stdout);
    const nat = await natRules(node);
    assert.equal(nat.filter((l) => l.startsWith('-A PREROUTING')).length, 1, nat.join('\n'));
    assert.equal(nat.filter((l) => l.startsWith('-A POSTROUTING')).length, 1, nat.join('\n'));
    assert.equal(nat.filter((l) => l.startsWith('-A CNI-HOSTPORT-DNAT')).length, 8, nat.join('\n'));
    assert.equal(nat.filter((l) => l.startsWith(':CNI-DN-')).length, 8);
    const dels = await Promise.all(Array.from({ length: 8 }, (_, i) => call('DEL', i)));
    for (const r of dels) assert.equal(r.code, 0, r.stdout);
    assert.deepEqual((await natRules(node)).filter((l) => l.includes('CNI-DN-')), []);
  });
});
