/**
 * startFlannel with the host-gw backend on two node namespaces against the real apiserver: no
 * flannel.1, host-gw annotations, subnet.env with the underlay MTU, a route per peer via its
 * node IP on eth0, pods talk across nodes without NAT (ttl 62: two routers), a removed route
 * is repaired, a deleted Node's route goes, and a node switched from vxlan loses flannel.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject, Node } from '../../../src/api/types.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { Client } from '../../../src/client/client.js';
import { ip, run } from '../../../src/dataplane/exec.js';
import { startFlannel, type Flannel } from '../../../src/overlay/index.js';
import { readHostGwRoutes } from '../../../src/overlay/hostgw.js';
import { openStore } from '../../../src/store/index.js';
import { eventually } from '../../helpers/eventually.js';
import { attachNode, makeUnderlay } from '../../helpers/overlay-underlay.js';
import { cleanupPrefix, curl, killChild, leftovers, makeNode, makePod, startEchoServer, testPrefix } from '../../helpers/proxy-netns.js';

type NodeObj = Node & KubeObject;
const P = testPrefix();
const UL = `${P}underlay`;
const dir = mkdtempSync(join(tmpdir(), 'podnet-hostgw-'));
const nodes = [
  { name: 'node1', ns: `${P}node1`, ip: '172.18.0.11', cidr: '10.244.0.0/24', gw: '10.244.0.1', pod: `${P}pod1`, podIP: '10.244.0.2' },
  { name: 'node2', ns: `${P}node2`, ip: '172.18.0.12', cidr: '10.244.1.0/24', gw: '10.244.1.1', pod: `${P}pod2`, podIP: '10.244.1.2' },
];
let api: ApiServer | undefined;
let client: Client;
const agents = new Map<string, Flannel>();
const errors: unknown[] = [];
const subnetFile = (name: string) => join(dir, name, 'subnet.env');
const start = (n: (typeof nodes)[number], backend: 'vxlan' | 'host-gw' = 'host-gw') =>
  startFlannel({ client, nodeName: n.name, netns: n.ns, nodeIP: n.ip, clusterCIDR: '10.244.0.0/16', backend, subnetFile: subnetFile(n.name), minSyncPeriodMs: 50, onError: (e) => errors.push(e) });
const ping = (from: string, to: string) => run('ip', ['netns', 'exec', from, 'ping', '-c', '1', '-W', '2', to], { allowFailure: true });

before(async () => {
  api = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0 });
  client = new Client({ server: api.url, userAgent: 'hostgw-test' });
  await makeUnderlay(UL);
  for (const [i, n] of nodes.entries()) {
    await attachNode(UL, n.ns, `veth-n${i + 1}`, `${n.ip}/16`);
    await makeNode(n.ns, `${n.gw}/24`);
    await makePod(n.ns, n.pod, 'vethpod', `${n.podIP}/24`, n.gw);
    await client.create<NodeObj>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, spec: { podCIDR: n.cidr, podCIDRs: [n.cidr] } });
  }
  // node1 starts on vxlan, as a cluster that changed backends: host-gw must remove flannel.1.
  const first = await start(nodes[0], 'vxlan');
  await first.ready;
  await first.stop();
  for (const n of nodes) agents.set(n.name, await start(n));
  await Promise.all([...agents.values()].map((a) => a.ready));
});

after(async () => {
  for (const a of agents.values()) await a.stop();
  client?.close();
  await api?.close();
  await cleanupPrefix(P);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(await leftovers(P), []);
});

test('no flannel.1; host-gw annotations; subnet.env carries the underlay MTU', async () => {
  for (const n of nodes) {
    const r = await run('ip', ['-n', n.ns, 'link', 'show', 'flannel.1'], { allowFailure: true });
    assert.notEqual(r.code, 0, `${n.name} still has flannel.1`);
    const ann = (await client.get<NodeObj>('nodes', undefined, n.name)).metadata?.annotations ?? {};
    assert.equal(ann['flannel.alpha.coreos.com/backend-type'], 'host-gw');
    assert.equal(ann['flannel.alpha.coreos.com/backend-data'], 'null');
    assert.equal(ann['flannel.alpha.coreos.com/public-ip'], n.ip);
  }
  assert.equal(readFileSync(subnetFile('node2'), 'utf8'), 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1500\nFLANNEL_IPMASQ=true\n');
});

test('each node routes the other node\'s pod CIDR via its node IP on eth0', async () => {
  // Each agent syncs on its own informer's schedule: wait for both nodes, not just the first.
  for (const n of nodes) await eventually(`${n.name}'s route`, async () => (await readHostGwRoutes(n.ns, 'eth0', '10.244.0.0/16')).length === 1);
  assert.deepEqual(await readHostGwRoutes(nodes[0].ns, 'eth0', '10.244.0.0/16'), [{ dst: '10.244.1.0/24', via: '172.18.0.12' }]);
  assert.deepEqual(await readHostGwRoutes(nodes[1].ns, 'eth0', '10.244.0.0/16'), [{ dst: '10.244.0.0/24', via: '172.18.0.11' }]);
});

test('pods on different nodes talk without NAT (ttl 62, the server sees the client pod IP)', async () => {
  const r = await ping(nodes[0].pod, nodes[1].podIP);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ttl=62/);
  const server = await startEchoServer(nodes[1].pod, 8080);
  try {
    assert.equal((await curl(nodes[0].pod, `http://${nodes[1].podIP}:8080/`)).body, nodes[0].podIP);
    // A node reaches a pod on another node with its own node IP as source.
    assert.equal((await curl(nodes[0].ns, `http://${nodes[1].podIP}:8080/`)).body, nodes[0].ip);
  } finally {
    await killChild(server);
  }
  assert.deepEqual(errors, []);
});

test('a route deleted behind flannel\'s back is restored on the next sync', async () => {
  await ip(nodes[0].ns, ['route', 'del', '10.244.1.0/24']);
  await agents.get('node1')!.syncNow();
  assert.deepEqual(await readHostGwRoutes(nodes[0].ns, 'eth0', '10.244.0.0/16'), [{ dst: '10.244.1.0/24', via: '172.18.0.12' }]);
});

test('deleting a Node removes its route on the other node', async () => {
  await agents.get('node2')!.stop();
  agents.delete('node2');
  await client.delete('nodes', undefined, 'node2');
  await eventually('node2 route gone from node1', async () => (await readHostGwRoutes(nodes[0].ns, 'eth0', '10.244.0.0/16')).length === 0);
  assert.notEqual((await ping(nodes[0].pod, nodes[1].podIP)).code, 0);
});
