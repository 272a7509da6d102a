/**
 * The node agent with `network: 'calico'` against the real apiserver: no wait for
 * spec.podCIDR, Calico's conflist written at once, the node given a default route (proxy ARP
 * needs one), pods Running with addresses from the node's /26 block wired the Calico way, one
 * pod reaching the other over HTTP, and deletion leaving no cali link, route or allocation.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import type { IPAMBlock, IPAMHandle } from '../../../src/api/calico.js';
import { isNotFound } from '../../../src/client/client.js';
import { startAgent, type Agent } from '../../../src/agent/index.js';
import { CalicoIpam, listAffineBlocks } from '../../../src/calico/ipam/index.js';
import { REPO, destroyTestNode, eventually, inNetns, leftovers, makeTestNode, recordedPids, type SeenProcess, type TestNode } from '../../helpers/agent-node.js';
import { type TestApi, startTestApi } from '../../helpers/controllers-apiserver.js';

const web = (name: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { nodeName: 'node1', containers: [{ name: 'httpd', image: 'httpd' }] },
});

describe('node agent on the calico network', { timeout: 120_000 }, () => {
  let node: TestNode;
  let api: TestApi;
  let agent: Agent | undefined;
  const pids: SeenProcess[] = [];

  const running = (name: string) => eventually(async () => {
    const p = await api.client.get<Pod>('pods', 'default', name);
    return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
  }, 40_000, `${name} Running with an IP`);
  const gone = (name: string) => eventually(async () => {
    try {
      await api.client.get('pods', 'default', name);
      return false;
    } catch (e) {
      return isNotFound(e);
    }
  }, 40_000, `${name} removed`);
  const sandboxNetns = (pod: Pod): string => (JSON.parse(readFileSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!, 'sandbox.json'), 'utf8')) as { netns: string }).netns;

  before(async () => {
    node = makeTestNode();
    // The node's eth0 on a one-port underlay, as podnet up gives every node.
    execFileSync('ip', ['netns', 'add', `${node.cluster}-ul`]);
    execFileSync('ip', ['-n', node.netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'veth-node1', 'netns', `${node.cluster}-ul`]);
    execFileSync('ip', ['-n', node.netns, 'addr', 'add', '172.18.0.11/16', 'dev', 'eth0']);
    execFileSync('ip', ['-n', node.netns, 'link', 'set', 'eth0', 'up']);
    api = await startTestApi('agent-calico-test');
    // An address an earlier agent took in an ADD it never finished (killed before the result was cached).
    await new CalicoIpam(api.client).autoAssign('node1', 'k8s-pod-network.lost0123', { node: 'node1', namespace: 'default', pod: 'lost' });
    agent = await startAgent({
      client: api.client, clusterName: node.cluster, nodeName: 'node1', nodeNetns: node.netns, nodeIP: '172.18.0.11',
      nodeRoot: node.nodeRoot, repoRoot: REPO, token: 't', network: 'calico', clusterCIDR: '10.244.0.0/16',
    });
  });

  after(async () => {
    await agent?.stop();
    pids.push(...recordedPids(node.nodeRoot));
    destroyTestNode(node, pids);
    await api?.close();
    assert.deepEqual(leftovers(node, pids), []);
  });

  it('writes 10-calico.conflist without a pod CIDR and gives the node a default route', async () => {
    const file = join(node.nodeRoot, 'cni', 'net.d', '10-calico.conflist');
    const conf = await eventually(() => existsSync(file) && JSON.parse(readFileSync(file, 'utf8')), 10_000, 'calico conflist');
    assert.equal(conf.name, 'k8s-pod-network');
    assert.deepEqual(conf.plugins.map((p: { type: string }) => p.type), ['calico', 'portmap']);
    assert.deepEqual(conf.plugins[0].ipam, { type: 'calico-ipam', ipv4_pools: ['10.244.0.0/16'] });
    assert.equal(conf.plugins[0].nodename, 'node1');
    assert.equal(existsSync(join(node.nodeRoot, 'cni', 'net.d', '10-podnet.conflist')), false);
    assert.match(inNetns(node.netns, ['ip', 'route', 'show', 'default']).stdout, /^default dev eth0/);
  });

  it('frees, at start (CNI GC), the address of an ADD the previous agent never finished', async () => {
    await eventually(async () => (await new CalicoIpam(api.client).ipsByHandle('k8s-pod-network.lost0123')).length === 0, 10_000, 'lost address freed');
  });

  it('runs pods with addresses from the node\'s /26 block, wired the Calico way, reachable from each other', async () => {
    await api.client.create('pods', 'default', web('a'));
    await api.client.create('pods', 'default', web('b'));
    const a = await running('a');
    const b = await running('b');
    assert.deepEqual(await listAffineBlocks(api.client, 'node1'), ['10.244.0.0/26']);
    // Ordinal 0 went to the lost ADD and is back at the end of the free list.
    assert.deepEqual([a.status!.podIP, b.status!.podIP].sort(), ['10.244.0.1', '10.244.0.2']);
    const nsA = sandboxNetns(a);
    assert.match(inNetns(nsA, ['ip', 'route', 'show']).stdout, /^default via 169\.254\.1\.1 dev eth0 \n169\.254\.1\.1 dev eth0 scope link/);
    assert.match(inNetns(node.netns, ['ip', 'route', 'show', `${b.status!.podIP}/32`]).stdout, /dev cali[0-9a-f]{11} scope link/);
    const body = await eventually(() => inNetns(nsA, ['curl', '-s', '--max-time', '3', `http://${b.status!.podIP}/`]).stdout, 15_000, 'a reaches b');
    assert.match(body, /It works!/);
  });

  it('deleting the pods frees their addresses and leaves no cali link or route', async () => {
    pids.push(...recordedPids(node.nodeRoot));
    await api.client.delete('pods', 'default', 'a', { gracePeriodSeconds: 0 });
    await api.client.delete('pods', 'default', 'b', { gracePeriodSeconds: 0 });
    await gone('a');
    await gone('b');
    await eventually(async () => {
      const blocks = (await api.client.list<IPAMBlock>('ipamblocks')).items;
      return blocks.every((x) => x.spec!.allocations.every((v) => v === null));
    }, 10_000, 'no allocation left');
    assert.deepEqual((await api.client.list<IPAMHandle>('ipamhandles')).items, []);
    assert.doesNotMatch(inNetns(node.netns, ['ip', 'link', 'show']).stdout, /cali/);
    assert.doesNotMatch(inNetns(node.netns, ['ip', 'route', 'show']).stdout, /10\.244\./);
  });
});
