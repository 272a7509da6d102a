/**
 * Two node agents on the calico network with BGP-B's calico-node beside each (what
 * `--backend bgp` runs per node), a real apiserver and the IPAM controller: the agents claim a
 * /26 each, calico-node announces it, and pods reach each other across nodes with their own
 * addresses (no NAT), the node reaches a remote pod; the agent's default route is the only one
 * the nodes have. Deleting node2 (its pods gone) releases its block.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPAMBlock } from '../../../src/api/calico.js';
import type { Pod } from '../../../src/api/types.js';
import { startAgent, type Agent } from '../../../src/agent/index.js';
import { listAffineBlocks, startCalicoIpamController, type CalicoIpamController } from '../../../src/calico/ipam/index.js';
import { startCalicoNode, type CalicoNode } from '../../../src/calico/node/index.js';
import { REPO, destroyTestNode, eventually, inNetns, leftovers, recordedPids, uniqueName, type SeenProcess, type TestNode } from '../../helpers/agent-node.js';
import { attachNode, makeUnderlay } from '../../helpers/overlay-underlay.js';
import { type TestApi, startTestApi } from '../../helpers/controllers-apiserver.js';

const cluster = uniqueName('t');
const NODES = [{ name: 'node1', ip: '172.18.0.11' }, { name: 'node2', ip: '172.18.0.12' }];
const testNodes: TestNode[] = NODES.map((n) => ({ cluster, netns: `${cluster}-${n.name}`, nodeRoot: mkdtempSync(join(tmpdir(), `${cluster}-${n.name}-`)) }));

const agnhost = (name: string, nodeName: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['netexec', '--http-port=8080'] }] },
});

describe('calico agents with calico-node on two nodes', { timeout: 150_000 }, () => {
  let api: TestApi;
  const agents: Agent[] = [];
  const calicoNodes: CalicoNode[] = [];
  let ctrl: CalicoIpamController | undefined;
  const pids: SeenProcess[] = [];

  const running = (name: string) => eventually(async () => {
    const p = await api.client.get<Pod>('pods', 'default', name);
    return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
  }, 60_000, `${name} Running`);
  const netnsOf = (t: TestNode, p: Pod) => (JSON.parse(readFileSync(join(t.nodeRoot, 'pods', p.metadata!.uid!, 'sandbox.json'), 'utf8')) as { netns: string }).netns;

  before(async () => {
    api = await startTestApi('calico-agents-bgp');
    await makeUnderlay(`${cluster}-underlay`);
    for (const [i, n] of NODES.entries()) {
      const t = testNodes[i];
      await attachNode(`${cluster}-underlay`, t.netns, `veth-${n.name}`, `${n.ip}/16`);
      inNetns(t.netns, ['ip', 'link', 'set', 'lo', 'up']);
      agents.push(await startAgent({ client: api.client, clusterName: cluster, nodeName: n.name, nodeNetns: t.netns, nodeIP: n.ip, nodeRoot: t.nodeRoot, repoRoot: REPO, token: 't', network: 'calico', clusterCIDR: '10.244.0.0/16' }));
      calicoNodes.push(await startCalicoNode({ client: api.client, nodeName: n.name, netns: t.netns, nodeIP: n.ip, dir: join(t.nodeRoot, 'calico'), pools: ['10.244.0.0/16'], minSyncPeriodMs: 100, log: () => undefined }));
    }
    ctrl = await startCalicoIpamController(api.client, { minIntervalMs: 100, maxIntervalMs: 1000 });
  });

  after(async () => {
    await ctrl?.stop();
    for (const a of agents) await a.stop();
    for (const c of calicoNodes) await c.stop();
    for (const t of testNodes) pids.push(...recordedPids(t.nodeRoot));
    destroyTestNode(testNodes[0], pids);
    for (const t of testNodes.slice(1)) rmSync(t.nodeRoot, { recursive: true, force: true });
    await api?.close();
    assert.deepEqual(leftovers(testNodes[0], pids), []);
  });

  it('pods on two nodes reach each other across the BGP routes, with their own addresses', async () => {
    await api.client.create('pods', 'default', agnhost('p1', 'node1'));
    await api.client.create('pods', 'default', agnhost('p2', 'node2'));
    const p1 = await running('p1');
    const p2 = await running('p2');
    const [b1] = await listAffineBlocks(api.client, 'node1');
    const [b2] = await listAffineBlocks(api.client, 'node2');
    assert.notEqual(b1, b2);
    await eventually(() => inNetns(testNodes[0].netns, ['ip', 'route', 'show', b2]).stdout.includes('via 172.18.0.12'), 20_000, `node1 route to ${b2}`);
    await eventually(() => inNetns(testNodes[1].netns, ['ip', 'route', 'show', b1]).stdout.includes('via 172.18.0.11'), 20_000, `node2 route to ${b1}`);
    const ns1 = netnsOf(testNodes[0], p1);
    const seen = await eventually(() => inNetns(ns1, ['curl', '-s', '--max-time', '3', `http://${p2.status!.podIP}:8080/clientip`]).stdout, 20_000, 'p1 reaches p2');
    assert.equal(seen.split(':')[0], p1.status!.podIP, 'p2 sees p1\'s own address (no NAT between pods)');
    assert.match(inNetns(testNodes[0].netns, ['curl', '-s', '--max-time', '3', `http://${p2.status!.podIP}:8080/hostname`]).stdout, /p2/);
  });

  it('deleting node2 and its pod releases its address, affinity and block', async () => {
    const [b2] = await listAffineBlocks(api.client, 'node2');
    await agents[1].stop();
    agents.splice(1, 1);
    await api.client.delete('pods', 'default', 'p2', { gracePeriodSeconds: 0 });
    await api.client.delete('nodes', undefined, 'node2');
    await eventually(async () => (await api.client.list<IPAMBlock>('ipamblocks')).items.every((b) => b.spec?.cidr !== b2), 15_000, `${b2} released`);
    assert.deepEqual(await listAffineBlocks(api.client, 'node2'), []);
    assert.equal((await listAffineBlocks(api.client, 'node1')).length, 1, 'node1 keeps its block');
  });
});
