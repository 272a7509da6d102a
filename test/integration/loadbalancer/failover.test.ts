/**
 * Layer-2 failover on a hand-built node network (real netns, real ARP): two speakers against a
 * real apiserver; when the elected node stops qualifying, the other takes the /32 and sends
 * gratuitous ARP, so the outside host's neighbour entry moves at once (no waiting for it to go
 * stale), and the old node gives the address up.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { KubeObject, Node, Service } from '../../../src/api/types.js';
import { run } from '../../../src/dataplane/exec.js';
import { startSpeaker, type Speaker } from '../../../src/loadbalancer/speaker.js';
import { electFor } from '../../../src/loadbalancer/election.js';
import { eventually, startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';
import { cleanupPrefix, curl, killChild, leftovers, testPrefix } from '../../helpers/proxy-netns.js';
import { macOf, makeL2Network, neighMac, startNameServer, type L2Network } from '../../helpers/loadbalancer-netns.js';

type N = Node & KubeObject;
// node1 wins 172.18.0.248 when both qualify (sha256 order): the test starts from there.
const LB_IP = '172.18.0.248';

describe('load balancer failover with gratuitous ARP', { timeout: 60_000 }, () => {
  const prefix = testPrefix();
  let api: TestApi;
  let net: L2Network;
  const speakers: Speaker[] = [];
  const servers: ChildProcess[] = [];

  const holds = async (ns: string) => (await run('ip', ['-n', ns, '-4', '-br', 'addr', 'show', 'eth0'])).stdout.includes(` ${LB_IP}/32`);
  const setNode = async (name: string, ready: boolean, labels: Record<string, string> = {}) => {
    const n = await api.client.get<N>('nodes', undefined, name);
    const updated = await api.client.update<N>('nodes', { ...n, metadata: { ...n.metadata, labels } });
    await api.client.updateStatus('nodes', { ...updated, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
  };

  before(async () => {
    assert.equal(electFor(LB_IP, ['node1', 'node2']), 'node1');
    api = await startTestApi('lb-failover-test');
    net = await makeL2Network(prefix);
    for (const n of net.nodes) {
      await api.client.create<N>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name } });
      await setNode(n.name, true);
      servers.push(await startNameServer(n.netns, n.name));
    }
    const svc = await api.client.create<Service & KubeObject>('services', 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
    });
    await api.client.updateStatus('services', { ...svc, status: { loadBalancer: { ingress: [{ ip: LB_IP, ipMode: 'VIP' }] } } });
    for (const n of net.nodes) speakers.push(await startSpeaker({ client: api.client, nodeName: n.name, netns: n.netns, nodeIP: n.ip }));
  });

  after(async () => {
    for (const s of speakers) await s.stop().catch(() => undefined);
    for (const c of servers) await killChild(c);
    await api?.close();
    await cleanupPrefix(prefix);
    assert.deepEqual(await leftovers(prefix), []);
  });

  it('moves the address and the outside host\'s neighbour entry at once, and back', async () => {
    const [n1, n2] = net.nodes;
    const mac1 = await macOf(n1.netns);
    const mac2 = await macOf(n2.netns);
    await eventually('node1 holds the address', () => holds(n1.netns), 15_000);
    assert.equal((await eventually('outside reaches node1', async () => (await curl(net.outside, `http://${LB_IP}/`, 2)).body === 'node1' || undefined, 15_000)), true);
    assert.equal(await neighMac(net.outside, LB_IP), mac1);
    assert.equal(await holds(n2.netns), false);
    // Past Linux's neighbour locktime (1 s) since the outside host resolved the address.
    await new Promise((r) => setTimeout(r, 1200));

    // node1 is excluded from load balancers: node2 takes over. The outside host sends nothing
    // meanwhile, so only node2's gratuitous ARP can move its neighbour entry.
    const t0 = Date.now();
    await setNode('node1', true, { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' });
    await eventually('outside neighbour entry moves to node2', async () => (await neighMac(net.outside, LB_IP)) === mac2, 10_000, 20);
    const moveMs = Date.now() - t0;
    assert.ok(moveMs < 5000, `neighbour entry moved after ${moveMs} ms`);
    await eventually('node1 gives the address up', async () => !(await holds(n1.netns)), 10_000);
    assert.equal(await holds(n2.netns), true);
    assert.equal((await curl(net.outside, `http://${LB_IP}/`, 2)).body, 'node2', 'curl from outside keeps working, served by node2');
    console.log(`# failover: outside neighbour entry moved ${moveMs} ms after the node was excluded`);
    await new Promise((r) => setTimeout(r, 1200));

    // Back: node1 qualifies again, node2 goes NotReady.
    await setNode('node1', true);
    await setNode('node2', false);
    await eventually('outside neighbour entry moves back to node1', async () => (await neighMac(net.outside, LB_IP)) === mac1, 10_000, 20);
    await eventually('node2 gives the address up', async () => !(await holds(n2.netns)), 10_000);
    assert.equal((await curl(net.outside, `http://${LB_IP}/`, 2)).body, 'node1');
  });

  it('with no qualifying node nobody answers; a stopped speaker withdraws its address', async () => {
    const [n1, n2] = net.nodes;
    await setNode('node1', false);
    await eventually('node1 gives the address up', async () => !(await holds(n1.netns)), 10_000);
    assert.equal(await holds(n2.netns), false, 'node2 is NotReady: it must not take the address');
    const r = await curl(net.outside, `http://${LB_IP}/`, 1);
    assert.notEqual(r.code, 0, 'nobody answers for the address');
    await setNode('node1', true);
    await eventually('node1 takes it again', () => holds(n1.netns), 10_000);
    await speakers[0].stop();
    assert.equal(await holds(n1.netns), false, 'stop() withdraws');
  });
});
