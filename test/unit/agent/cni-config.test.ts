import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCniConfig, writeCniConfig } from '../../../src/agent/cni-config.js';

describe('CNI network configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-cni-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is the bridge + host-local conflist over the node pod CIDR', () => {
    assert.deepEqual(renderCniConfig({ podCIDR: '10.244.1.0/24', dataDir: '/r/cni/networks' }), {
      cniVersion: '1.0.0',
      name: 'cbr0',
      plugins: [
        {
          type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true, ipMasq: false, mtu: 1450,
          ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]], dataDir: '/r/cni/networks' },
        },
      ],
    });
  });

  it('writes 10-podnet.conflist and leaves an unchanged file alone', async () => {
    const path = await writeCniConfig(join(dir, 'net.d'), { podCIDR: '10.244.0.0/24', dataDir: '/d' });
    assert.equal(path, join(dir, 'net.d', '10-podnet.conflist'));
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).plugins[0].ipam.ranges[0][0].subnet, '10.244.0.0/24');
    const before = statSync(path).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await writeCniConfig(join(dir, 'net.d'), { podCIDR: '10.244.0.0/24', dataDir: '/d' });
    assert.equal(statSync(path).mtimeMs, before);
  });
});
