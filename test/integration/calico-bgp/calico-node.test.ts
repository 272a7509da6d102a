/**
 * calico-node against a real apiserver on two node namespaces: each publishes its BGP address,
 * the mesh forms from the Nodes, blocks claimed by Calico's IPAM are announced as they appear
 * (timed), natOutgoing masquerades a pod's egress but not pod-to-pod, a deleted Node's routes go,
 * a BIRD left by a killed agent is replaced without its peer losing routes, and a stopped
 * calico-node leaves no route, rule or file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject, Node } from '../../../src/api/types.js';
import { CalicoIpam, affinityName } from '../../../src/calico/ipam/index.js';
import { IPV4_ADDRESS_ANNOTATION, startCalicoNode, type CalicoNode } from '../../../src/calico/node/index.js';
import { birdPaths, renderBirdConfig } from '../../../src/calico/bgp/index.js';
import { ip, ipBatch, nft, run, sysctl } from '../../../src/dataplane/exec.js';
import { netnsAdd } from '../../../src/dataplane/netns.js';
import { startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';
import { eventually } from '../../helpers/eventually.js';
import { attachNode, makeUnderlay } from '../../helpers/overlay-underlay.js';
import { cleanupPrefix, killChild, leftovers, startEchoServer, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const dir = mkdtempSync(join(tmpdir(), 'podnet-calico-node-'));
const nodes = [
  { name: 'node1', ns: `${P}node1`, ip: '172.18.0.11' },
  { name: 'node2', ns: `${P}node2`, ip: '172.18.0.12' },
];
const OUTSIDE = { ns: `${P}outside`, ip: '172.18.0.200' };
let api: TestApi;
const daemons = new Map<string, CalicoNode>();
const start = (n: (typeof nodes)[number]) =>
  startCalicoNode({ client: api.client, nodeName: n.name, netns: n.ns, nodeIP: n.ip, dir: join(dir, n.name), pools: ['10.244.0.0/16'], minSyncPeriodMs: 50, log: (l) => console.error(l) });
const route = async (ns: string, dst: string) => (await ip(ns, ['route', 'show', 'root', dst])).split('\n').map((l) => l.trim()).filter(Boolean).join('\n');

/** A pod the Calico way (what BGP-A's plugin does; done by hand here): /32 on eth0, 169.254.1.1 via proxy ARP. */
async function makeCalicoPod(node: string, pod: string, podIP: string, hostVeth: string): Promise<void> {
  await netnsAdd(pod);
  await ip(node, ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod]);
  await sysctl(node, { [`net.ipv4.conf.${hostVeth}.proxy_arp`]: 1, [`net.ipv4.neigh.${hostVeth}.proxy_delay`]: 0 });
  await ipBatch(node, [`link set ${hostVeth} up`, `route add ${podIP}/32 dev ${hostVeth} scope link`]);
  await ipBatch(pod, [`addr add ${podIP}/32 dev eth0`, 'link set eth0 up', 'route add 169.254.1.1 dev eth0 scope link', 'route add default via 169.254.1.1 dev eth0']);
}

before(async () => {
  api = await startTestApi('calico-node-test');
  await makeUnderlay(`${P}underlay`);
  for (const [i, n] of nodes.entries()) {
    await attachNode(`${P}underlay`, n.ns, `veth-n${i + 1}`, `${n.ip}/16`);
    // Proxy ARP answers for 169.254.1.1 only when the node has a route to it elsewhere: a real
    // node's default route. Ours get one towards the outside host (traffic stays in our namespaces).
    await ip(n.ns, ['route', 'add', 'default', 'via', OUTSIDE.ip, 'dev', 'eth0']);
    await api.client.create<Node & KubeObject>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name } });
  }
  await attachNode(`${P}underlay`, OUTSIDE.ns, 'veth-out', `${OUTSIDE.ip}/16`);
  for (const n of nodes) daemons.set(n.name, await start(n));
});

after(async () => {
  for (const d of daemons.values()) await d.stop();
  await api?.close();
  await cleanupPrefix(P);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(await leftovers(P), []);
});

test('each calico-node publishes projectcalico.org/IPv4Address on its Node', async () => {
  for (const n of nodes) {
    const node = await eventually(`${n.name}'s address`, async () => {
      const got = await api.client.get<Node & KubeObject>('nodes', undefined, n.name);
      return got.metadata?.annotations?.[IPV4_ADDRESS_ANNOTATION] ? got : undefined;
    });
    assert.equal(node.metadata?.annotations?.[IPV4_ADDRESS_ANNOTATION], `${n.ip}/16`);
  }
});

test('blocks claimed by Calico IPAM are announced: the other node routes them via the owner', async (t) => {
  const ipam = new CalicoIpam(api.client, { pools: ['10.244.0.0/16'] });
  const t0 = Date.now();
  const a = await ipam.autoAssign('node1', 'test.a');
  const b = await ipam.autoAssign('node2', 'test.b');
  assert.equal(a.cidr, '10.244.0.0/26');
  assert.equal(b.cidr, '10.244.0.64/26');
  await eventually('node2 routes node1\'s block', async () => (await route(nodes[1].ns, a.cidr)) === `${a.cidr} via 172.18.0.11 dev eth0 proto bird src 172.18.0.12`, 15_000);
  await eventually('node1 routes node2\'s block', async () => (await route(nodes[0].ns, b.cidr)) === `${b.cidr} via 172.18.0.12 dev eth0 proto bird src 172.18.0.11`, 15_000);
  t.diagnostic(`both blocks routed on the other node ${Date.now() - t0} ms after the first autoAssign (mesh session set-up included)`);
  assert.equal(await route(nodes[0].ns, a.cidr), `blackhole ${a.cidr} proto bird`);
  assert.match(readFileSync(birdPaths(join(dir, 'node1')).config, 'utf8'), /route 10\.244\.0\.0\/26 blackhole;/);
});

test('natOutgoing: a pod\'s egress leaves as the node IP, pod-to-pod keeps the pod IP', async () => {
  await makeCalicoPod(nodes[0].ns, `${P}pod1`, '10.244.0.2', 'calitest1');
  await makeCalicoPod(nodes[1].ns, `${P}pod2`, '10.244.0.66', 'calitest2');
  const out = await startEchoServer(OUTSIDE.ns, 8081);
  const inPod = await startEchoServer(`${P}pod2`, 8082);
  try {
    const curl = async (from: string, url: string) => (await run('ip', ['netns', 'exec', from, 'curl', '-s', '--max-time', '5', url])).stdout.trim();
    assert.equal(await curl(`${P}pod1`, `http://${OUTSIDE.ip}:8081/`), '172.18.0.11');
    assert.equal(await curl(`${P}pod1`, 'http://10.244.0.66:8082/'), '10.244.0.2');
    assert.match(await nft(nodes[0].ns, ['list', 'table', 'ip', 'calico']), /ip saddr @masq-ipam-pools ip daddr != @all-ipam-pools masquerade fully-random/);
  } finally {
    await killChild(out);
    await killChild(inPod);
  }
});

test('a BIRD left behind by a killed agent is replaced; the peer keeps the routes throughout', async (t) => {
  const n1 = nodes[0];
  const paths = birdPaths(join(dir, 'node1'));
  await daemons.get('node1')!.stop();
  daemons.delete('node1');
  // What a kill -9 of the agent leaves: a BIRD still running with the same files and routes.
  const config = renderBirdConfig({ nodeIP: n1.ip, peers: nodes.map((n) => ({ name: n.name, ip: n.ip })), blocks: ['10.244.0.0/26'], pools: ['10.244.0.0/16'] });
  writeFileSync(paths.config, config);
  await run('ip', ['netns', 'exec', n1.ns, 'bird', '-c', paths.config, '-s', paths.ctl, '-P', paths.pid]);
  await eventually('node2 routes node1\'s block again', async () => (await route(nodes[1].ns, '10.244.0.0/26')).includes('via 172.18.0.11'), 15_000);
  const orphan = Number(readFileSync(paths.pid, 'utf8'));
  let lost = false;
  const watch = (async () => {
    for (let i = 0; i < 40; i++) {
      if (!(await route(nodes[1].ns, '10.244.0.0/26')).includes('via 172.18.0.11')) lost = true;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const t0 = Date.now();
  daemons.set('node1', await start(n1));
  const took = Date.now() - t0;
  await watch;
  assert.equal(existsSync(`/proc/${orphan}`) && readFileSync(`/proc/${orphan}/cmdline`, 'utf8').includes('bird'), false, 'the orphan BIRD still runs');
  assert.notEqual(daemons.get('node1')!.bird.pid, orphan);
  assert.equal(lost, false, 'node2 lost node1\'s block during the handover');
  t.diagnostic(`new calico-node took over from the orphan BIRD in ${took} ms; node2 kept the route (graceful restart)`);
});

test('a released block (its BlockAffinity deleted) is withdrawn; an address still in use there is announced as a /32', async (t) => {
  const exact = async (ns: string, dst: string) => (await ip(ns, ['route', 'show', 'exact', dst])).trim();
  const t0 = Date.now();
  await api.client.delete('blockaffinities', undefined, affinityName('node1', '10.244.0.0/26'));
  await eventually('node2 drops node1\'s released block', async () => (await exact(nodes[1].ns, '10.244.0.0/26')) === '', 10_000);
  await eventually('node1 drops its blackhole', async () => (await exact(nodes[0].ns, '10.244.0.0/26')) === '', 10_000);
  t.diagnostic(`released block withdrawn on node2 within ${Date.now() - t0} ms`);
  // pod1 (10.244.0.2) still lives on node1: outside any local block it is a borrowed address,
  // which Calico's filter exports as a /32 (calico_aggr no longer covers it).
  await eventually('node2 routes pod1\'s /32', async () => (await route(nodes[1].ns, '10.244.0.2/32')) === '10.244.0.2 via 172.18.0.11 dev eth0 proto bird src 172.18.0.12', 10_000);
  assert.doesNotMatch(readFileSync(birdPaths(join(dir, 'node1')).config, 'utf8'), /10\.244\.0\.0\/26/);
});

test('a deleted Node leaves the mesh: its block is withdrawn on the others', async (t) => {
  const t0 = Date.now();
  await api.client.delete('nodes', undefined, 'node2');
  await eventually('node1 drops node2\'s block', async () => (await route(nodes[0].ns, '10.244.0.64/26')) === '', 10_000);
  t.diagnostic(`node2's block gone from node1 ${Date.now() - t0} ms after the Node was deleted`);
});

test('a stopped calico-node leaves no BIRD, route, NAT table or file', async () => {
  const d = daemons.get('node2')!;
  const pid = d.bird.pid;
  await d.stop();
  daemons.delete('node2');
  assert.equal(pid !== undefined && existsSync(`/proc/${pid}`), false);
  assert.equal((await ip(nodes[1].ns, ['route', 'show', 'proto', 'bird'])).trim(), '');
  assert.doesNotMatch(await nft(nodes[1].ns, ['list', 'tables']), /calico/);
  for (const f of Object.values(birdPaths(join(dir, 'node2')))) assert.equal(existsSync(f), false, `${f} left behind`);
});

test('calico-node for a Node that never registers gives up after readyTimeoutMs, naming the cause, and starts no BIRD', async () => {
  const ghostDir = join(dir, 'ghost');
  // Its own namespace: a calico-node that gives up cleans its namespace (routes, NAT table).
  await netnsAdd(`${P}ghost`);
  await assert.rejects(
    startCalicoNode({ client: api.client, nodeName: 'ghost', netns: `${P}ghost`, nodeIP: '172.18.0.19', dir: ghostDir, pools: ['10.244.0.0/16'], minSyncPeriodMs: 50, readyTimeoutMs: 1500, log: () => undefined }),
    /calico-node ghost: not ready after 1500 ms: Node "ghost" is not registered yet/,
  );
  assert.equal(existsSync(birdPaths(ghostDir).pid), false);
});
