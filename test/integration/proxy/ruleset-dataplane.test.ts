/**
 * The proxy's nftables ruleset on the real kernel: a node netns with a bridge and two pods; the
 * ruleset from renderRuleset is applied with `nft -f` and real connections go through it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { ip, nft, nftApply, run } from '../../../src/dataplane/exec.js';
import { renderRuleset } from '../../../src/proxy/render.js';
import { partialSyncProxyRules, syncProxyRules, type DesiredState } from '../../../src/proxy/sync-proxy-rules.js';
import { netnsAdd, netnsDel } from '../../../src/dataplane/netns.js';
import { buildServicePorts } from '../../../src/proxy/service-port.js';
import { buildEndpointsMap } from '../../../src/proxy/endpoints.js';
import { readTableContents } from '../../../src/proxy/kernel-state.js';
import { clusterIP, makeService, makeSlice, port } from '../../unit/proxy/fixtures.js';
import { cleanupPrefix, curl, killChild, leftovers, makeNode, makePod, startEchoServer, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NODE = `${P}node`;
const CLIENT = `${P}client`;
const SERVER = `${P}server`;
const opts = { nodeName: 'node1', nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12' };
let server: ChildProcess | undefined;

before(async () => {
  await makeNode(NODE, '10.244.0.1/24');
  await makePod(NODE, CLIENT, 'vethclient', '10.244.0.2/24', '10.244.0.1');
  await makePod(NODE, SERVER, 'vethserver', '10.244.0.3/24', '10.244.0.1');
  server = await startEchoServer(SERVER, 80);
  const web = makeService('default', 'web', clusterIP('10.96.0.50'), port(80, 'http'));
  const empty = makeService('default', 'empty', clusterIP('10.96.0.51'), port(80, 'http'));
  const slice = makeSlice('default', 'web', [{ name: 'http', port: 80 }], [{ ip: '10.244.0.3', node: 'node1' }]);
  await nftApply(NODE, renderRuleset([web, empty], [slice], opts));
});

after(async () => {
  await killChild(server);
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

test('the table is in the kernel with its chains', async () => {
  const table = await nft(NODE, ['list', 'table', 'ip', 'kube-proxy']);
  assert.match(table, /chain service-[A-Z2-7]{8}-default\/web\/tcp\/http \{/);
  assert.match(table, /10\.96\.0\.50 \. tcp \. 80 : goto service-/);
});

test('a pod reaches the ClusterIP and the server sees the pod IP (no SNAT between pods)', async () => {
  const r = await curl(CLIENT, 'http://10.96.0.50:80/');
  assert.equal(r.code, 0, `curl exit ${r.code}`);
  assert.equal(r.body, '10.244.0.2');
});

test('conntrack in the node shows the DNAT to the endpoint', async () => {
  const out = (await run('ip', ['netns', 'exec', NODE, 'conntrack', '-L', '-p', 'tcp', '--orig-dst', '10.96.0.50'], { allowFailure: true })).stdout;
  assert.match(out, /src=10\.244\.0\.2 dst=10\.96\.0\.50 .*src=10\.244\.0\.3 dst=10\.244\.0\.2/);
});

test('hairpin: the server reaches itself through its service, masqueraded', async () => {
  const r = await curl(SERVER, 'http://10.96.0.50:80/');
  assert.equal(r.code, 0, `curl exit ${r.code}`);
  assert.equal(r.body, '10.244.0.1', 'hairpin traffic is masqueraded to the bridge address');
});

test('a service without endpoints refuses connections at once', async () => {
  const r = await curl(CLIENT, 'http://10.96.0.51:80/');
  assert.equal(r.code, 7, 'curl exit 7: connection refused');
  assert.ok(r.ms < 2000, `refused in ${r.ms} ms`);
});

test('a wrong port of a ClusterIP is rejected and an unallocated ClusterIP is dropped', async () => {
  assert.equal((await curl(CLIENT, 'http://10.96.0.50:81/')).code, 7);
  // Give the node a default route (as a real node has) so that packets reach the forward hook;
  // a dropped packet leaves no conntrack entry, a forwarded one does.
  await ip(NODE, ['route', 'add', 'default', 'via', '10.244.0.254', 'dev', 'cni0', 'onlink']);
  try {
    await curl(CLIENT, 'http://10.96.0.99:80/', 1);
    await curl(CLIENT, 'http://10.200.0.1:80/', 1);
    const flows = (await run('ip', ['netns', 'exec', NODE, 'conntrack', '-L', '-p', 'tcp'], { allowFailure: true })).stdout;
    assert.doesNotMatch(flows, /dst=10\.96\.0\.99 /, 'unallocated ClusterIP dropped before conntrack confirmed it');
    assert.match(flows, /dst=10\.200\.0\.1 /, 'control: an address outside the service CIDR is forwarded');
  } finally {
    await ip(NODE, ['route', 'del', 'default']);
  }
});

test('applying the same ruleset again is idempotent and keeps working', async () => {
  const web = makeService('default', 'web', clusterIP('10.96.0.50'), port(80, 'http'));
  const slice = makeSlice('default', 'web', [{ name: 'http', port: 80 }], [{ ip: '10.244.0.3', node: 'node1' }]);
  await nftApply(NODE, renderRuleset([web], [slice], opts));
  assert.equal((await curl(CLIENT, 'http://10.96.0.50:80/')).body, '10.244.0.2');
});

test('a removed service loses its chains in the same transaction (flush then delete)', async () => {
  const web = makeService('default', 'web', clusterIP('10.96.0.50'), port(80, 'http'));
  const old = makeService('default', 'old', clusterIP('10.96.0.60'), port(80, 'http'));
  const slices = [
    makeSlice('default', 'web', [{ name: 'http', port: 80 }], [{ ip: '10.244.0.3', node: 'node1' }]),
    makeSlice('default', 'old', [{ name: 'http', port: 80 }], [{ ip: '10.244.0.3', node: 'node1' }]),
  ];
  await nftApply(NODE, renderRuleset([web, old], slices, opts));
  assert.match(await nft(NODE, ['list', 'table', 'ip', 'kube-proxy']), /default\/old\/tcp\/http/);
  const { tx } = syncProxyRules({
    servicePorts: buildServicePorts([web]),
    endpoints: buildEndpointsMap(slices, 'node1'),
    ...opts,
    existing: await readTableContents(NODE),
  });
  await nftApply(NODE, tx.toString());
  const table = await nft(NODE, ['list', 'table', 'ip', 'kube-proxy']);
  assert.doesNotMatch(table, /default\/old/);
  assert.match(table, /default\/web\/tcp\/http/);
  assert.equal((await curl(CLIENT, 'http://10.96.0.50:80/')).body, '10.244.0.2');
});

test('after a series of partial syncs the kernel table equals a fresh full sync of the same state', async () => {
  const scratch = `${P}scratch`;
  const svcs = (n: number) => Array.from({ length: n }, (_, i) => makeService('ns', `s${i}`, clusterIP(`10.96.1.${i + 1}`), port(80, 'http'), port(53, 'dns', 'UDP')));
  const slices = (n: number, eps: number) => Array.from({ length: n }, (_, i) => makeSlice('ns', `s${i}`, [{ name: 'http', port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }],
    Array.from({ length: eps }, (_, j) => ({ ip: `10.244.${i}.${j + 2}` }))));
  const steps: [number, number][] = [[3, 2], [5, 1], [5, 0], [2, 3], [4, 2]];
  const state = (n: number, eps: number) => ({ ...opts, servicePorts: buildServicePorts(svcs(n)), endpoints: buildEndpointsMap(slices(n, eps), 'node1') });
  try {
    await netnsAdd(scratch);
    let written: DesiredState | undefined;
    for (const [n, eps] of steps) {
      const r = written ? partialSyncProxyRules(state(n, eps), written) : syncProxyRules({ ...state(n, eps), existing: await readTableContents(scratch) });
      await nftApply(scratch, r.tx.toString());
      written = r.desired;
    }
    const viaPartial = await nft(scratch, ['list', 'table', 'ip', 'kube-proxy']);
    await nft(scratch, ['delete', 'table', 'ip', 'kube-proxy']);
    await nftApply(scratch, syncProxyRules(state(...steps.at(-1)!)).tx.toString());
    const fresh = await nft(scratch, ['list', 'table', 'ip', 'kube-proxy']);
    const norm = (t: string) => t.split('\n').map((l) => l.trim()).sort().join('\n');
    assert.equal(norm(viaPartial), norm(fresh));
  } finally {
    await netnsDel(scratch);
  }
});

test('a table left by an older kube-proxy layout is recreated in one transaction', async () => {
  const scratch = `${P}oldlayout`;
  try {
    await netnsAdd(scratch);
    // The <=v1.33 layout: filter-prerouting at -110 and filter-output-post-dnat at -90.
    await nftApply(scratch, [
      'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
      'add chain ip kube-proxy filter-prerouting { type filter hook prerouting priority -110 ; }',
      'add chain ip kube-proxy filter-forward { type filter hook forward priority -110 ; }',
      'add chain ip kube-proxy filter-output-post-dnat { type filter hook output priority -90 ; }',
      'add chain ip kube-proxy firewall-check',
      'add rule ip kube-proxy filter-prerouting ct state new jump firewall-check',
      '',
    ].join('\n'));
    const web = makeService('default', 'web', clusterIP('10.96.0.50'), port(80, 'http'));
    const slices = [makeSlice('default', 'web', [{ name: 'http', port: 80 }], [{ ip: '10.244.0.3' }])];
    const state = { ...opts, servicePorts: buildServicePorts([web]), endpoints: buildEndpointsMap(slices, 'node1') };
    const { tx } = syncProxyRules({ ...state, existing: await readTableContents(scratch) });
    assert.match(tx.toString(), /^delete table ip kube-proxy\n/);
    await nftApply(scratch, tx.toString());
    const table = await nft(scratch, ['list', 'table', 'ip', 'kube-proxy']);
    assert.doesNotMatch(table, /filter-prerouting \{|filter-output-post-dnat/);
    assert.match(table, /chain filter-forward \{\n\s+type filter hook forward priority filter; policy accept;/);
    // Our own layout is not recreated on the next full sync.
    const again = syncProxyRules({ ...state, existing: await readTableContents(scratch) });
    assert.doesNotMatch(again.tx.toString(), /delete table/);
  } finally {
    await netnsDel(scratch);
  }
});
