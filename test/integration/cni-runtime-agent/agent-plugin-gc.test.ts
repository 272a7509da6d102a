/**
 * Plugin GC at agent start (CNI spec 1.1.0, reached because the flannel conflist is 1.1.0): an
 * ADD killed after host-local reserved an IP but before the runtime cached the result leaves a
 * reservation with no cache entry and no sandbox. The cache-driven DELs of libcni's GC cannot
 * see it; only host-local's own GC (valid attachments = recorded sandboxes) frees it. The
 * restarted agent must release it, while a live pod keeps its IP, cache entry and sandbox; and
 * a result cache temp file whose writer died (kill -9 between write and rename) is removed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { Client } from '../../../src/client/client.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { REPO, alive, destroyTestNode, eventually, leftovers, makeTestNode, pausePids, recordedPids, type SeenProcess, type TestNode } from '../../helpers/agent-node.js';

describe('agent plugin GC of a reservation an interrupted ADD left', { timeout: 180_000 }, () => {
  let node: TestNode;
  let store: Store;
  let api: ApiServer;
  let client: Client;
  let child: ChildProcess | undefined;
  const pids: SeenProcess[] = [];
  const logFile = () => join(node.nodeRoot, 'agent.log');
  const networkDir = () => join(node.nodeRoot, 'cni', 'networks', 'cbr0');
  const cacheEntries = () => readdirSync(join(node.nodeRoot, 'cni', 'results')).sort();
  const sandboxOf = (p: Pod) => JSON.parse(readFileSync(join(node.nodeRoot, 'pods', p.metadata!.uid!, 'sandbox.json'), 'utf8')) as { id: string; podIP: string };

  function startAgentProcess(): ChildProcess {
    const args = { server: api.url, clusterName: node.cluster, nodeName: 'node1', nodeNetns: node.netns, nodeIP: '172.18.0.11', nodeRoot: node.nodeRoot, repoRoot: REPO };
    const out = openSync(logFile(), 'a');
    const c = spawn(process.execPath, [join(REPO, 'dist', 'test', 'helpers', 'cni-runtime-agent-main.js'), JSON.stringify(args)], { stdio: ['ignore', out, out] });
    pids.push({ pid: c.pid!, start: readFileSync(`/proc/${c.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19] });
    return c;
  }

  async function kill9(c: ChildProcess): Promise<void> {
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }

  const running = (name: string) =>
    eventually(async () => {
      const p = await client.get<Pod>('pods', 'default', name);
      return p.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True' && p.status.podIP ? p : undefined;
    }, 60_000, `${name} Ready`);

  before(async () => {
    node = makeTestNode();
    store = await openStore({ kind: 'memory' });
    api = await startApiServer({ store, port: 0 });
    client = new Client({ server: api.url, userAgent: 'agent-plugin-gc-test' });
    child = startAgentProcess();
    await eventually(() => client.get('nodes', undefined, 'node1').then(() => true, () => false), 30_000, 'node registered');
    await client.patch('nodes', undefined, 'node1', { spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
    await client.create('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kept', namespace: 'default' }, spec: { nodeName: 'node1', containers: [{ name: 'httpd', image: 'httpd' }] } });
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) await kill9(child);
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    destroyTestNode(node, pids);
    await api?.close();
    await store?.close();
    client?.close();
    assert.deepEqual(leftovers(node, pids), []);
  });

  it('releases a reservation with no cache entry and no sandbox; the live pod keeps its own', async () => {
    const kept = await running('kept');
    const sb = sandboxOf(kept);
    assert.equal(JSON.parse(readFileSync(join(node.nodeRoot, 'cni', 'net.d', '10-podnet.conflist'), 'utf8')).cniVersion, '1.1.0');
    await kill9(child!);

    // What host-local leaves when the ADD dies before the runtime writes its cache entry.
    const strayId = 'f'.repeat(64);
    const strayIP = sb.podIP === '10.244.0.200' ? '10.244.0.201' : '10.244.0.200';
    writeFileSync(join(networkDir(), strayIP), `${strayId}\r\neth0`);
    assert.ok(!cacheEntries().some((e) => e.includes(strayId)), 'the stray reservation has no cache entry');
    // And the temp file of a cache write a kill -9 cut between write and rename (writer dead).
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const staleTemp = `cbr0-${'e'.repeat(64)}-eth0.tmp${deadPid}`;
    writeFileSync(join(node.nodeRoot, 'cni', 'results', staleTemp), '{"kind":"cniCacheV1"');

    child = startAgentProcess();
    await eventually(() => !existsSync(join(networkDir(), strayIP)), 30_000, 'stray reservation released');
    assert.ok(existsSync(join(networkDir(), sb.podIP)), 'kept keeps its IP');
    assert.deepEqual(cacheEntries(), [`cbr0-${sb.id}-eth0`]);
    assert.doesNotMatch(readFileSync(logFile(), 'utf8'), /CNI GC failed/);
    const after = await running('kept');
    assert.equal(after.status?.podIP, sb.podIP);
    assert.equal(sandboxOf(after).id, sb.id, 'the running sandbox was adopted, not rebuilt');
    assert.ok(pausePids(node.nodeRoot).some((p) => alive(p)), 'kept\'s processes survived the restart');
  });
});
