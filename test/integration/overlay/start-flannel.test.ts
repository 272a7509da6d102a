/**
 * startFlannel on two node namespaces against the real apiserver: leases from spec.podCIDR,
 * annotations and subnet.env written, pods ping across flannel.1, a deleted Node's entries are
 * removed on the other node, and a restart keeps the VTEP MAC.
 */
import { eventually } from '../../helpers/eventually.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject, Node } from '../../../src/api/types.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { Client } from '../../../src/client/client.js';
import { ipJson, run } from '../../../src/dataplane/exec.js';
import { startFlannel, type Flannel } from '../../../src/overlay/index.js';
import { readVxlanState } from '../../../src/overlay/vxlan-kernel.js';
import { openStore } from '../../../src/store/index.js';
import { attachNode, makeUnderlay } from '../../helpers/overlay-underlay.js';
import { cleanupPrefix, curl, killChild, leftovers, makeNode, makePod, startEchoServer, testPrefix } from '../../helpers/proxy-netns.js';
import type { ChildProcess } from 'node:child_process';

type NodeObj = Node & KubeObject;
const P = testPrefix();
const UL = `${P}underlay`;
const OUTSIDE = `${P}outside`;
let outsideServer: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'podnet-flannel-'));
const nodes = [
  { name: 'node1', ns: `${P}node1`, ip: '172.18.0.11', cidr: '10.244.0.0/24', gw: '10.244.0.1', pod: `${P}pod1`, podIP: '10.244.0.2' },
  { name: 'node2', ns: `${P}node2`, ip: '172.18.0.12', cidr: '10.244.1.0/24', gw: '10.244.1.1', pod: `${P}pod2`, podIP: '10.244.1.2' },
];
let api: ApiServer | undefined;
let client: Client;
const agents = new Map<string, Flannel>();
const errors: unknown[] = [];

const subnetFile = (name: string) => join(dir, name, 'run', 'flannel', 'subnet.env');
const start = (n: (typeof nodes)[number]) =>
  startFlannel({ client, nodeName: n.name, netns: n.ns, nodeIP: n.ip, clusterCIDR: '10.244.0.0/16', subnetFile: subnetFile(n.name), minSyncPeriodMs: 50, onError: (e) => errors.push(e) });


before(async () => {
  api = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0 });
  client = new Client({ server: api.url, userAgent: 'flannel-test' });
  await makeUnderlay(UL);
  for (const [i, n] of nodes.entries()) {
    await attachNode(UL, n.ns, `veth-n${i + 1}`, `${n.ip}/16`);
    await makeNode(n.ns, `${n.gw}/24`);
    await makePod(n.ns, n.pod, 'vethpod', `${n.podIP}/24`, n.gw);
    // Node first without a lease: flannel must wait for node IPAM.
    await client.create<NodeObj>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, spec: {} });
    agents.set(n.name, await start(n));
  }
  for (const n of nodes) {
    const cur = await client.get<NodeObj>('nodes', undefined, n.name);
    await client.update<NodeObj>('nodes', { ...cur, spec: { ...cur.spec, podCIDR: n.cidr, podCIDRs: [n.cidr] } });
  }
  await Promise.all([...agents.values()].map((a) => a.ready));
  // A host on the node network with no route to pods (like the control plane or a laptop).
  await attachNode(UL, OUTSIDE, 'veth-out', '172.18.0.200/16');
  outsideServer = await startEchoServer(OUTSIDE, 80);
});

after(async () => {
  await killChild(outsideServer);
  for (const a of agents.values()) await a.stop();
  client?.close();
  await api?.close();
  await cleanupPrefix(P);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(await leftovers(P), []);
});

test('each node publishes its lease annotations with the flannel.1 MAC', async () => {
  for (const n of nodes) {
    const node = await client.get<NodeObj>('nodes', undefined, n.name);
    const ann = node.metadata?.annotations ?? {};
    const [link] = await ipJson<{ address: string }[]>(n.ns, ['link', 'show', 'flannel.1']);
    assert.equal(ann['flannel.alpha.coreos.com/backend-type'], 'vxlan');
    assert.equal(ann['flannel.alpha.coreos.com/backend-data'], JSON.stringify({ VNI: 1, VtepMAC: link.address }));
    assert.equal(ann['flannel.alpha.coreos.com/kube-subnet-manager'], 'true');
    assert.equal(ann['flannel.alpha.coreos.com/public-ip'], n.ip);
  }
});

test('subnet.env holds the network, the lease first IP and the MTU', () => {
  assert.equal(readFileSync(subnetFile('node2'), 'utf8'), 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n');
});

test('pods on different nodes ping each other over flannel.1 (ttl 62)', async () => {
  await eventually('peer programmed', async () => (await readVxlanState(nodes[0].ns)).fdb.length === 1);
  const r = await run('ip', ['netns', 'exec', nodes[0].pod, 'ping', '-c', '2', '-W', '2', nodes[1].podIP], { allowFailure: true });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ttl=62/);
  assert.deepEqual(errors, []);
});

test('ip-masq: a pod reaches a host off the pod network, masqueraded to its node IP', async () => {
  const r = await curl(nodes[0].pod, 'http://172.18.0.200:80/');
  assert.equal(r.code, 0, `curl exit ${r.code}`);
  assert.equal(r.body, '172.18.0.11');
});

test('ip-masq: pod-to-pod traffic across nodes keeps the pod source address', async () => {
  const server = await startEchoServer(nodes[1].pod, 8080);
  try {
    assert.equal((await curl(nodes[0].pod, `http://${nodes[1].podIP}:8080/`)).body, nodes[0].podIP);
  } finally {
    await killChild(server);
  }
});

test('a restarted agent keeps the VTEP MAC and the annotations do not change', async () => {
  const before = (await client.get<NodeObj>('nodes', undefined, 'node1')).metadata?.annotations?.['flannel.alpha.coreos.com/backend-data'];
  await agents.get('node1')!.stop();
  const again = await start(nodes[0]);
  agents.set('node1', again);
  await again.ready;
  const after = (await client.get<NodeObj>('nodes', undefined, 'node1')).metadata?.annotations?.['flannel.alpha.coreos.com/backend-data'];
  assert.equal(after, before);
  const r = await run('ip', ['netns', 'exec', nodes[0].pod, 'ping', '-c', '1', '-W', '2', nodes[1].podIP], { allowFailure: true });
  assert.equal(r.code, 0);
});

test('a lost flannel.1 (node reboot) is recreated with the published MAC and peers reprogrammed', async () => {
  const [old] = await ipJson<{ address: string }[]>(nodes[0].ns, ['link', 'show', 'flannel.1']);
  await run('ip', ['-n', nodes[0].ns, 'link', 'del', 'flannel.1']);
  await agents.get('node1')!.syncNow();
  const [now] = await ipJson<{ address: string }[]>(nodes[0].ns, ['link', 'show', 'flannel.1']);
  assert.equal(now.address, old.address);
  const r = await run('ip', ['netns', 'exec', nodes[0].pod, 'ping', '-c', '1', '-W', '2', nodes[1].podIP], { allowFailure: true });
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('deleting a Node removes its route, neighbour and FDB entry on the other node', async () => {
  await agents.get('node2')!.stop();
  agents.delete('node2');
  await client.delete('nodes', undefined, 'node2');
  await eventually('node2 entries gone from node1', async () => {
    const s = await readVxlanState(nodes[0].ns);
    return s.routes.length + s.neighs.length + s.fdb.length === 0;
  });
  const r = await run('ip', ['netns', 'exec', nodes[0].pod, 'ping', '-c', '1', '-W', '1', nodes[1].podIP], { allowFailure: true });
  assert.notEqual(r.code, 0);
});
