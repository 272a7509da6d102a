/**
 * Agent lifecycle edges against the real apiserver: stop() while still waiting for a pod CIDR
 * returns promptly, writes no CNI config, and leaves nothing behind; bad options are refused
 * before anything starts, naming the field.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from '../../../src/api/types.js';
import { Client } from '../../../src/client/client.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { startAgent } from '../../../src/agent/index.js';
import { REPO, destroyTestNode, leftovers, makeTestNode, type TestNode } from '../../helpers/agent-node.js';

describe('agent lifecycle', { timeout: 60_000 }, () => {
  let node: TestNode;
  let store: Store;
  let api: ApiServer;
  let client: Client;

  before(async () => {
    node = makeTestNode();
    store = await openStore({ kind: 'memory' });
    api = await startApiServer({ store, port: 0 });
    client = new Client({ server: api.url });
  });

  after(async () => {
    destroyTestNode(node);
    await api?.close();
    await store?.close();
    client?.close();
    assert.deepEqual(leftovers(node), []);
  });

  it('stops promptly while waiting for the pod CIDR', async () => {
    const agent = await startAgent({ client, clusterName: node.cluster, nodeName: 'node7', nodeNetns: node.netns, nodeIP: '172.18.0.17', nodeRoot: node.nodeRoot, repoRoot: REPO });
    const n = await client.get<Node>('nodes', undefined, 'node7');
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    const t0 = Date.now();
    await agent.stop();
    assert.ok(Date.now() - t0 < 2000, `stop() took ${Date.now() - t0} ms`);
    assert.equal(existsSync(join(node.nodeRoot, 'cni', 'net.d', '10-podnet.conflist')), false);
    assert.equal(existsSync(join(node.nodeRoot, 'agent.sock')), false, 'the CNI socket is closed');
  });

  it('refuses bad options naming the field', async () => {
    await assert.rejects(
      startAgent({ client, clusterName: node.cluster, nodeName: 'node7', nodeNetns: node.netns, nodeIP: 'not-an-ip', nodeRoot: node.nodeRoot, repoRoot: REPO }),
      /nodeIP: Invalid value "not-an-ip"/,
    );
  });
});
