/**
 * flannel's etcd subnet manager on a real etcd, two node namespaces and the real apiserver:
 * config and lease keys in flannel's layout under the cluster's prefix, LeaseAttrs JSON, an etcd
 * lease with a TTL, renewal before expiry (new etcd lease, same key), reuse after a restart, a
 * taken subnet refused, peers programmed from etcd (pods ping across, no Node annotations), and
 * a node that goes: its lease expires and the other node's routes follow.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { KubeObject, Node } from '../../../src/api/types.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { Client } from '../../../src/client/client.js';
import { ipJson, run } from '../../../src/dataplane/exec.js';
import { EtcdSubnetRegistry, startFlannel, type Flannel } from '../../../src/overlay/index.js';
import { readVxlanState } from '../../../src/overlay/vxlan-kernel.js';
import { openStore } from '../../../src/store/index.js';
import { startEtcd, type EtcdServer } from '../../helpers/etcd.js';
import { eventually } from '../../helpers/eventually.js';
import { attachNode, makeUnderlay } from '../../helpers/overlay-underlay.js';
import { cleanupPrefix, leftovers, makeNode, makePod, testPrefix } from '../../helpers/proxy-netns.js';

type NodeObj = Node & KubeObject;
const P = testPrefix();
const PREFIX = `/podnet/${P.slice(0, -1)}/coreos.com/network`;
const dir = mkdtempSync(join(tmpdir(), 'podnet-etcd-leases-'));
// node1 renews 10 s after each put (60 s TTL, 50 s margin); node2's lease runs out 6 s after its agent stops.
const nodes = [
  { name: 'node1', ns: `${P}node1`, ip: '172.18.0.11', cidr: '10.244.0.0/24', gw: '10.244.0.1', pod: `${P}pod1`, podIP: '10.244.0.2', ttl: 60, margin: 50 },
  { name: 'node2', ns: `${P}node2`, ip: '172.18.0.12', cidr: '10.244.1.0/24', gw: '10.244.1.1', pod: `${P}pod2`, podIP: '10.244.1.2', ttl: 6, margin: 3 },
];
let etcd: EtcdServer | undefined;
let kv: Etcd3;
let api: ApiServer | undefined;
let client: Client;
const agents = new Map<string, Flannel>();
const errors: unknown[] = [];
const start = (n: (typeof nodes)[number]) => startFlannel({
  client, nodeName: n.name, netns: n.ns, nodeIP: n.ip, clusterCIDR: '10.244.0.0/16', subnetFile: join(dir, n.name, 'subnet.env'),
  minSyncPeriodMs: 50, resyncMs: 500, onError: (e) => errors.push(e),
  etcd: { endpoints: [etcd!.endpoint], prefix: PREFIX, ttlSeconds: n.ttl, renewMarginSeconds: n.margin },
});
const getKey = async (k: string) => (await kv.get(k).exec()).kvs[0];
const keyOf = (n: (typeof nodes)[number]) => `${PREFIX}/subnets/${n.cidr.replace('/', '-')}`;

before(async () => {
  etcd = await startEtcd();
  kv = new Etcd3({ hosts: etcd.endpoint });
  api = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0 });
  client = new Client({ server: api.url, userAgent: 'etcd-leases-test' });
  await makeUnderlay(`${P}underlay`);
  for (const [i, n] of nodes.entries()) {
    await attachNode(`${P}underlay`, n.ns, `veth-n${i + 1}`, `${n.ip}/16`);
    await makeNode(n.ns, `${n.gw}/24`);
    await makePod(n.ns, n.pod, 'vethpod', `${n.podIP}/24`, n.gw);
    await client.create<NodeObj>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, spec: { podCIDR: n.cidr, podCIDRs: [n.cidr] } });
    agents.set(n.name, await start(n));
  }
  await Promise.all([...agents.values()].map((a) => a.ready));
});

after(async () => {
  for (const a of agents.values()) await a.stop();
  kv?.close();
  client?.close();
  await api?.close();
  await etcd?.stop();
  await cleanupPrefix(P);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(await leftovers(P), []);
});

test('the network config is flannel\'s JSON at <prefix>/config', async () => {
  assert.deepEqual(JSON.parse((await getKey(`${PREFIX}/config`))!.value.toString()), { Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan' } });
});

test('each node holds subnets/<ip>-<len> with LeaseAttrs JSON under an etcd lease with a TTL', async () => {
  for (const n of nodes) {
    const k = (await getKey(keyOf(n)))!;
    const [link] = await ipJson<{ address: string }[]>(n.ns, ['link', 'show', 'flannel.1']);
    assert.equal(k.value.toString(), `{"PublicIP":"${n.ip}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${link.address}"}}`);
    assert.notEqual(k.lease, '0', 'the key must be attached to an etcd lease');
    const ttl = Number((await kv.leaseClient.leaseTimeToLive({ ID: k.lease, keys: false })).TTL);
    assert.ok(ttl > 0 && ttl <= n.ttl, `TTL ${ttl} of ${n.name}`);
    // The kube subnet manager's annotations are not written: the leases live in etcd.
    const ann = (await client.get<NodeObj>('nodes', undefined, n.name)).metadata?.annotations ?? {};
    assert.equal(ann['flannel.alpha.coreos.com/backend-type'], undefined);
  }
});

test('peers are programmed from the etcd leases: pods ping across flannel.1', async () => {
  await eventually('peer programmed', async () => (await readVxlanState(nodes[0].ns)).fdb.length === 1);
  const r = await run('ip', ['netns', 'exec', nodes[0].pod, 'ping', '-c', '1', '-W', '2', nodes[1].podIP], { allowFailure: true });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(errors, []);
});

test('a restarted agent reuses its lease (same etcd lease, key not rewritten)', async () => {
  await agents.get('node1')!.stop();
  const before = (await getKey(keyOf(nodes[0])))!;
  const again = await start(nodes[0]);
  agents.set('node1', again);
  await again.ready;
  const now = (await getKey(keyOf(nodes[0])))!;
  // Renewal comes 10 s after the last put; the restart is well inside that.
  assert.equal(now.lease, before.lease);
  assert.equal(now.mod_revision, before.mod_revision);
});

test('the lease is renewed before it expires: a new etcd lease with a full TTL on the same key', async () => {
  const first = (await getKey(keyOf(nodes[0])))!;
  const renewed = await eventually('renewal', async () => {
    const k = await getKey(keyOf(nodes[0]));
    return k && k.lease !== first.lease ? k : undefined;
  }, 20_000);
  assert.ok(BigInt(renewed.mod_revision) > BigInt(first.mod_revision));
  const ttl = Number((await kv.leaseClient.leaseTimeToLive({ ID: renewed.lease, keys: false })).TTL);
  assert.ok(ttl > 50, `renewed TTL ${ttl}`);
});

test('a subnet held by another public IP is refused, naming the key and the holder', async () => {
  const other = new EtcdSubnetRegistry({ endpoints: [etcd!.endpoint], prefix: PREFIX, config: { Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan' } } });
  try {
    await assert.rejects(other.acquire('10.244.1.0/24', { PublicIP: '172.18.0.99', PublicIPv6: null, BackendType: 'vxlan' }),
      new RegExp(`Cannot acquire ${PREFIX}/subnets/10\\.244\\.1\\.0-24: held by 172\\.18\\.0\\.12, not 172\\.18\\.0\\.99`));
  } finally {
    await other.close();
  }
});

test('a config left by an earlier cluster of the same name is replaced by this cluster\'s, saying why', async () => {
  const key = `${PREFIX}/config`;
  const ours = (await getKey(key))!.value.toString();
  await kv.put(key).value('{"Network":"10.244.0.0/16","SubnetLen":24,"Backend":{"Type":"host-gw"}}');
  const reg = new EtcdSubnetRegistry({ endpoints: [etcd!.endpoint], prefix: PREFIX, config: JSON.parse(ours) });
  try {
    assert.equal(await reg.ensureConfig(), `replaced: flannel: ${key}: Backend.Type is "host-gw", the cluster's is "vxlan"`);
    assert.equal((await getKey(key))!.value.toString(), ours);
    assert.equal(await reg.ensureConfig(), undefined);
  } finally {
    await reg.close();
  }
});

test('a deleted Node\'s lease is released at once (podnet knows the node left; flannel would wait for the TTL)', async () => {
  const reg = new EtcdSubnetRegistry({ endpoints: [etcd!.endpoint], prefix: PREFIX, config: { Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan' } } });
  try {
    await reg.acquire('10.244.2.0/24', { PublicIP: '172.18.0.13', PublicIPv6: null, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: 'aa:bb:cc:dd:ee:03' } });
    await client.create<NodeObj>('nodes', undefined, {
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'node3' }, spec: { podCIDR: '10.244.2.0/24' },
      status: { addresses: [{ type: 'InternalIP', address: '172.18.0.13' }] },
    });
    const key = `${PREFIX}/subnets/10.244.2.0-24`;
    await eventually('node3 programmed on node1', async () => (await readVxlanState(nodes[0].ns)).fdb.some((f) => f.dst === '172.18.0.13'));
    await client.delete('nodes', undefined, 'node3');
    await eventually('node3 lease deleted', async () => (await getKey(key)) === undefined);
    await eventually('node3 gone from node1', async () => !(await readVxlanState(nodes[0].ns)).fdb.some((f) => f.dst === '172.18.0.13'));
  } finally {
    await reg.close();
  }
});

test('a node that goes stops renewing: its lease expires and the other node removes its route', async () => {
  await agents.get('node2')!.stop();
  agents.delete('node2');
  await eventually('node2 lease expired', async () => (await getKey(keyOf(nodes[1]))) === undefined, 15_000);
  await eventually('node2 entries gone from node1', async () => {
    const s = await readVxlanState(nodes[0].ns);
    return s.routes.length + s.neighs.length + s.fdb.length === 0;
  });
});
