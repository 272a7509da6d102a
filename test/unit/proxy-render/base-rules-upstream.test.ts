/**
 * With no Services, the nftables render is exactly kube-proxy v1.35's `baseRules` test fixture
 * (pkg/proxy/nftables/proxier_test.go; node IP 192.168.0.2, service CIDR 172.30.0.0/16, mark
 * 0x4000), compared as a set of lines as upstream's tests do, plus the base chain declarations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRenderFlags, renderFor, type RenderFlags } from '../../../src/cli/proxy-render.js';

const T = 'ip kube-proxy';
const UPSTREAM_BASE_RULES = [
  `add table ${T} { comment "rules for kube-proxy" ; }`,
  `add set ${T} cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }`,
  `add set ${T} nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }`,
  `add map ${T} firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`,
  `add map ${T} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
  `add map ${T} no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
  `add map ${T} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
  `add map ${T} service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }`,
  `add chain ${T} reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }`,
  ...['cluster-ips-check', 'firewall-check', 'mark-for-masquerade', 'masquerading', 'nodeport-endpoints-check', 'services', 'service-endpoints-check'].map((c) => `add chain ${T} ${c}`),
  `add rule ${T} cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`,
  `add rule ${T} cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"`,
  `add rule ${T} filter-prerouting-pre-dnat ct state new jump firewall-check`,
  `add rule ${T} filter-output-pre-dnat ct state new jump firewall-check`,
  `add rule ${T} filter-input ct state new jump nodeport-endpoints-check`,
  `add rule ${T} filter-input ct state new jump service-endpoints-check`,
  `add rule ${T} filter-forward ct state new jump service-endpoints-check`,
  `add rule ${T} filter-forward ct state new jump cluster-ips-check`,
  `add rule ${T} filter-output ct state new jump service-endpoints-check`,
  `add rule ${T} filter-output ct state new jump cluster-ips-check`,
  `add rule ${T} firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips`,
  `add rule ${T} mark-for-masquerade mark set mark or 0x4000`,
  `add rule ${T} masquerading mark and 0x4000 == 0 return`,
  `add rule ${T} masquerading mark set mark xor 0x4000`,
  `add rule ${T} masquerading masquerade fully-random`,
  `add rule ${T} nat-output jump services`,
  `add rule ${T} nat-postrouting jump masquerading`,
  `add rule ${T} nat-prerouting jump services`,
  `add rule ${T} nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`,
  `add rule ${T} reject-chain reject`,
  `add rule ${T} services ip daddr . meta l4proto . th dport vmap @service-ips`,
  `add rule ${T} services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
  `add element ${T} nodeport-ips { 192.168.0.2 }`,
  `add rule ${T} service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services`,
];
/** v1.34+ base chains (PR #132456): type, hook, priority. */
const BASE_CHAINS = [
  ['filter-prerouting-pre-dnat', 'filter', 'prerouting', -110], ['filter-output-pre-dnat', 'filter', 'output', -110],
  ['filter-forward', 'filter', 'forward', 0], ['filter-input', 'filter', 'input', 0], ['filter-output', 'filter', 'output', 0],
  ['nat-prerouting', 'nat', 'prerouting', -100], ['nat-output', 'nat', 'output', -100], ['nat-postrouting', 'nat', 'postrouting', 100],
].map(([n, t, h, p]) => `add chain ${T} ${n} { type ${t} hook ${h} priority ${p} ; }`);

test('no Services: the render is upstream baseRules plus the base chains, nothing else', () => {
  const f = parseRenderFlags(['-f', '-', '--node-name', 'node1', '--node-ip', '192.168.0.2', '--cluster-cidr', '10.0.0.0/8', '--service-cidr', '172.30.0.0/16']) as RenderFlags;
  const got = renderFor(f, { services: [], endpointSlices: [], warnings: [] }).trimEnd().split('\n');
  assert.deepEqual([...got].sort(), [...UPSTREAM_BASE_RULES, ...BASE_CHAINS].sort());
});
