import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { kubeconfigText, newClusterConfig, validateClusterName } from '../../../src/cluster/config.js';
import { kubeconfigToClientConfig } from '../../../src/client/client.js';
import { underlayPort } from '../../../src/cluster/network.js';

describe('cluster config', () => {
  it('lays out nodes, control plane and outside on the node network', () => {
    const cfg = newClusterConfig('demo', 3, 6443, 'tok');
    assert.deepEqual(cfg.nodes.map((n) => [n.name, n.netns, n.ip]), [
      ['node1', 'demo-node1', '172.18.0.11'],
      ['node2', 'demo-node2', '172.18.0.12'],
      ['node3', 'demo-node3', '172.18.0.13'],
    ]);
    assert.equal(cfg.controlPlane.ip, '172.18.0.2');
    assert.equal(cfg.outside.netns, 'demo-outside');
    for (const m of [cfg.controlPlane, cfg.outside, ...cfg.nodes]) assert.ok(underlayPort(m).length <= 15);
  });

  it('rejects names that cannot prefix namespaces, naming the flag', () => {
    for (const bad of ['', 'Demo', '1abc', 'a-b', 'abcdefghijk', 'a/b']) {
      assert.throws(() => validateClusterName(bad), /^Error: --name: Invalid value/);
    }
    assert.throws(() => newClusterConfig('ok', 0, 1, 't'), /--nodes: Invalid value 0/);
  });

  it('writes a kubeconfig that kubectl and the client read alike', () => {
    const cfg = newClusterConfig('demo', 2, 7000, 's3cret');
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const text = kubeconfigText(cfg, ca);
    const kc = parse(text);
    assert.equal(kc['current-context'], 'podnet-demo');
    assert.deepEqual(kubeconfigToClientConfig(text), {
      server: 'https://127.0.0.1:7000',
      token: 's3cret',
      ca,
      insecureSkipTLSVerify: undefined,
    });
  });
});
