import type { Service } from '../../../src/api/types.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderRuleset } from '../../../src/proxy/render.js';
import { syncProxyRules } from '../../../src/proxy/sync-proxy-rules.js';
import { buildServicePorts } from '../../../src/proxy/service-port.js';
import { buildEndpointsMap } from '../../../src/proxy/endpoints.js';
import { clusterIP, dedent, makeService, makeSlice, port } from './fixtures.js';
import { applyScript, emptyModel } from './nft-model.js';

const opts = { nodeName: 'node1', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8', serviceCIDR: '172.30.0.0/16' };

/** The lines a service adds: everything naming a per-service chain or adding an element. */
function serviceLines(text: string): string {
  const perService = / kube-proxy (service|endpoint|local|external|affinity)-[A-Z2-7]{8}-/;
  return text.split('\n').filter((l) => perService.test(l) || (l.startsWith('add element') && !l.includes('nodeport-ips'))).join('\n') + '\n';
}

test('base rules match kube-proxy v1.35 baseRules (order-insensitive, flushes aside)', () => {
  const got = renderRuleset([], [], opts).split('\n').filter((l) => l && !l.startsWith('flush ')).sort();
  const want = dedent(`
    add table ip kube-proxy { comment "rules for kube-proxy" ; }
    add chain ip kube-proxy filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }
    add chain ip kube-proxy filter-output-pre-dnat { type filter hook output priority -110 ; }
    add chain ip kube-proxy filter-forward { type filter hook forward priority 0 ; }
    add chain ip kube-proxy filter-input { type filter hook input priority 0 ; }
    add chain ip kube-proxy filter-output { type filter hook output priority 0 ; }
    add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
    add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }
    add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }
    add chain ip kube-proxy cluster-ips-check
    add chain ip kube-proxy firewall-check
    add chain ip kube-proxy mark-for-masquerade
    add chain ip kube-proxy masquerading
    add chain ip kube-proxy nodeport-endpoints-check
    add chain ip kube-proxy reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }
    add chain ip kube-proxy services
    add chain ip kube-proxy service-endpoints-check
    add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
    add set ip kube-proxy nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }
    add map ip kube-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }
    add map ip kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }
    add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }
    add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }
    add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }
    add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
    add rule ip kube-proxy cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"
    add rule ip kube-proxy filter-prerouting-pre-dnat ct state new jump firewall-check
    add rule ip kube-proxy filter-output-pre-dnat ct state new jump firewall-check
    add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check
    add rule ip kube-proxy filter-input ct state new jump service-endpoints-check
    add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check
    add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check
    add rule ip kube-proxy filter-output ct state new jump service-endpoints-check
    add rule ip kube-proxy filter-output ct state new jump cluster-ips-check
    add rule ip kube-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
    add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000
    add rule ip kube-proxy masquerading mark and 0x4000 == 0 return
    add rule ip kube-proxy masquerading mark set mark xor 0x4000
    add rule ip kube-proxy masquerading masquerade fully-random
    add rule ip kube-proxy nat-output jump services
    add rule ip kube-proxy nat-postrouting jump masquerading
    add rule ip kube-proxy nat-prerouting jump services
    add rule ip kube-proxy nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
    add rule ip kube-proxy reject-chain reject
    add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
    add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
    add element ip kube-proxy nodeport-ips { 192.168.0.2 }
    add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
  `).trim().split('\n').sort();
  assert.deepEqual(got, want);
});

test('a ClusterIP service with two endpoints: service chain, endpoint chains, elements', () => {
  const svc = makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'));
  // 10.180.0.10 sorts before 10.180.0.2: endpoints are ordered by their string.
  const slice = makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.2' }, { ip: '10.180.0.10' }]);
  const want = dedent(`
    add chain ip kube-proxy endpoint-M5KBLWWX-ns1/svc1/tcp/p80__10.180.0.10/80
    flush chain ip kube-proxy endpoint-M5KBLWWX-ns1/svc1/tcp/p80__10.180.0.10/80
    add chain ip kube-proxy endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80
    flush chain ip kube-proxy endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80
    add chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80
    flush chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80
    add element ip kube-proxy cluster-ips { 172.30.0.41 }
    add rule ip kube-proxy endpoint-M5KBLWWX-ns1/svc1/tcp/p80__10.180.0.10/80 ip saddr 10.180.0.10 jump mark-for-masquerade
    add rule ip kube-proxy endpoint-M5KBLWWX-ns1/svc1/tcp/p80__10.180.0.10/80 meta l4proto tcp dnat to 10.180.0.10:80
    add rule ip kube-proxy endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80 ip saddr 10.180.0.2 jump mark-for-masquerade
    add rule ip kube-proxy endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80 meta l4proto tcp dnat to 10.180.0.2:80
    add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 ip daddr 172.30.0.41 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
    add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 numgen random mod 2 vmap { 0 : goto endpoint-M5KBLWWX-ns1/svc1/tcp/p80__10.180.0.10/80 , 1 : goto endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80 }
    add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }
  `);
  const got = serviceLines(renderRuleset([svc], [slice], opts));
  assert.deepEqual(got.split('\n').sort(), want.split('\n').sort());
  // Declarations come before any rule that references them.
  const text = renderRuleset([svc], [slice], opts);
  assert.ok(text.indexOf('add chain ip kube-proxy service-ULMVA6XW') < text.indexOf('add element ip kube-proxy service-ips'));
  // Every rule and element after the chains it names (the model refuses a forward reference).
  assert.doesNotThrow(() => applyScript(emptyModel(), text));
  assert.throws(() => applyScript(emptyModel(), 'add chain ip kube-proxy a\nadd rule ip kube-proxy a goto b\nadd chain ip kube-proxy b\n'), /no such chain b/);
});

test('a service without endpoints is rejected through no-endpoint-services', () => {
  const svc = makeService('ns2', 'svc2', clusterIP('172.30.0.42'), port(53, 'dns', 'UDP'));
  const got = serviceLines(renderRuleset([svc], [], opts));
  assert.equal(got, dedent(`
    add element ip kube-proxy cluster-ips { 172.30.0.42 }
    add element ip kube-proxy no-endpoint-services { 172.30.0.42 . udp . 53 comment "ns2/svc2:dns" : goto reject-chain }
  `));
});

test('a named port takes its endpoints from the slice port of that name, with its target port', () => {
  const svc = makeService('ns3', 'web', clusterIP('172.30.0.43'), port(80, 'http'), port(443, 'https'));
  const slice = makeSlice('ns3', 'web', [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }], [{ ip: '10.180.0.7' }]);
  const got = renderRuleset([svc], [slice], opts);
  assert.match(got, /meta l4proto tcp dnat to 10\.180\.0\.7:8080\n/);
  assert.doesNotMatch(got, /9090/, 'a slice port with another name is not used');
  assert.match(got, /add element ip kube-proxy service-ips \{ 172\.30\.0\.43 \. tcp \. 80 : goto service-[A-Z2-7]{8}-ns3\/web\/tcp\/http \}/);
  assert.match(got, /no-endpoint-services \{ 172\.30\.0\.43 \. tcp \. 443 comment "ns3\/web:https" : goto reject-chain \}/);
});

test('endpoint conditions: not-ready endpoints are skipped, terminating ones are a fallback', () => {
  const svc = makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'));
  const slice = makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [
    { ip: '10.180.0.1', ready: false, serving: false },
    { ip: '10.180.0.2' },
  ]);
  const got = renderRuleset([svc], [slice], opts);
  assert.doesNotMatch(got, /10\.180\.0\.1[^0-9]/);
  const terminating = makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.3', ready: false, serving: true, terminating: true }]);
  assert.match(renderRuleset([svc], [terminating], opts), /dnat to 10\.180\.0\.3:80/);
});

test('headless, ExternalName and foreign-proxy services are skipped', () => {
  const headless = makeService('ns', 'h', clusterIP('None'), port(80));
  const ext = makeService('ns', 'e', port(80), (s) => { s.spec!.type = 'ExternalName'; s.spec!.externalName = 'example.com'; });
  const foreign = makeService('ns', 'f', clusterIP('172.30.0.9'), port(80), (s) => {
    s.metadata!.labels = { 'service.kubernetes.io/service-proxy-name': 'other' };
  });
  assert.deepEqual(buildServicePorts([headless, ext, foreign]), []);
});

test('ClientIP affinity adds a timed set per endpoint, an update rule and a lookup rule', () => {
  const svc = makeService('ns5', 'svc5', clusterIP('172.30.0.45'), port(80, 'p80'), (s) => {
    s.spec!.sessionAffinity = 'ClientIP';
    s.spec!.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  });
  const slice = makeSlice('ns5', 'svc5', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.3' }]);
  const got = renderRuleset([svc], [slice], opts);
  const set = 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80';
  assert.ok(got.includes(`add set ip kube-proxy ${set} { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }\n`));
  assert.ok(got.includes(`add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr @${set} goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80\n`));
  assert.ok(got.includes(`add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 update @${set} { ip saddr }\n`));
  assert.ok(!got.includes(`flush set ip kube-proxy ${set}`), 'affinity state survives a full sync');
});

test('stale service chains and affinity sets in the kernel are flushed and deleted last', () => {
  const { tx } = syncProxyRules({
    servicePorts: [], endpoints: buildEndpointsMap([], 'node1'), nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8',
    existing: { chains: ['services', 'service-ULMVA6XW-ns1/svc1/tcp/p80'], sets: ['cluster-ips', 'affinity-X-ns/s/tcp/__1.2.3.4/80'] },
  });
  const lines = tx.toString().trim().split('\n');
  assert.equal(lines.at(-1), 'delete set ip kube-proxy affinity-X-ns/s/tcp/__1.2.3.4/80');
  assert.equal(lines.at(-2), 'delete chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80');
  assert.ok(lines.includes('flush chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80'));
  assert.ok(!lines.includes('delete chain ip kube-proxy services'));
});

test('internalTrafficPolicy Local without local endpoints drops instead of rejecting', () => {
  const svc = makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'), (s) => { s.spec!.internalTrafficPolicy = 'Local'; });
  const slice = makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1', node: 'node2' }]);
  assert.match(renderRuleset([svc], [slice], opts), /no-endpoint-services \{ 172\.30\.0\.41 \. tcp \. 80 comment "ns1\/svc1:p80" : drop \}/);
  const local = makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1', node: 'node1' }]);
  assert.match(renderRuleset([svc], [local], opts), /service-ips \{ 172\.30\.0\.41 \. tcp \. 80 : goto local-ULMVA6XW-ns1\/svc1\/tcp\/p80 \}/);
});

test('NodePort and external IPs go through the external chain (eTP=Cluster masquerades)', () => {
  const svc = makeService('ns2', 'svc2', clusterIP('172.30.0.42'), port(80, 'p80'), (s) => {
    s.spec!.type = 'NodePort';
    s.spec!.ports![0].nodePort = 3001;
    s.spec!.externalIPs = ['192.168.99.22'];
  });
  const slice = makeSlice('ns2', 'svc2', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.2' }]);
  const got = renderRuleset([svc], [slice], opts);
  const ext = 'external-42NFTM6N-ns2/svc2/tcp/p80';
  assert.ok(got.includes(`add rule ip kube-proxy ${ext} jump mark-for-masquerade\nadd rule ip kube-proxy ${ext} goto service-42NFTM6N-ns2/svc2/tcp/p80\n`));
  assert.ok(got.includes(`add element ip kube-proxy service-nodeports { tcp . 3001 : goto ${ext} }\n`));
  assert.ok(got.includes(`add element ip kube-proxy service-ips { 192.168.99.22 . tcp . 80 : goto ${ext} }\n`));
});

test('eTP=Local short-circuits pod and host traffic and drops when no local endpoint', () => {
  const svc = makeService('ns2', 'svc2', clusterIP('172.30.0.42'), port(80, 'p80'), (s) => {
    s.spec!.type = 'NodePort';
    s.spec!.ports![0].nodePort = 3001;
    s.spec!.externalTrafficPolicy = 'Local';
  });
  const remote = makeSlice('ns2', 'svc2', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.2', node: 'node2' }]);
  const got = renderRuleset([svc], [remote], opts);
  assert.ok(got.includes('add element ip kube-proxy no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }\n'));
  const local = makeSlice('ns2', 'svc2', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.2', node: 'node1' }]);
  const ext = 'external-42NFTM6N-ns2/svc2/tcp/p80';
  const withLocal = renderRuleset([svc], [local], opts);
  assert.ok(withLocal.includes(`add rule ip kube-proxy ${ext} ip saddr 10.0.0.0/8 goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit pod traffic"\n`));
  assert.ok(withLocal.includes(`add rule ip kube-proxy ${ext} goto local-42NFTM6N-ns2/svc2/tcp/p80\n`));
});

test('an invalid operation is kept and reported, not thrown at add()', async () => {
  const { Transaction } = await import('../../../src/proxy/transaction.js');
  const tx = new Transaction('ip', 'kube-proxy');
  tx.add({ kind: 'chain', name: 'x', type: 'nat' });
  tx.add({ kind: 'rule', chain: '', rule: '' });
  assert.match(String(tx.err), /chain "x": a base chain needs type, hook and priority together/);
});

test('a partial sync writes only what changed since the previous sync', async () => {
  const { partialSyncProxyRules } = await import('../../../src/proxy/sync-proxy-rules.js');
  const base = { nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8' };
  const svc1 = makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'));
  const svc2 = makeService('ns2', 'svc2', clusterIP('172.30.0.42'), port(80, 'p80'));
  const s1 = makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }]);
  const s2 = (...ips: string[]) => makeSlice('ns2', 'svc2', [{ name: 'p80', port: 80 }], ips.map((ip) => ({ ip })));
  const first = syncProxyRules({ ...base, servicePorts: buildServicePorts([svc1, svc2]), endpoints: buildEndpointsMap([s1, s2('10.180.0.2')], 'n') });
  const { tx } = partialSyncProxyRules({ ...base, servicePorts: buildServicePorts([svc1, svc2]), endpoints: buildEndpointsMap([s1], 'n') }, first.desired);
  const ep = 'endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80';
  assert.equal(tx.toString(), dedent(`
    flush chain ip kube-proxy ${ep}
    flush chain ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80
    delete element ip kube-proxy service-ips { 172.30.0.42 . tcp . 80 }
    add element ip kube-proxy no-endpoint-services { 172.30.0.42 . tcp . 80 comment "ns2/svc2:p80" : goto reject-chain }
    delete chain ip kube-proxy ${ep}
    delete chain ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80
  `));
  const unchanged = partialSyncProxyRules({ ...base, servicePorts: buildServicePorts([svc1, svc2]), endpoints: buildEndpointsMap([s1, s2('10.180.0.2')], 'n') }, first.desired);
  assert.equal(unchanged.tx.numOperations, 0);
});

test('loadBalancerSourceRanges: firewall chain and firewall-ips element; LB IPs allowed when a range holds the node IP', () => {
  const lb = (ranges: string[]) => makeService('ns5', 'svc5', clusterIP('172.30.0.45'), port(80, 'p80'), (s) => {
    s.spec!.type = 'LoadBalancer';
    s.spec!.ports![0].nodePort = 3002;
    s.spec!.loadBalancerSourceRanges = ranges;
    (s as { status?: Service['status'] }).status = { loadBalancer: { ingress: [{ ip: '5.6.7.8' }] } };
  });
  const slice = makeSlice('ns5', 'svc5', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.3' }]);
  const got = renderRuleset([lb([' 203.0.113.0/25 '])], [slice], opts);
  assert.ok(got.includes('add rule ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr != { 203.0.113.0/25 } drop\n'));
  assert.ok(got.includes('add element ip kube-proxy firewall-ips { 5.6.7.8 . tcp . 80 : goto firewall-HVFWP5L3-ns5/svc5/tcp/p80 }\n'));
  assert.ok(got.includes('add element ip kube-proxy service-ips { 5.6.7.8 . tcp . 80 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }\n'));
  const withNode = renderRuleset([lb(['203.0.113.0/25', '192.168.0.0/24'])], [slice], opts);
  assert.ok(withNode.includes('ip saddr != { 203.0.113.0/25, 192.168.0.0/24, 5.6.7.8 } drop\n'));
});

test('a partial sync re-adds an affinity set whose timeout changed, and nothing else', async () => {
  const { partialSyncProxyRules } = await import('../../../src/proxy/sync-proxy-rules.js');
  const svc = (t: number) => makeService('ns5', 'svc5', clusterIP('172.30.0.45'), port(80, 'p80'), (s) => {
    s.spec!.sessionAffinity = 'ClientIP';
    s.spec!.sessionAffinityConfig = { clientIP: { timeoutSeconds: t } };
  });
  const slice = makeSlice('ns5', 'svc5', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.3' }]);
  const state = (t: number) => ({ nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8', servicePorts: buildServicePorts([svc(t)]), endpoints: buildEndpointsMap([slice], 'n') });
  const first = syncProxyRules(state(10800));
  const { tx } = partialSyncProxyRules(state(60), first.desired);
  assert.equal(tx.toString(), 'add set ip kube-proxy affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }\n');
});
