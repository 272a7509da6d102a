/**
 * The vxlan backend's kernel programming between two node namespaces on a bridged underlay:
 * flannel.1 on each, the computed route/neighbour/FDB per peer, and a pod-to-pod ping across.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ipJson, run } from '../../../src/dataplane/exec.js';
import { leaseAnnotations, leaseOf } from '../../../src/overlay/annotations.js';
import { desiredVxlanState, diffVxlanState, isEmptyDiff } from '../../../src/overlay/vxlan-desired.js';
import { ensureVxlanDevice, VXLAN_DEVICE } from '../../../src/overlay/vxlan-device.js';
import { applyVxlanDiff, readVxlanState } from '../../../src/overlay/vxlan-kernel.js';
import { attachNode, makeUnderlay } from '../../helpers/overlay-underlay.js';
import { cleanupPrefix, leftovers, makeNode, makePod, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const UL = `${P}underlay`;
const nodes = [
  { name: 'node1', ns: `${P}node1`, ip: '172.18.0.11', cidr: '10.244.0.0/24', gw: '10.244.0.1', pod: `${P}pod1`, podIP: '10.244.0.2' },
  { name: 'node2', ns: `${P}node2`, ip: '172.18.0.12', cidr: '10.244.1.0/24', gw: '10.244.1.1', pod: `${P}pod2`, podIP: '10.244.1.2' },
];
const macs = new Map<string, string>();

async function programAll(present: typeof nodes): Promise<void> {
  const leases = present.map((n) => leaseOf({ metadata: { name: n.name, annotations: leaseAnnotations(n.ip, macs.get(n.name)!) }, spec: { podCIDR: n.cidr } })!);
  for (const n of nodes) {
    const diff = diffVxlanState(desiredVxlanState(n.name, leases), await readVxlanState(n.ns));
    await applyVxlanDiff(n.ns, diff);
  }
}

before(async () => {
  await makeUnderlay(UL);
  for (const [i, n] of nodes.entries()) {
    await attachNode(UL, n.ns, `veth-n${i + 1}`, `${n.ip}/16`);
    await makeNode(n.ns, `${n.gw}/24`);
    await makePod(n.ns, n.pod, 'vethpod', `${n.podIP}/24`, n.gw);
    const { mac } = await ensureVxlanDevice(n.ns, { vni: 1, localIP: n.ip, underlayDev: 'eth0', address: `${n.cidr.split('/')[0]}/32` });
    macs.set(n.name, mac);
  }
  await programAll(nodes);
});

after(async () => {
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

test('flannel.1 is a vxlan device with VNI 1, port 8472, mtu 1450 and the lease address', async () => {
  const [link] = await ipJson<{ mtu: number; linkinfo: { info_data: { id: number; port: number; local: string; learning: boolean } } }[]>(nodes[0].ns, ['-d', 'link', 'show', VXLAN_DEVICE]);
  assert.equal(link.mtu, 1450);
  assert.deepEqual([link.linkinfo.info_data.id, link.linkinfo.info_data.port, link.linkinfo.info_data.local, link.linkinfo.info_data.learning], [1, 8472, '172.18.0.11', false]);
  const [addr] = await ipJson<{ addr_info: { local: string; prefixlen: number }[] }[]>(nodes[0].ns, ['-4', 'addr', 'show', VXLAN_DEVICE]);
  assert.deepEqual(addr.addr_info.map((a) => `${a.local}/${a.prefixlen}`), ['10.244.0.0/32']);
});

test('a pod pings a pod on the other node across flannel.1 (ttl 62: two routed hops)', async () => {
  const r = await run('ip', ['netns', 'exec', nodes[0].pod, 'ping', '-c', '2', '-W', '2', nodes[1].podIP], { allowFailure: true });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ttl=62/);
  const route = await ipJson<{ dev: string; gateway: string }[]>(nodes[0].ns, ['route', 'get', nodes[1].podIP]);
  assert.equal(route[0].dev, VXLAN_DEVICE);
});

test('reprogramming is idempotent and ensureVxlanDevice keeps the MAC', async () => {
  const again = await ensureVxlanDevice(nodes[0].ns, { vni: 1, localIP: nodes[0].ip, underlayDev: 'eth0', address: '10.244.0.0/32' });
  assert.equal(again.mac, macs.get('node1'));
  const leases = nodes.map((n) => leaseOf({ metadata: { name: n.name, annotations: leaseAnnotations(n.ip, macs.get(n.name)!) }, spec: { podCIDR: n.cidr } })!);
  assert.ok(isEmptyDiff(diffVxlanState(desiredVxlanState('node1', leases), await readVxlanState(nodes[0].ns))));
});

test('removing a node removes its route, neighbour and FDB entry on the other', async () => {
  await programAll([nodes[0]]);
  assert.deepEqual(await readVxlanState(nodes[0].ns), { routes: [], neighs: [], fdb: [] });
  const r = await run('ip', ['netns', 'exec', nodes[0].pod, 'ping', '-c', '1', '-W', '1', nodes[1].podIP], { allowFailure: true });
  assert.notEqual(r.code, 0);
  await programAll(nodes);
  assert.equal((await readVxlanState(nodes[0].ns)).routes.length, 1);
});
