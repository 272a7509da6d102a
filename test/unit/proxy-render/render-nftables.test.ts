/**
 * `podnet proxy render --mode nftables` against kube-proxy v1.35's nftables mode for the same
 * objects: chain names (hashed), rule shapes and element lists as upstream's proxier_test.go
 * expects them (facts in /work/shared/notes/service-proxy.md §1.2, §1.4), and the flags that must
 * change the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadProxyObjects } from '../../../src/cli/proxy-manifests.js';
import { parseRenderFlags, renderFor, type RenderFlags } from '../../../src/cli/proxy-render.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/proxy/', import.meta.url));
const objs = () => loadProxyObjects([FIXTURES + 'services.yaml', FIXTURES + 'endpointslices.json']);
const flags = (extra: string[] = []): RenderFlags => {
  const f = parseRenderFlags(['-f', FIXTURES, '--node-name', 'node1', '--node-ip', '192.168.0.2', '--cluster-cidr', '10.0.0.0/8', '--service-cidr', '172.30.0.0/16', ...extra]);
  assert.notEqual(f, 'help');
  return f as RenderFlags;
};
const render = async (extra: string[] = []) => (await renderFor(flags(extra), objs())).trimEnd().split('\n');
const T = 'add rule ip kube-proxy';

test('every line is one add of a table, chain, set, map, rule or element (nft -f form, no flushes)', async () => {
  const lines = await render();
  for (const l of lines) assert.match(l, /^add (table|chain|set|map|rule|element) ip kube-proxy( |$)/, l);
  assert.equal(lines[0], 'add table ip kube-proxy { comment "rules for kube-proxy" ; }');
  // A chain is declared before any rule in it (nft rejects forward references).
  const declared = new Set<string>();
  for (const l of lines) {
    const c = /^add chain ip kube-proxy (\S+)/.exec(l);
    if (c) declared.add(c[1]);
    const r = /^add rule ip kube-proxy (\S+)/.exec(l);
    if (r) assert.ok(declared.has(r[1]), `rule before its chain: ${l}`);
  }
});

test('ClientIP affinity service: upstream hashed names, affinity set, masquerade and numgen rules', async () => {
  const lines = await render();
  const ep = 'endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80';
  const aff = 'affinity-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80';
  const svc = 'service-ULMVA6XW-ns1/svc1/tcp/p80';
  for (const want of [
    `add set ip kube-proxy ${aff} { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }`,
    `${T} ${ep} ip saddr 10.180.0.1 jump mark-for-masquerade`,
    `${T} ${ep} update @${aff} { ip saddr }`,
    `${T} ${ep} meta l4proto tcp dnat to 10.180.0.1:80`,
    `${T} ${svc} ip daddr 172.30.0.41 ip saddr != 10.0.0.0/8 jump mark-for-masquerade`,
    `${T} ${svc} ip saddr @${aff} goto ${ep}`,
    `${T} ${svc} numgen random mod 1 vmap { 0 : goto ${ep} }`,
    'add element ip kube-proxy cluster-ips { 172.30.0.41 }',
    `add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto ${svc} }`,
  ]) assert.ok(lines.includes(want), `missing: ${want}`);
});

test('externalTrafficPolicy Local NodePort with an external IP: external chain short-circuits, local chain has the local endpoint', async () => {
  const lines = await render();
  const ext = 'external-42NFTM6N-ns2/svc2/tcp/p80';
  const svc = 'service-42NFTM6N-ns2/svc2/tcp/p80';
  assert.deepEqual(lines.filter((l) => l.startsWith(`${T} ${ext} `)).map((l) => l.slice(T.length + ext.length + 2)), [
    `ip saddr 10.0.0.0/8 goto ${svc} comment "short-circuit pod traffic"`,
    'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
    `fib saddr type local goto ${svc} comment "short-circuit local traffic"`,
    'goto local-42NFTM6N-ns2/svc2/tcp/p80',
  ]);
  assert.ok(lines.includes(`${T} local-42NFTM6N-ns2/svc2/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 }`));
  assert.ok(lines.includes(`add element ip kube-proxy service-nodeports { tcp . 3001 : goto ${ext} }`));
  assert.ok(lines.includes(`add element ip kube-proxy service-ips { 192.168.99.22 . tcp . 80 : goto ${ext} }`));
});

test('LoadBalancer with source ranges: firewall chain and element; the terminating endpoint is unused while one is ready', async () => {
  const lines = await render();
  const fw = 'firewall-LAUZTJTB-ns4/svc4/tcp/p80';
  assert.ok(lines.includes(`${T} ${fw} ip saddr != { 203.0.113.0/25 } drop`));
  assert.ok(lines.includes(`add element ip kube-proxy firewall-ips { 1.2.3.4 . tcp . 80 : goto ${fw} }`));
  assert.ok(lines.some((l) => l.includes('endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80')));
  assert.ok(!lines.some((l) => l.includes('5RFCDDV7')), 'terminating 10.180.0.5 must not get a chain');
});

test('headless and ExternalName services are skipped', async () => {
  const text = (await render()).join('\n');
  assert.doesNotMatch(text, /ns1\/headless|ns1\/ext\b/);
});

test('--masquerade-mark changes every use of the mark', async () => {
  const lines = await render(['--masquerade-mark', '0x8000']);
  assert.ok(lines.includes(`${T} mark-for-masquerade mark set mark or 0x8000`));
  assert.ok(lines.includes(`${T} masquerading mark and 0x8000 == 0 return`));
  assert.ok(lines.includes(`${T} masquerading mark set mark xor 0x8000`));
  assert.ok(!lines.some((l) => l.includes('0x4000')));
});

test('--nodeport-addresses: default node IP, a CIDR without it, and 0.0.0.0/0 (fib local form, no nodeport-ips set)', async () => {
  assert.ok((await render()).includes('add element ip kube-proxy nodeport-ips { 192.168.0.2 }'));
  const other = await render(['--nodeport-addresses', '10.1.0.0/16,127.0.0.0/8']);
  assert.ok(!other.some((l) => l.startsWith('add element ip kube-proxy nodeport-ips')));
  assert.ok(other.some((l) => l.startsWith('add set ip kube-proxy nodeport-ips')));
  const all = await render(['--nodeport-addresses', '0.0.0.0/0']);
  assert.ok(!all.some((l) => l.includes('nodeport-ips')));
  assert.ok(all.includes(`${T} services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports`));
  assert.ok(all.includes(`${T} nodeport-endpoints-check ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports`));
});

test('a service without endpoints: reject through no-endpoint-services, with the service port name as comment', async () => {
  const o = objs();
  o.endpointSlices = o.endpointSlices.filter((s) => s.metadata?.name !== 'svc1-abc');
  const lines = (await renderFor(flags(), o)).split('\n');
  assert.ok(lines.includes('add element ip kube-proxy no-endpoint-services { 172.30.0.41 . tcp . 80 comment "ns1/svc1:p80" : goto reject-chain }'));
  assert.ok(!lines.some((l) => l.includes('service-ULMVA6XW')));
});
