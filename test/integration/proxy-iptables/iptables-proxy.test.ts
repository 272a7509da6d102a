/**
 * startProxy({ mode: 'iptables' }) against the real apiserver (memory store) and the real kernel
 * (iptables-nft in a test netns): balancing over endpoints, NodePort (also on 127.0.0.1), REJECT without endpoints,
 * ClientIP affinity, stale chains deleted, a flushed table rewritten.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { EndpointSlice, KubeObject, Service } from '../../../src/api/types.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { Client } from '../../../src/client/client.js';
import { ipBatch, run } from '../../../src/dataplane/exec.js';
import { startProxy, type Proxy } from '../../../src/proxy/index.js';
import { listUdpFlows } from '../../../src/proxy/conntrack.js';
import { openStore } from '../../../src/store/index.js';
import { eventually } from '../../helpers/eventually.js';
import { cleanupPrefix, curl, killChild, leftovers, makeNode, makePod, startEchoServer, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NODE = `${P}node`;
const CLIENT = `${P}client`;
const SERVERS = [2, 3, 4].map((i) => ({ ns: `${P}srv${i}`, ip: `10.244.0.1${i}` }));
const servers: ChildProcess[] = [];
let api: ApiServer | undefined;
let client: Client;
let proxy: Proxy | undefined;
const errors: unknown[] = [];

type Svc = Service & KubeObject;
type Slice = EndpointSlice & KubeObject;

function service(name: string, ip: string, extra: Partial<NonNullable<Service['spec']>> = {}): Svc {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name },
    spec: { clusterIP: ip, ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...extra },
  };
}

function slice(svc: string, ips: string[]): Slice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: 'default', name: `${svc}-1`, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'node1' })),
  };
}

const UDP_ECHO = `require('dgram').createSocket('udp4').on('message', function (m, r) { this.send(m, r.port, r.address); }).bind(53, () => console.log('up'));`;

/** One datagram from a fixed source port (the same flow every time). */
const sendUdp = () => run('ip', ['netns', 'exec', CLIENT, process.execPath, '-e',
  `const s=require('dgram').createSocket('udp4');s.bind(40000,()=>s.send('x',53,'10.96.0.53',()=>setTimeout(()=>s.close(),200)));`]);

const iptablesSave = async (table: string): Promise<string> =>
  (await run('ip', ['netns', 'exec', NODE, 'iptables-save', '-t', table])).stdout;

async function bodies(url: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await curl(CLIENT, url, 3)).body);
  return out;
}

before(async () => {
  await makeNode(NODE, '10.244.0.1/24');
  // The service CIDR is routed (as on a real node's default route), so an unDNATed packet is
  // forwarded into a black hole instead of failing routing: only REJECT refuses it quickly.
  // (svc0's peer stays down: what goes there is dropped.)
  await ipBatch(NODE, ['link add svc0 type veth peer name svc1', 'link set svc0 up', 'route add 10.96.0.0/12 dev svc0']);
  await makePod(NODE, CLIENT, 'vethclient', '10.244.0.2/24', '10.244.0.1');
  for (const [i, s] of SERVERS.entries()) {
    await makePod(NODE, s.ns, `vethsrv${i}`, `${s.ip}/24`, '10.244.0.1');
    servers.push(await startEchoServer(s.ns, 80, 'whoami'));
  }
  const udp = spawn('ip', ['netns', 'exec', SERVERS[0].ns, process.execPath, '-e', UDP_ECHO], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(udp);
  await new Promise<void>((r) => udp.stdout!.once('data', () => r()));
  api = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0 });
  client = new Client({ server: api.url, userAgent: 'proxy-iptables-test' });
  await client.create<Svc>('services', 'default', service('web', '10.96.0.50', { type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] }));
  await client.create<Slice>('endpointslices', 'default', slice('web', SERVERS.map((s) => s.ip)));
  await client.create<Svc>('services', 'default', service('sticky', '10.96.0.51', { sessionAffinity: 'ClientIP' }));
  await client.create<Slice>('endpointslices', 'default', slice('sticky', SERVERS.map((s) => s.ip)));
  await client.create<Svc>('services', 'default', service('empty', '10.96.0.52'));
  await client.create<Svc>('services', 'default', service('dns', '10.96.0.53', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
  await client.create<Slice>('endpointslices', 'default', {
    ...slice('dns', [SERVERS[0].ip]), ports: [{ name: 'dns', port: 53, protocol: 'UDP' }],
  });
  proxy = await startProxy({
    mode: 'iptables', client, nodeName: 'node1', netns: NODE, nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16',
    serviceCIDR: '10.96.0.0/12', minSyncPeriodMs: 50, onError: (e) => errors.push(e),
  });
});

after(async () => {
  await proxy?.stop();
  client?.close();
  await api?.close();
  for (const s of servers) await killChild(s);
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

test('the rules are iptables ones (no nftables kube-proxy table) with the upstream jumps', async () => {
  const nat = await iptablesSave('nat');
  assert.match(nat, /-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES/);
  assert.match(nat, /-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING/);
  assert.match(nat, /:KUBE-SVC-\w{16} /);
  const tables = (await run('ip', ['netns', 'exec', NODE, 'nft', 'list', 'tables'])).stdout;
  assert.doesNotMatch(tables, /kube-proxy/);
  assert.deepEqual(errors, []);
});

test('a ClusterIP balances over every endpoint', async () => {
  const seen = new Set(await bodies('http://10.96.0.50/', 30));
  assert.deepEqual([...seen].sort(), SERVERS.map((s) => s.ip).sort());
});

test('a NodePort on a node address reaches the endpoints', async () => {
  const seen = new Set(await bodies('http://10.244.0.1:30080/', 12));
  assert.ok([...seen].every((b) => SERVERS.some((s) => s.ip === b)), [...seen].join(','));
  assert.ok(seen.size >= 2, `only ${[...seen].join(',')}`);
});

test('a NodePort answers on 127.0.0.1 from the node itself (localhost NodePorts, upstream\'s default)', async () => {
  const r = await curl(NODE, 'http://127.0.0.1:30080/', 3);
  assert.ok(SERVERS.some((s) => s.ip === r.body), `127.0.0.1:30080 should reach an endpoint, got ${r.code} ${r.body}`);
  const localnet = await run('ip', ['netns', 'exec', NODE, 'sysctl', '-n', 'net.ipv4.conf.all.route_localnet']);
  assert.equal(localnet.stdout.trim(), '1', 'route_localnet lets 127.0.0.1 be DNATed to a pod');
  const filter = await iptablesSave('filter');
  const firstInput = filter.split('\n').find((l) => l.startsWith('-A INPUT '));
  assert.equal(firstInput, '-A INPUT -j KUBE-FIREWALL', 'kubelet\'s jump to KUBE-FIREWALL comes first in INPUT (prepended last)');
  assert.match(filter, /^-A KUBE-FIREWALL ! -s 127\.0\.0\.0\/8 -d 127\.0\.0\.0\/8 .*"block incoming localnet connections".* -j DROP$/m);
});

test('a Service without endpoints is REJECTed (connection refused at once)', async () => {
  const r = await curl(CLIENT, 'http://10.96.0.52/', 3);
  assert.equal(r.code, 7);
  assert.ok(r.ms < 2000, `${r.ms} ms`);
  assert.match(await iptablesSave('filter'), /"default\/empty:http has no endpoints".*-j REJECT/);
});

test('ClientIP affinity keeps a client on one endpoint', async () => {
  const seen = new Set(await bodies('http://10.96.0.51/', 10));
  assert.equal(seen.size, 1, [...seen].join(','));
  assert.match(await iptablesSave('nat'), /-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-/);
});

test('a UDP flow to a removed endpoint is deleted from conntrack', async () => {
  const toEndpoint = (f: { origDst: string; replySrc: string }) => f.origDst === '10.96.0.53' && f.replySrc === SERVERS[0].ip;
  await sendUdp();
  assert.ok((await listUdpFlows(NODE)).some(toEndpoint), 'no flow to the endpoint');
  const cur = await client.get<Slice>('endpointslices', 'default', 'dns-1');
  await client.update<Slice>('endpointslices', { ...cur, endpoints: [] });
  await eventually('flow deleted', async () => !(await listUdpFlows(NODE)).some(toEndpoint));
});

test('deleting a Service deletes its chains; a flushed table is rewritten by the next sync', async () => {
  const before = await iptablesSave('nat');
  const stickyChains = [...before.matchAll(/^:(KUBE-(?:SVC|SEP)-\w+) /gm)].map((m) => m[1])
    .filter((c) => new RegExp(`^-A ${c} .*default/sticky:http`, 'm').test(before));
  assert.ok(stickyChains.length >= 4, stickyChains.join(','));
  await client.delete('services', 'default', 'sticky');
  await eventually('sticky chains deleted', async () => {
    const nat = await iptablesSave('nat');
    return stickyChains.every((c) => !nat.includes(`:${c} `));
  });
  await run('ip', ['netns', 'exec', NODE, 'iptables', '-t', 'nat', '-F']);
  await run('ip', ['netns', 'exec', NODE, 'iptables', '-t', 'nat', '-X']);
  assert.notEqual((await curl(CLIENT, 'http://10.96.0.50/', 1)).code, 0);
  await proxy!.syncNow();
  const r = await curl(CLIENT, 'http://10.96.0.50/', 3);
  assert.ok(SERVERS.some((s) => s.ip === r.body), `got ${r.code} ${r.body}`);
  assert.deepEqual(errors, []);
});
