/**
 * Switching a node's proxy mode on the real kernel (a test netns, real apiserver): each mode's
 * startProxy removes the rules the others left, so only the running mode's rules remain; other
 * components' tables and chains (flannel's nftables table, a CNI iptables chain) stay.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, KubeObject, Service } from '../../../src/api/types.js';
import { ipBatch, nftApply, run } from '../../../src/dataplane/exec.js';
import { startProxy, type ProxyMode } from '../../../src/proxy/mode.js';
import type { Proxy } from '../../../src/proxy/proxier.js';
import { cleanupLeftovers, listTables } from '../../../src/proxy/cleanup/cleanup-leftovers.js';
import { eventually, startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';
import { cleanupPrefix, leftovers, makeNode, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NODE = `${P}node`;
let api: TestApi;
let proxy: Proxy | undefined;

const inNode = async (cmd: string, ...args: string[]) => (await run('ip', ['netns', 'exec', NODE, cmd, ...args])).stdout;
/** KUBE-* chains per iptables table (only tables that exist: iptables-save would create none). */
async function kubeChains(): Promise<string[]> {
  const tables = await listTables(NODE);
  const out: string[] = [];
  for (const t of ['nat', 'filter', 'mangle']) {
    if (!tables.includes(`ip ${t}`)) continue;
    out.push(...[...(await inNode('iptables-save', '-t', t)).matchAll(/^:(KUBE-\S+) /gm)].map((m) => `${t}/${m[1]}`));
  }
  return out;
}
const proxyTables = async () => (await listTables(NODE)).filter((t) => /kube-proxy/.test(t)).sort();

async function runMode(mode: ProxyMode): Promise<void> {
  await proxy?.stop();
  proxy = await startProxy({
    mode, client: api.client, nodeName: 'node1', netns: NODE, nodeIP: '172.18.0.11',
    clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', minSyncPeriodMs: 50,
  });
}

before(async () => {
  await makeNode(NODE, '10.244.0.1/24');
  await ipBatch(NODE, ['link set lo up']);
  api = await startTestApi('proxy-cleanup-test');
  await api.client.create<Service & KubeObject>('services', 'default', {
    apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' },
    spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
  await api.client.create<EndpointSlice & KubeObject>('endpointslices', 'default', {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4', ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.244.0.10'], conditions: { ready: true }, nodeName: 'node1' }],
  });
  // Someone else's rules that must survive every switch.
  await nftApply(NODE, 'add table ip flannel-ipv4\nadd chain ip flannel-ipv4 postrtg { type nat hook postrouting priority srcnat; }\n');
  await inNode('iptables', '-t', 'nat', '-N', 'CNI-HOSTPORT-DNAT');
  await inNode('iptables', '-t', 'nat', '-A', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'CNI-HOSTPORT-DNAT');
});

after(async () => {
  await proxy?.stop();
  await api?.close();
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

async function othersSurvive(): Promise<void> {
  assert.ok((await listTables(NODE)).includes('ip flannel-ipv4'), 'flannel\'s table stays');
  assert.match(await inNode('iptables-save', '-t', 'nat'), /-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT/);
}

test('iptables → nftables: the KUBE-* chains and jumps go, the kube-proxy table comes', async () => {
  await runMode('iptables');
  assert.ok((await kubeChains()).some((c) => c.startsWith('nat/KUBE-SVC-')), 'iptables mode wrote its chains');
  await runMode('nftables');
  assert.deepEqual(await kubeChains(), []);
  assert.doesNotMatch(await inNode('iptables-save'), /KUBE-/, 'no jump to a KUBE chain either');
  assert.deepEqual(await proxyTables(), ['ip kube-proxy']);
  await othersSurvive();
});

test('nftables → userspace → iptables: each start leaves only its own rules', async () => {
  await runMode('userspace');
  assert.deepEqual(await proxyTables(), ['ip kube-proxy-userspace']);
  // A userspace proxy that died without stop() leaves its table: simulate with a stop that does not run.
  await proxy?.stop();
  proxy = undefined;
  await nftApply(NODE, 'add table ip kube-proxy-userspace\nadd chain ip kube-proxy-userspace KUBE-PORTALS-HOST { type nat hook output priority -100; }\n');
  await nftApply(NODE, 'add table ip6 kube-proxy\n');
  await runMode('iptables');
  assert.deepEqual(await proxyTables(), [], 'the userspace table and ip6 kube-proxy went');
  await eventually('iptables rules', async () => (await kubeChains()).some((c) => c.startsWith('nat/KUBE-SVC-')));
  await othersSurvive();
});

test('cleanupLeftovers spares the starting mode\'s own rules and reports what it removed', async () => {
  const mine = (await kubeChains()).sort();
  assert.ok(mine.length > 0);
  assert.deepEqual(await cleanupLeftovers(NODE, 'iptables'), { nftablesTables: [], iptablesTables: [] });
  assert.deepEqual((await kubeChains()).sort(), mine);
  await proxy?.stop();
  proxy = undefined;
  assert.deepEqual(await cleanupLeftovers(NODE, 'nftables'), { nftablesTables: [], iptablesTables: ['nat', 'filter', 'mangle'] });
  assert.deepEqual(await kubeChains(), []);
  await othersSurvive();
});
