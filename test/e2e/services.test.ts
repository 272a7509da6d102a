/**
 * End to end: the Service matrix (test/helpers/service-matrix.ts) in the default nftables proxy
 * mode: every Service shape and traffic policy on one real 2-node cluster, from pods on both
 * nodes, from a node itself, from the outside host and across nodes.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { KUBE_PROXY_EXPECTATIONS, serviceMatrix } from '../helpers/service-matrix.js';

serviceMatrix('nftables', { ...KUBE_PROXY_EXPECTATIONS, localhostNodePorts: false }, (c) => {
  it('programs the nftables table ip kube-proxy on every node, no iptables KUBE-* chains', () => {
    for (const node of ['node1', 'node2']) {
      const table = c.onHost(node, 'nft list table ip kube-proxy');
      assert.equal(table.status, 0, `${node} should hold table ip kube-proxy: ${table.stderr}`);
      assert.match(table.stdout, /chain service-[A-Z2-7]{8}-default\/echo\/tcp\/http \{/, 'the hashed chain of default/echo:http');
      assert.doesNotMatch(c.onHost(node, 'iptables-save -t nat').stdout, /KUBE-SERVICES/, `${node} should have no iptables-mode chains`);
    }
  });
});
