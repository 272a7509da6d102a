/**
 * The userspace proxy against the real apiserver (in-process, memory store) and the real kernel:
 * a socket process in the node netns accepts what the portal table redirects and forwards it to
 * real servers in pod namespaces (TCP and UDP), round robin, with ClientIP affinity, skipping a
 * dead endpoint; stop removes the table and the process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { EndpointSlice, KubeObject, Service } from '../../../src/api/types.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { Client } from '../../../src/client/client.js';
import { ip, nft, run } from '../../../src/dataplane/exec.js';
import { startUserspaceProxy } from '../../../src/proxy/userspace/index.js';
import { openStore } from '../../../src/store/index.js';
import { eventually } from '../../helpers/eventually.js';
import { cleanupPrefix, curl, killChild, leftovers, makeNode, makePod, startEchoServer, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NODE = `${P}node`;
const CLIENT = `${P}client`;
const S1 = `${P}s1`;
const S2 = `${P}s2`;
const DEAD = `${P}dead`;
const children: ChildProcess[] = [];
let api: ApiServer | undefined;
let client: Client;
let proxy: Awaited<ReturnType<typeof startUserspaceProxy>> | undefined;
const errors: unknown[] = [];

type Svc = Service & KubeObject;
type Slice = EndpointSlice & KubeObject;

function service(name: string, clusterIP: string, protocol: 'TCP' | 'UDP', port: number, extra: Service['spec'] = {}): Svc {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name },
    spec: { clusterIP, ports: [{ name: 'p', port, protocol, ...(extra?.type === 'NodePort' ? { nodePort: 30080 } : {}) }], ...extra },
  };
}

function slice(svc: string, ips: string[], protocol: 'TCP' | 'UDP', port: number): Slice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: 'default', name: `${svc}-1`, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'p', port, protocol }],
    endpoints: ips.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName: 'node1' })),
  };
}

const UDP_SERVER = `
const s = require('dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(process.argv[2] + ' ' + m, r.port, r.address));
s.bind(Number(process.argv[1]), () => console.log('listening'));`;

const UDP_CLIENT = `
const s = require('dgram').createSocket('udp4');
const t = setTimeout(() => { console.log('timeout'); process.exit(1); }, 3000);
s.on('message', (m, r) => { clearTimeout(t); console.log(r.address + ':' + r.port + ' ' + m); s.close(); });
const send = () => s.send('ping', Number(process.argv[2]), process.argv[1]);
if (process.argv[3]) s.bind(Number(process.argv[3]), send); else send();`;

async function startUdpServer(ns: string, port: number, name: string): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', UDP_SERVER, String(port), name], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`udp server in ${ns} exited ${c}`)));
  });
}

/** One datagram and its reply (`from text`), optionally from a fixed source port. */
async function udpAsk(ns: string, host: string, port: number, sourcePort?: number): Promise<string> {
  const args = ['netns', 'exec', ns, process.execPath, '-e', UDP_CLIENT, host, String(port), ...(sourcePort ? [String(sourcePort)] : [])];
  const r = await run('ip', args, { allowFailure: true });
  return r.stdout.trim();
}

before(async () => {
  await makeNode(NODE, '10.244.0.1/24');
  // Node-originated traffic to a ClusterIP needs a route for the kernel to pick a source at all.
  await ip(NODE, ['route', 'add', '10.96.0.0/12', 'dev', 'cni0']);
  await makePod(NODE, CLIENT, 'vethclient', '10.244.0.2/24', '10.244.0.1');
  await makePod(NODE, S1, 'veths1', '10.244.0.3/24', '10.244.0.1');
  await makePod(NODE, S2, 'veths2', '10.244.0.4/24', '10.244.0.1');
  await makePod(NODE, DEAD, 'vethdead', '10.244.0.5/24', '10.244.0.1');
  children.push(await startEchoServer(S1, 80, 'whoami'), await startEchoServer(S2, 80, 'whoami'));
  await startUdpServer(S1, 5353, 's1');
  api = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0 });
  client = new Client({ server: api.url, userAgent: 'userspace-proxy-test' });
  const objects: [Svc, Slice][] = [
    [service('web', '10.96.0.50', 'TCP', 80, { type: 'NodePort' }), slice('web', ['10.244.0.3', '10.244.0.4'], 'TCP', 80)],
    [service('sticky', '10.96.0.51', 'TCP', 80, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
      slice('sticky', ['10.244.0.3', '10.244.0.4'], 'TCP', 80)],
    [service('half', '10.96.0.52', 'TCP', 80), slice('half', ['10.244.0.3', '10.244.0.5'], 'TCP', 80)],
    [service('dns', '10.96.0.53', 'UDP', 53), slice('dns', ['10.244.0.3'], 'UDP', 5353)],
  ];
  for (const [s, sl] of objects) {
    await client.create<Svc>('services', 'default', s);
    await client.create<Slice>('endpointslices', 'default', sl);
  }
  proxy = await startUserspaceProxy({
    client, nodeName: 'node1', netns: NODE, nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12',
    minSyncPeriodMs: 50, onError: (e) => errors.push(e),
  });
});

after(async () => {
  await proxy?.stop().catch(() => undefined);
  client?.close();
  await api?.close();
  for (const c of children) await killChild(c);
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

test('a pod reaches a ClusterIP over TCP; connections alternate between the 2 endpoints', async () => {
  assert.deepEqual(errors, []);
  const bodies: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await curl(CLIENT, 'http://10.96.0.50/');
    assert.equal(r.code, 0, `curl ${i} failed`);
    bodies.push(r.body);
  }
  assert.deepEqual(new Set(bodies), new Set(['10.244.0.3', '10.244.0.4']));
  assert.notEqual(bodies[0], bodies[1]);
  assert.equal(bodies[0], bodies[2]);
  assert.deepEqual(errors, []);
});

test('the node itself reaches the ClusterIP (KUBE-PORTALS-HOST), and a node port (KUBE-NODEPORT-CONTAINER) works', async () => {
  assert.match((await curl(NODE, 'http://10.96.0.50/')).body, /^10\.244\.0\.[34]$/);
  assert.match((await curl(CLIENT, 'http://10.244.0.1:30080/')).body, /^10\.244\.0\.[34]$/);
});

test('ClientIP affinity: every connection of the client goes to one endpoint', async () => {
  const bodies = new Set<string>();
  for (let i = 0; i < 4; i++) bodies.add((await curl(CLIENT, 'http://10.96.0.51/')).body);
  assert.equal(bodies.size, 1);
  assert.match([...bodies][0], /^10\.244\.0\.[34]$/);
});

test('a dead endpoint (connection refused) is skipped: every connection succeeds on the live one', async () => {
  for (let i = 0; i < 4; i++) {
    const r = await curl(CLIENT, 'http://10.96.0.52/');
    assert.equal(r.code, 0);
    assert.equal(r.body, '10.244.0.3');
  }
});

test('UDP through a ClusterIP: the reply comes back from the service address', async () => {
  assert.equal(await udpAsk(CLIENT, '10.96.0.53', 53), '10.96.0.53:53 s1 ping');
  assert.equal(await udpAsk(CLIENT, '10.96.0.53', 53), '10.96.0.53:53 s1 ping');
});

test('an endpoint change is followed: the web Service moves to one endpoint', async () => {
  const cur = await client.get<Slice>('endpointslices', 'default', 'web-1');
  const next = slice('web', ['10.244.0.4'], 'TCP', 80);
  await client.update<Slice>('endpointslices', { ...next, metadata: { ...next.metadata, resourceVersion: cur.metadata?.resourceVersion } });
  await eventually('web follows its single endpoint', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await curl(CLIENT, 'http://10.96.0.50/')).body, '10.244.0.4');
    return true;
  });
});

test('a Service without endpoints: the connection is accepted, then closed (upstream userspace)', async () => {
  await client.create<Svc>('services', 'default', service('empty', '10.96.0.54', 'TCP', 80));
  await eventually('the empty Service has a portal', async () => (await nft(NODE, ['list', 'chain', 'ip', 'kube-proxy-userspace', 'KUBE-PORTALS-CONTAINER'])).includes('10.96.0.54'));
  const r = await curl(CLIENT, 'http://10.96.0.54/', 3);
  // The proxy closes the connection with the request unread: curl sees a reset (56) or an empty reply (52), at once.
  assert.ok(r.code === 56 || r.code === 52, `curl exit ${r.code}`);
  assert.ok(r.ms < 2500, `took ${r.ms} ms`);
});

test('a killed socket process is replaced and the portals follow its new ports', async () => {
  assert.equal(await udpAsk(CLIENT, '10.96.0.53', 53, 40053), '10.96.0.53:53 s1 ping');
  const pid = proxy!.socketProcessPid!;
  process.kill(pid, 'SIGKILL');
  await eventually('a new socket process', () => proxy!.socketProcessPid !== pid && proxy!.socketProcessPid !== undefined);
  await eventually('the Service works again', async () => (await curl(CLIENT, 'http://10.96.0.50/', 2)).body === '10.244.0.4');
  // The UDP flow of that source port pointed at the old proxy port: the sync deletes it, just
  // after its nft apply, so the TCP answer above can come a moment before the flow is gone.
  await eventually('UDP from the same source port works again', async () => (await udpAsk(CLIENT, '10.96.0.53', 53, 40053)) === '10.96.0.53:53 s1 ping');
  assert.ok(errors.every((e) => String(e).includes('exited')), String(errors));
});

test('an unchanged sync leaves the portal table alone; a table deleted behind its back is restored', async () => {
  const handles = async () => (await nft(NODE, ['-a', 'list', 'chain', 'ip', 'kube-proxy-userspace', 'KUBE-PORTALS-CONTAINER'])).match(/# handle \d+/g)?.join(',');
  await proxy!.syncNow();
  const before = await handles();
  assert.ok(before);
  await proxy!.syncNow();
  assert.equal(await handles(), before, 'the same rules (handles), not a rewrite');
  await nft(NODE, ['delete', 'table', 'ip', 'kube-proxy-userspace']);
  await proxy!.syncNow();
  assert.equal((await curl(CLIENT, 'http://10.96.0.50/', 2)).body, '10.244.0.4');
});

test('stop removes the portal table and ends the socket process', async () => {
  const pid = proxy!.socketProcessPid;
  assert.ok(pid);
  assert.match(await nft(NODE, ['list', 'table', 'ip', 'kube-proxy-userspace']), /KUBE-PORTALS-CONTAINER/);
  await proxy!.stop();
  proxy = undefined;
  const r = await run('ip', ['netns', 'exec', NODE, 'nft', 'list', 'table', 'ip', 'kube-proxy-userspace'], { allowFailure: true });
  assert.notEqual(r.code, 0);
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
  assert.notEqual((await curl(CLIENT, 'http://10.96.0.50/', 2)).code, 0);
});
