/**
 * startProxy against the real apiserver (in-process, memory store) and the real kernel: Services
 * and EndpointSlices written through the API become nftables rules in the node netns, and real
 * connections from a pod follow them as they change.
 */
import { eventually } from '../../helpers/eventually.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { EndpointSlice, KubeObject, Service } from '../../../src/api/types.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { Client } from '../../../src/client/client.js';
import { nft } from '../../../src/dataplane/exec.js';
import { startProxy, type Proxy } from '../../../src/proxy/index.js';
import { openStore } from '../../../src/store/index.js';
import { cleanupPrefix, curl, killChild, leftovers, makeNode, makePod, startEchoServer, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NODE = `${P}node`;
const CLIENT = `${P}client`;
const SERVER = `${P}server`;
let server: ChildProcess | undefined;
let api: ApiServer | undefined;
let client: Client;
let proxy: Proxy | undefined;
const errors: unknown[] = [];

type Svc = Service & KubeObject;
type Slice = EndpointSlice & KubeObject;

const slice = (ips: string[]): Slice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'node1' })),
});


before(async () => {
  await makeNode(NODE, '10.244.0.1/24');
  await makePod(NODE, CLIENT, 'vethclient', '10.244.0.2/24', '10.244.0.1');
  await makePod(NODE, SERVER, 'vethserver', '10.244.0.3/24', '10.244.0.1');
  server = await startEchoServer(SERVER, 80);
  api = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0 });
  client = new Client({ server: api.url, userAgent: 'proxy-test' });
  await client.create<Svc>('services', 'default', {
    apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' },
    spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
  await client.create<Slice>('endpointslices', 'default', slice(['10.244.0.3']));
  proxy = await startProxy({
    client, nodeName: 'node1', netns: NODE, nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12',
    minSyncPeriodMs: 50, onError: (e) => errors.push(e),
  });
});

after(async () => {
  await proxy?.stop();
  client?.close();
  await api?.close();
  await killChild(server);
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

test('after start, a pod reaches the Service and the server sees the pod IP', async () => {
  const r = await curl(CLIENT, 'http://10.96.0.50:80/');
  assert.equal(r.code, 0);
  assert.equal(r.body, '10.244.0.2');
  assert.deepEqual(errors, []);
});

test('hairpin: the endpoint reaches itself through the Service', async () => {
  assert.equal((await curl(SERVER, 'http://10.96.0.50:80/')).body, '10.244.0.1');
});

test('when the EndpointSlice empties, connections are refused; when it refills, they work again', async () => {
  const cur = await client.get<Slice>('endpointslices', 'default', 'web-1');
  await client.update<Slice>('endpointslices', { ...slice([]), metadata: { ...slice([]).metadata, resourceVersion: cur.metadata?.resourceVersion } });
  await eventually('connection refused', async () => (await curl(CLIENT, 'http://10.96.0.50:80/', 2)).code === 7);
  const again = await client.get<Slice>('endpointslices', 'default', 'web-1');
  await client.update<Slice>('endpointslices', { ...slice(['10.244.0.3']), metadata: { ...slice([]).metadata, resourceVersion: again.metadata?.resourceVersion } });
  await eventually('served again', async () => (await curl(CLIENT, 'http://10.96.0.50:80/', 2)).body === '10.244.0.2');
});

test('a restarted proxy converges from the kernel state without disrupting traffic', async () => {
  await proxy!.stop();
  proxy = await startProxy({
    client, nodeName: 'node1', netns: NODE, nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12',
    minSyncPeriodMs: 50, onError: (e) => errors.push(e),
  });
  assert.equal((await curl(CLIENT, 'http://10.96.0.50:80/')).body, '10.244.0.2');
  assert.deepEqual(errors, []);
});

test('deleting the Service removes its chains and elements', async () => {
  await client.delete('services', 'default', 'web');
  await eventually('chains gone', async () => !/default\/web/.test(await nft(NODE, ['list', 'table', 'ip', 'kube-proxy'])));
  await proxy!.syncNow();
  const table = await nft(NODE, ['list', 'table', 'ip', 'kube-proxy']);
  assert.doesNotMatch(table, /10\.96\.0\.50/);
  // Unallocated now: dropped by the proxy or unroutable in a node without a default route.
  assert.notEqual((await curl(CLIENT, 'http://10.96.0.50:80/', 1)).code, 0);
});

test('a flushed ruleset is rewritten on the next sync', async () => {
  await client.create<Svc>('services', 'default', {
    apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web2' },
    spec: { clusterIP: '10.96.0.52', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
  await eventually('web2 programmed', async () => /10\.96\.0\.52/.test(await nft(NODE, ['list', 'table', 'ip', 'kube-proxy'])));
  await nft(NODE, ['delete', 'table', 'ip', 'kube-proxy']);
  await proxy!.syncNow();
  assert.match(await nft(NODE, ['list', 'table', 'ip', 'kube-proxy']), /10\.96\.0\.52 \. tcp \. 80 comment "default\/web2:http" : goto reject-chain/);
});
