/**
 * Every Service shape upstream's userspace proxier served, against the real apiserver and the
 * real kernel: a node netns with a pod bridge and an `eth0` on a small "node network" shared with
 * an outside host. A multi-port LoadBalancer Service (TCP + UDP, named ports, externalIP, ingress
 * IP, node ports) answers from a pod, from the node and from the outside host; a selector-less
 * Service with a hand-written slice works; headless, ExternalName and SCTP get no portal (SCTP is
 * logged once); traffic policies and source ranges are ignored, terminating endpoints unused; ClientIP affinity expires after
 * timeoutSeconds; a UDP client whose endpoint is removed is sent to a live one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { EndpointSlice, KubeObject, Service } from '../../../src/api/types.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { Client } from '../../../src/client/client.js';
import { ip, ipBatch, nft, run } from '../../../src/dataplane/exec.js';
import { netnsAdd } from '../../../src/dataplane/netns.js';
import { startUserspaceProxy } from '../../../src/proxy/userspace/index.js';
import { openStore } from '../../../src/store/index.js';
import { eventually } from '../../helpers/eventually.js';
import { cleanupPrefix, curl, killChild, leftovers, makeNode, makePod, startEchoServer, testPrefix } from '../../helpers/proxy-netns.js';
import { startUdpServer, udpAsk } from '../../helpers/proxy-userspace-udp.js';

const P = testPrefix();
const NODE = `${P}node`;
const OUTSIDE = `${P}out`;
const CLIENT = `${P}client`;
const S1 = `${P}s1`;
const S2 = `${P}s2`;
const NODE_IP = '172.18.0.11';
const EXTERNAL_IP = '172.18.0.100';
const LB_IP = '172.18.0.240';
const children: ChildProcess[] = [];
const logs: string[] = [];
const errors: unknown[] = [];
let api: ApiServer | undefined;
let client: Client;
let proxy: Awaited<ReturnType<typeof startUserspaceProxy>> | undefined;

type Svc = Service & KubeObject;
type Slice = EndpointSlice & KubeObject;
type SlicePort = NonNullable<EndpointSlice['ports']>[number];

const svc = (name: string, spec: Service['spec']): Svc => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name }, spec });

/** A slice as the endpointslice controller (or, selector-less, the mirroring one) writes it; endpoints on node2. */
function slice(name: string, ips: string[], ports: SlicePort[]): Slice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: 'default', name: `${name}-1`, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4', ports,
    endpoints: ips.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName: 'node2' })),
  };
}

const OBJECTS: [Svc, Slice | undefined][] = [
  [svc('multi', {
    type: 'LoadBalancer', clusterIP: '10.96.0.60', externalIPs: [EXTERNAL_IP],
    // Traffic policies and source ranges: upstream's userspace proxier read none of them.
    externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['10.0.0.0/8'],
    selector: { app: 'multi' },
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'web', nodePort: 30080 },
      { name: 'peer', port: 81, protocol: 'TCP', targetPort: 'peer', nodePort: 30081 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353, nodePort: 30053 },
    ],
  }), slice('multi', ['10.244.0.3'], [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'peer', port: 9090, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }])],
  [svc('manual', { clusterIP: '10.96.0.61', ports: [{ port: 80, protocol: 'TCP' }] }), slice('manual', ['10.244.0.4'], [{ port: 8080, protocol: 'TCP' }])],
  [svc('headless', { clusterIP: 'None', selector: { app: 'x' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    slice('headless', ['10.244.0.3'], [{ name: 'http', port: 8080, protocol: 'TCP' }])],
  [svc('extname', { type: 'ExternalName', externalName: 'example.com' }), undefined],
  [svc('sctp', { clusterIP: '10.96.0.62', ports: [{ name: 's', port: 9999, protocol: 'SCTP' }] }), slice('sctp', ['10.244.0.3'], [{ name: 's', port: 9999, protocol: 'SCTP' }])],
  [svc('sticky', { clusterIP: '10.96.0.63', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 3 } }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    slice('sticky', ['10.244.0.3', '10.244.0.4'], [{ name: 'http', port: 8080, protocol: 'TCP' }])],
  [svc('term', { clusterIP: '10.96.0.65', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }), {
    ...slice('term', ['10.244.0.3'], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
    endpoints: [{ addresses: ['10.244.0.3'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'node1' }],
  }],
  [svc('udp', { clusterIP: '10.96.0.64', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
    slice('udp', ['10.244.0.3', '10.244.0.4'], [{ name: 'dns', port: 5353, protocol: 'UDP' }])],
];

async function makeNetwork(): Promise<void> {
  await makeNode(NODE, '10.244.0.1/24');
  await netnsAdd(OUTSIDE);
  await ip(undefined, ['link', 'add', 'eth0', 'netns', NODE, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', OUTSIDE]);
  // The node holds the load-balancer IP as a /32, as the LB speaker does.
  await ipBatch(NODE, [`addr add ${NODE_IP}/16 dev eth0`, `addr add ${LB_IP}/32 dev eth0`, 'link set eth0 up', 'route add 10.96.0.0/12 dev eth0']);
  await ipBatch(OUTSIDE, ['addr add 172.18.0.200/16 dev eth0', 'link set eth0 up', `route add ${EXTERNAL_IP}/32 via ${NODE_IP}`]);
  await makePod(NODE, CLIENT, 'vethclient', '10.244.0.2/24', '10.244.0.1');
  await makePod(NODE, S1, 'veths1', '10.244.0.3/24', '10.244.0.1');
  await makePod(NODE, S2, 'veths2', '10.244.0.4/24', '10.244.0.1');
  for (const s of [S1, S2]) children.push(await startEchoServer(s, 8080, 'whoami'), await startUdpServer(s, 5353, s === S1 ? 's1' : 's2'));
  children.push(await startEchoServer(S1, 9090, 'client'));
}

before(async () => {
  await makeNetwork();
  api = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0 });
  client = new Client({ server: api.url, userAgent: 'userspace-shapes-test' });
  for (const [s, sl] of OBJECTS) {
    await client.create<Svc>('services', 'default', s);
    if (sl) await client.create<Slice>('endpointslices', 'default', sl);
  }
  const multi = await client.get<Svc>('services', 'default', 'multi');
  await client.updateStatus<Svc>('services', { ...multi, status: { loadBalancer: { ingress: [{ ip: LB_IP }] } } });
  proxy = await startUserspaceProxy({
    client, nodeName: 'node1', netns: NODE, nodeIP: NODE_IP, clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12',
    minSyncPeriodMs: 50, udpIdleTimeoutMs: 30_000, onError: (e) => errors.push(e), log: (m) => logs.push(m),
  });
  await eventually('the ingress IP has a portal', async () => (await nft(NODE, ['list', 'chain', 'ip', 'kube-proxy-userspace', 'KUBE-PORTALS-CONTAINER'])).includes(LB_IP));
});

after(async () => {
  await proxy?.stop().catch(() => undefined);
  client?.close();
  await api?.close();
  for (const c of children) await killChild(c);
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

const body = async (ns: string, url: string): Promise<string> => {
  const r = await curl(ns, url, 3);
  assert.equal(r.code, 0, `curl ${url} from ${ns}: exit ${r.code}`);
  return r.body;
};

test('a pod reaches the multi-port Service on its ClusterIP, externalIP, ingress IP and node ports of every node address', async () => {
  for (const host of ['10.96.0.60', EXTERNAL_IP, LB_IP]) assert.equal(await body(CLIENT, `http://${host}/`), '10.244.0.3', host);
  for (const host of ['10.244.0.1', NODE_IP]) assert.equal(await body(CLIENT, `http://${host}:30080/`), '10.244.0.3', host);
  // The named port "peer" reaches the pod's 9090, whose server echoes the client: the node (cni0), not the pod.
  assert.equal(await body(CLIENT, 'http://10.96.0.60:81/'), '10.244.0.1');
  assert.equal(await udpAsk(CLIENT, '10.96.0.60', 53), '10.96.0.60:53 s1 ping');
  assert.deepEqual(errors, []);
});

test('the node itself reaches the ClusterIP and its node ports, localhost included', async () => {
  assert.equal(await body(NODE, 'http://10.96.0.60/'), '10.244.0.3');
  for (const host of [NODE_IP, '127.0.0.1']) assert.equal(await body(NODE, `http://${host}:30080/`), '10.244.0.3', host);
});

test('the outside host reaches TCP and UDP node ports, the externalIP and the ingress IP (policies and source ranges ignored)', async () => {
  assert.equal(await body(OUTSIDE, `http://${NODE_IP}:30080/`), '10.244.0.3');
  assert.equal(await body(OUTSIDE, `http://${EXTERNAL_IP}/`), '10.244.0.3');
  assert.equal(await body(OUTSIDE, `http://${LB_IP}/`), '10.244.0.3');
  // The reply leaves the proxy socket; conntrack turns its source back into the node port.
  assert.equal(await udpAsk(OUTSIDE, NODE_IP, 30053), `${NODE_IP}:30053 s1 ping`);
  // The proxy opens a new connection: the server sees the node's address toward it (cni0), not 172.18.0.200.
  assert.equal(await body(OUTSIDE, `http://${NODE_IP}:30081/`), '10.244.0.1');
});

test('the socket process holds each node port open itself (upstream claimNodePort)', async () => {
  const tcp = (await run('ip', ['netns', 'exec', NODE, 'ss', '-Hltn'])).stdout;
  const udp = (await run('ip', ['netns', 'exec', NODE, 'ss', '-Hlun'])).stdout;
  assert.match(tcp, /0\.0\.0\.0:30080\b/);
  assert.match(tcp, /0\.0\.0\.0:30081\b/);
  assert.match(udp, /0\.0\.0\.0:30053\b/);
});

test('a selector-less Service with a hand-written EndpointSlice works', async () => {
  assert.equal(await body(CLIENT, 'http://10.96.0.61/'), '10.244.0.4');
});

test('headless, ExternalName and SCTP Services get no portal; SCTP is logged once', async () => {
  const portals = await nft(NODE, ['list', 'chain', 'ip', 'kube-proxy-userspace', 'KUBE-PORTALS-CONTAINER']);
  assert.doesNotMatch(portals, /headless|extname|sctp|10\.96\.0\.62/);
  await proxy!.syncNow();
  await proxy!.syncNow();
  assert.deepEqual(logs, ['userspace proxy node1: Not proxying "default/sctp:s": protocol SCTP is not supported in userspace mode']);
});

test('a terminating endpoint, though serving, is never used: the connection is accepted and closed', async () => {
  // A hang would end in curl's timeout (exit 28); 52/56 is the proxy closing the connection.
  const r = await curl(CLIENT, 'http://10.96.0.65/', 3);
  assert.ok(r.code === 52 || r.code === 56, `curl exit ${r.code}: ${r.body}`);
});

test('ClientIP affinity holds within timeoutSeconds and expires after it', async () => {
  const first = await body(CLIENT, 'http://10.96.0.63/');
  for (let i = 0; i < 3; i++) assert.equal(await body(CLIENT, 'http://10.96.0.63/'), first);
  await new Promise((r) => setTimeout(r, 3300));
  // Expired: round robin resumes where it was, at the other endpoint.
  assert.notEqual(await body(CLIENT, 'http://10.96.0.63/'), first);
});

test('a UDP client whose endpoint is removed is sent to a live one (its server is still up)', async () => {
  const first = await udpAsk(CLIENT, '10.96.0.64', 53, 41053);
  assert.match(first, /^10\.96\.0\.64:53 s[12] ping$/);
  assert.equal(await udpAsk(CLIENT, '10.96.0.64', 53, 41053), first, 'one "connection" per client ip:port');
  const [gone, kept] = first.includes('s1') ? ['10.244.0.3', '10.244.0.4'] : ['10.244.0.4', '10.244.0.3'];
  const cur = await client.get<Slice>('endpointslices', 'default', 'udp-1');
  const next = slice('udp', [kept], [{ name: 'dns', port: 5353, protocol: 'UDP' }]);
  await client.update<Slice>('endpointslices', { ...next, metadata: { ...next.metadata, resourceVersion: cur.metadata?.resourceVersion } });
  const want = `10.96.0.64:53 ${kept === '10.244.0.3' ? 's1' : 's2'} ping`;
  await eventually(`the client moved off ${gone}`, async () => (await udpAsk(CLIENT, '10.96.0.64', 53, 41053, 500)) === want);
  assert.equal(await udpAsk(CLIENT, '10.96.0.64', 53, 41053), want);
});

test('a UDP datagram to a Service without endpoints gets no answer, and the proxy stays healthy', async () => {
  const cur = await client.get<Slice>('endpointslices', 'default', 'udp-1');
  await client.update<Slice>('endpointslices', { ...slice('udp', [], [{ name: 'dns', port: 5353, protocol: 'UDP' }]), metadata: { ...cur.metadata } });
  await eventually('no endpoint answers', async () => (await udpAsk(CLIENT, '10.96.0.64', 53, 0, 400)) === 'timeout');
  assert.equal(await udpAsk(CLIENT, '10.96.0.60', 53), '10.96.0.60:53 s1 ping');
  assert.deepEqual(errors, []);
});
