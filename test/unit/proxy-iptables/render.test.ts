/** renderIptables against kube-proxy v1.35 iptables-mode facts (names, probabilities, rule order). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../../src/api/types.js';
import { renderIptables } from '../../../src/proxy/iptables/render.js';
import { clusterPolicyChain, endpointChain, probability } from '../../../src/proxy/iptables/chain-names.js';
import { clusterIP, makeService, makeSlice, port } from '../proxy/fixtures.js';

const OPTS = { nodeName: 'node1', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8', randomFully: false };

/** `table/chain` -> its `-A` lines in order (upstream's tests compare chains this way). */
function chains(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let table = '';
  for (const line of text.trim().split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    const decl = line.match(/^:(\S+) - \[0:0\]$/);
    if (decl) out.set(`${table}/${decl[1]}`, out.get(`${table}/${decl[1]}`) ?? []);
    const rule = line.match(/^-A (\S+) /);
    if (rule) out.get(`${table}/${rule[1]}`)!.push(line);
  }
  return out;
}

const nodePort = (np: number) => (s: Service) => { s.spec!.type = 'NodePort'; s.spec!.ports![0].nodePort = np; };

describe('iptables chain names', () => {
  it('hash spn + proto (+ endpoint) as upstream', () => {
    const sp = { spn: 'ns1/svc1:p80', protocol: 'tcp' };
    assert.equal(clusterPolicyChain(sp), 'KUBE-SVC-XPGD46QRK7WJZT7O');
    assert.equal(endpointChain(sp, '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
    assert.equal(clusterPolicyChain({ spn: 'kube-system/kube-dns:dns', protocol: 'udp' }), 'KUBE-SVC-TCOU7JCQXEZGVUNU');
    assert.equal(clusterPolicyChain({ spn: 'default/kubernetes:https', protocol: 'tcp' }), 'KUBE-SVC-NPX46M4PTMTKRN6Y');
    assert.equal(endpointChain({ spn: 'ns4/svc4:p80', protocol: 'tcp' }, '10.180.0.5:80'), 'KUBE-SEP-C6EBXVWJJZMIWKLZ');
  });
  it('formats probabilities as Go %0.10f (half-to-even at n=2048)', () => {
    assert.equal(probability(2), '0.5000000000');
    assert.equal(probability(3), '0.3333333333');
    assert.equal(probability(7), '0.1428571429');
    assert.equal(probability(1024), '0.0009765625');
    assert.equal(probability(2048), '0.0004882812');
    assert.equal(probability(4096), '0.0002441406');
  });
});

describe('renderIptables', () => {
  it('renders a ClusterIP service with one endpoint exactly as kube-proxy', () => {
    const text = renderIptables(
      [makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'))],
      [makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }])],
      OPTS,
    );
    const c = chains(text);
    assert.deepEqual(c.get('nat/KUBE-SERVICES'), [
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      // Localhost NodePorts on (upstream's default): 127.0.0.0/8 is not excluded.
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    ]);
    assert.deepEqual(c.get('nat/KUBE-SVC-XPGD46QRK7WJZT7O'), [
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
    ]);
    assert.deepEqual(c.get('nat/KUBE-SEP-SXIVWICOYRO3J4NJ'), [
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
    ]);
    assert.deepEqual(c.get('nat/KUBE-POSTROUTING'), [
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
    ]);
    assert.deepEqual(c.get('nat/KUBE-MARK-MASQ'), ['-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000']);
    assert.deepEqual(c.get('filter/KUBE-FORWARD'), [
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ]);
    assert.match(text, /^\*filter\n[\s\S]*\nCOMMIT\n\*nat\n[\s\S]*\nCOMMIT\n$/);
    for (const empty of ['filter/KUBE-SERVICES', 'filter/KUBE-EXTERNAL-SERVICES', 'filter/KUBE-NODEPORTS', 'filter/KUBE-PROXY-FIREWALL', 'nat/KUBE-NODEPORTS']) {
      assert.deepEqual(c.get(empty), [], empty);
    }
  });

  it('splits N endpoints with probabilities 1/N, 1/(N-1), ... in ip:port string order', () => {
    const ips = ['10.180.0.2', '10.180.0.10', '10.180.0.3', '10.180.0.4'];
    const text = renderIptables(
      [makeService('ns4', 'svc4', clusterIP('172.30.0.44'), port(80, 'p80'))],
      [makeSlice('ns4', 'svc4', [{ name: 'p80', port: 80 }], ips.map((ip) => ({ ip })))],
      OPTS,
    );
    const sp = { spn: 'ns4/svc4:p80', protocol: 'tcp' };
    const rules = chains(text).get(`nat/${clusterPolicyChain(sp)}`)!.slice(1);
    const order = ['10.180.0.10:80', '10.180.0.2:80', '10.180.0.3:80', '10.180.0.4:80'];
    const probs = ['0.2500000000', '0.3333333333', '0.5000000000'];
    assert.deepEqual(rules, order.map((ep, i) =>
      `-A ${clusterPolicyChain(sp)} -m comment --comment "ns4/svc4:p80 -> ${ep}" ` +
      (i < 3 ? `-m statistic --mode random --probability ${probs[i]} ` : '') + `-j ${endpointChain(sp, ep)}`));
  });

  it('rejects a service without endpoints in filter and writes no nat chain for it', () => {
    const text = renderIptables([makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'), nodePort(3001))], [], OPTS);
    const c = chains(text);
    assert.deepEqual(c.get('filter/KUBE-SERVICES'), [
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT',
    ]);
    assert.deepEqual(c.get('filter/KUBE-EXTERNAL-SERVICES'), [
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j REJECT',
    ]);
    assert.ok(![...c.keys()].some((k) => /KUBE-(SVC|SEP|EXT)-/.test(k)), text);
  });

  it('writes NodePort, external-chain masquerade and ClientIP affinity with -m recent', () => {
    const svc = makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'), nodePort(3001), (s) => {
      s.spec!.sessionAffinity = 'ClientIP';
      s.spec!.sessionAffinityConfig = { clientIP: { timeoutSeconds: 600 } };
    });
    const text = renderIptables([svc], [makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }])], OPTS);
    const c = chains(text);
    assert.deepEqual(c.get('nat/KUBE-NODEPORTS'), ['-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-XPGD46QRK7WJZT7O']);
    assert.deepEqual(c.get('nat/KUBE-EXT-XPGD46QRK7WJZT7O'), [
      '-A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment "masquerade traffic for ns1/svc1:p80 external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-XPGD46QRK7WJZT7O -j KUBE-SVC-XPGD46QRK7WJZT7O',
    ]);
    const sep = 'KUBE-SEP-SXIVWICOYRO3J4NJ';
    assert.equal(c.get('nat/KUBE-SVC-XPGD46QRK7WJZT7O')![1],
      `-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m recent --name ${sep} --rcheck --seconds 600 --reap -j ${sep}`);
    assert.equal(c.get(`nat/${sep}`)![1], `-A ${sep} -m comment --comment ns1/svc1:p80 -m recent --name ${sep} --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80`);
  });

  it('uses KUBE-SVL and short-circuits for externalTrafficPolicy Local; DROPs when no local endpoint', () => {
    const svc = makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'), nodePort(3001), (s) => { s.spec!.externalTrafficPolicy = 'Local'; });
    const slice = makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1', node: 'node1' }, { ip: '10.180.1.1', node: 'node2' }]);
    const c = chains(renderIptables([svc], [slice], OPTS));
    const h = 'XPGD46QRK7WJZT7O';
    assert.deepEqual(c.get(`nat/KUBE-EXT-${h}`), [
      `-A KUBE-EXT-${h} -m comment --comment "pod traffic for ns1/svc1:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-${h}`,
      `-A KUBE-EXT-${h} -m comment --comment "masquerade LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      `-A KUBE-EXT-${h} -m comment --comment "route LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-${h}`,
      `-A KUBE-EXT-${h} -j KUBE-SVL-${h}`,
    ]);
    assert.equal(c.get(`nat/KUBE-SVL-${h}`)!.length, 1);
    assert.equal(c.get(`nat/KUBE-SVC-${h}`)!.length, 3);
    const remote = chains(renderIptables([svc], [slice], { ...OPTS, nodeName: 'node3' }));
    assert.deepEqual(remote.get('filter/KUBE-EXTERNAL-SERVICES'), [
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP',
    ]);
    assert.deepEqual(remote.get(`nat/KUBE-EXT-${h}`)!.length, 3);
    assert.equal(remote.get(`nat/KUBE-SVL-${h}`), undefined);
  });

  it('routes load-balancer IPs with source ranges through KUBE-FW and drops the rest in KUBE-PROXY-FIREWALL', () => {
    const svc = makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'), nodePort(3001), (s) => {
      s.spec!.type = 'LoadBalancer';
      s.spec!.loadBalancerSourceRanges = ['203.0.113.0/25'];
      Object.assign(s, { status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } });
    });
    const c = chains(renderIptables([svc], [makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }])], OPTS));
    const h = 'XPGD46QRK7WJZT7O';
    assert.ok(c.get('nat/KUBE-SERVICES')!.includes(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-FW-${h}`));
    assert.deepEqual(c.get(`nat/KUBE-FW-${h}`), [
      `-A KUBE-FW-${h} -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-${h}`,
      `-A KUBE-FW-${h} -m comment --comment "other traffic to ns1/svc1:p80 will be dropped by KUBE-PROXY-FIREWALL"`,
    ]);
    assert.deepEqual(c.get('filter/KUBE-PROXY-FIREWALL'), [
      `-A KUBE-PROXY-FIREWALL -m comment --comment "ns1/svc1:p80 traffic not accepted by KUBE-FW-${h}" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP`,
    ]);
  });

  it('accepts the healthCheckNodePort of a LoadBalancer with externalTrafficPolicy Local in filter KUBE-NODEPORTS', () => {
    const lb = (policy: 'Local' | 'Cluster') => makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'), nodePort(3001), (s) => {
      Object.assign(s.spec!, { type: 'LoadBalancer', externalTrafficPolicy: policy, healthCheckNodePort: 30000 });
    });
    const slices = [makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1', node: 'node1' }])];
    assert.deepEqual(chains(renderIptables([lb('Local')], slices, OPTS)).get('filter/KUBE-NODEPORTS'), [
      '-A KUBE-NODEPORTS -m comment --comment "ns1/svc1:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT',
    ]);
    assert.deepEqual(chains(renderIptables([lb('Cluster')], slices, OPTS)).get('filter/KUBE-NODEPORTS'), []);
  });

  it('localhost NodePorts (default on): KUBE-FIREWALL drops martians to 127.0.0.0/8; off, or no loopback in nodePortAddresses: excluded', () => {
    const svc = [makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'), nodePort(3001))];
    const slices = [makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }])];
    const tail = (o: object) => chains(renderIptables(svc, slices, { ...OPTS, ...o })).get('nat/KUBE-SERVICES')!.slice(1);
    const head = '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
    const on = chains(renderIptables(svc, slices, OPTS));
    assert.deepEqual(on.get('filter/KUBE-FIREWALL'), [
      '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    ]);
    // No nfacct accounting rule: it needs nfacct objects this kernel cannot create.
    assert.deepEqual(on.get('nat/KUBE-NODEPORTS'), ['-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-XPGD46QRK7WJZT7O']);
    const off = chains(renderIptables(svc, slices, { ...OPTS, localhostNodePorts: false }));
    assert.equal(off.get('filter/KUBE-FIREWALL'), undefined, 'no KUBE-FIREWALL rules without localhost NodePorts');
    assert.deepEqual(tail({ localhostNodePorts: false }), [`${head} -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS`]);
    assert.deepEqual(tail({ nodePortAddresses: ['192.168.0.0/24'] }), [`${head} -d 192.168.0.2 -j KUBE-NODEPORTS`]);
    assert.equal(chains(renderIptables(svc, slices, { ...OPTS, nodePortAddresses: ['192.168.0.0/24'] })).get('filter/KUBE-FIREWALL'), undefined);
    assert.deepEqual(tail({ nodePortAddresses: ['192.168.0.0/24', '127.0.0.0/8'] }), [`${head} -d 192.168.0.2 -j KUBE-NODEPORTS`, `${head} -d 127.0.0.1 -j KUBE-NODEPORTS`]);
  });

  it('largeClusterMode: over 1000 endpoints of proxied service ports, SVC and SEP rules lose their comments', () => {
    const ips = (n: number, third: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.${third}.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
    const svc = [makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'))];
    const sepRules = (text: string) => [...chains(text)].filter(([k]) => k.startsWith('nat/KUBE-SEP-')).flatMap(([, r]) => r);
    const large = renderIptables(svc, [makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], ips(1001, 180))], OPTS);
    const svcRules = chains(large).get('nat/KUBE-SVC-XPGD46QRK7WJZT7O')!;
    assert.match(svcRules[0], /--comment "ns1\/svc1:p80 cluster IP"/, 'the masquerade rule keeps its comment');
    assert.ok(svcRules.slice(1).every((r) => !r.includes('--comment')), 'SVC -> SEP rules carry no comment');
    assert.ok(sepRules(large).every((r) => !r.includes('--comment')), 'SEP rules carry no comment');
    // 600 proxied endpoints plus 600 of a Service that does not exist: not a large cluster.
    const small = renderIptables(svc, [
      makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], ips(600, 180)),
      makeSlice('ns1', 'gone', [{ name: 'p80', port: 80 }], ips(600, 181)),
    ], OPTS);
    assert.ok(sepRules(small).every((r) => r.includes('--comment ns1/svc1:p80')), 'below the threshold SEP rules keep their comments');
  });
});
