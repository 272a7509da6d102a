/**
 * End to end: the Service matrix (test/helpers/service-matrix.ts) in kube-proxy's iptables mode
 * (`podnet up --proxy-mode iptables`), plus what only this mode has: the KUBE-* chains with
 * kube-proxy's hashed names in each node's netns (iptables-nft), and NodePorts on 127.0.0.1
 * (iptables.localhostNodePorts, upstream's default).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { KUBE_PROXY_EXPECTATIONS, serviceMatrix } from '../helpers/service-matrix.js';

serviceMatrix('iptables', { ...KUBE_PROXY_EXPECTATIONS, localhostNodePorts: true }, (c) => {
  it('programs KUBE-* chains with kube-proxy\'s hashed names on every node, no nftables kube-proxy table', () => {
    for (const node of ['node1', 'node2']) {
      const nat = c.onHost(node, 'iptables-save -t nat').stdout;
      // The well-known chain names of kube-dns:dns/udp and kubernetes:https on real clusters.
      assert.match(nat, /^:KUBE-SVC-TCOU7JCQXEZGVUNU /m, `${node}: the chain of kube-system/kube-dns:dns`);
      assert.match(nat, /^:KUBE-SVC-NPX46M4PTMTKRN6Y /m, `${node}: the chain of default/kubernetes:https`);
      assert.match(nat, /^-A KUBE-SERVICES .* -j KUBE-NODEPORTS$/m, `${node}: the NodePort jump, last in KUBE-SERVICES`);
      assert.doesNotMatch(c.onHost(node, 'nft list tables').stdout, /kube-proxy/, `${node} should have no nftables kube-proxy table`);
    }
  });

  it('localhost NodePorts: route_localnet on, and KUBE-FIREWALL drops martian packets to 127.0.0.0/8', () => {
    for (const node of ['node1', 'node2']) {
      assert.equal(c.onHost(node, 'sysctl -n net.ipv4.conf.all.route_localnet').stdout.trim(), '1', `${node}: route_localnet`);
      const filter = c.onHost(node, 'iptables-save -t filter').stdout;
      assert.match(filter, /^-A KUBE-FIREWALL ! -s 127\.0\.0\.0\/8 -d 127\.0\.0\.0\/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP$/m, `${node}: the CVE-2020-8558 rule`);
      const firstInput = filter.split('\n').find((l) => l.startsWith('-A INPUT '));
      assert.equal(firstInput, '-A INPUT -j KUBE-FIREWALL', `${node}: INPUT's first rule should jump to KUBE-FIREWALL`);
      assert.match(filter, /^-A OUTPUT -j KUBE-FIREWALL$/m, `${node}: OUTPUT jumps to KUBE-FIREWALL`);
    }
  });
});
