import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCniConfig, writeCniConfig } from '../../../src/agent/cni-config.js';
import { portMappings } from '../../../src/agent/pod-network.js';

describe('CNI network configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-cni-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is the bridge + host-local conflist over the node pod CIDR', () => {
    assert.deepEqual(renderCniConfig({ podCIDR: '10.244.1.0/24', dataDir: '/r/cni/networks' }), {
      cniVersion: '1.1.0',
      name: 'cbr0',
      plugins: [
        {
          type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true, ipMasq: false, mtu: 1450,
          ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]], dataDir: '/r/cni/networks' },
        },
      ],
    });
  });

  it('chains portmap for hostPort when the node has the plugin', () => {
    const conf = renderCniConfig({ podCIDR: '10.244.1.0/24', dataDir: '/d', portmap: true }) as { plugins: { type: string; capabilities?: unknown }[] };
    assert.deepEqual(conf.plugins.map((p) => p.type), ['bridge', 'portmap']);
    assert.deepEqual(conf.plugins[1].capabilities, { portMappings: true });
  });

  it('hands hostPorts to CNI as portMappings, protocol in lower case', () => {
    const pod = { spec: { containers: [
      { name: 'a', ports: [{ containerPort: 8000, hostPort: 8000 }, { containerPort: 53, protocol: 'UDP', hostPort: 5353, hostIP: '172.18.0.11' }, { containerPort: 80 }] },
    ] } };
    assert.deepEqual(portMappings(pod), [
      { hostPort: 8000, containerPort: 8000, protocol: 'tcp' },
      { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '172.18.0.11' },
    ]);
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
