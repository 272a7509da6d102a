/**
 * The agent across control-plane outages (found by the churn e2e test, where an agent
 * restarted while the control plane was itself restarting exited with ECONNREFUSED): started
 * while no apiserver answers, it waits and registers once one does; an outage while it waits
 * for its pod CIDR does not end its pod handling.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from '../../../src/api/types.js';
import { Client } from '../../../src/client/client.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { startAgent, type Agent } from '../../../src/agent/index.js';
import { REPO, destroyTestNode, eventually, leftovers, makeTestNode, type TestNode } from '../../helpers/agent-node.js';
import { freePort } from '../../helpers/etcd.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('agent across control-plane outages', { timeout: 90_000 }, () => {
  let node: TestNode;
  let store: Store;
  let api: ApiServer | undefined;
  let client: Client;
  let port: number;
  let agent: Agent | undefined;
  const agentOpts = () => ({ client, clusterName: node.cluster, nodeName: 'node3', nodeNetns: node.netns, nodeIP: '172.18.0.13', nodeRoot: node.nodeRoot, repoRoot: REPO });
  const conflist = () => join(node.nodeRoot, 'cni', 'net.d', '10-podnet.conflist');

  before(async () => {
    node = makeTestNode();
    store = await openStore({ kind: 'memory' });
    port = await freePort();
    client = new Client({ server: `http://127.0.0.1:${port}` });
  });

  after(async () => {
    await agent?.stop();
    destroyTestNode(node);
    await api?.close();
    await store?.close();
    client?.close();
    assert.deepEqual(leftovers(node), []);
  });

  it('started while the apiserver is down, registers the node once it is up', async () => {
    const starting = startAgent(agentOpts());
    let settled = false;
    void starting.then(() => (settled = true), () => (settled = true));
    await sleep(1500);
    assert.equal(settled, false, 'startAgent waits for the apiserver instead of failing');
    api = await startApiServer({ store, port });
    agent = await starting;
    const n = await client.get<Node>('nodes', undefined, 'node3');
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  it('an outage while it waits for the pod CIDR does not stop it: the CNI config comes once the CIDR does', async () => {
    await api!.close();
    api = undefined;
    await sleep(1500); // several podCIDR polls fail with ECONNREFUSED
    api = await startApiServer({ store, port });
    await client.patch('nodes', undefined, 'node3', { spec: { podCIDR: '10.244.7.0/24', podCIDRs: ['10.244.7.0/24'] } }, 'merge');
    await eventually(() => existsSync(conflist()), 10_000, 'the CNI config after the outage');
  });
});
