/**
 * The agent as a CNI runtime across a crash: an agent process is killed with SIGKILL while two
 * pods run; one sandbox is then removed by hand (its processes, netns and pod directory, and
 * the pod from the API), leaving only its CNI traces (host-local reservation, result cache
 * entry). The restarted agent's CNI GC DELs that attachment: IP released, cache entry gone,
 * while the other pod keeps its sandbox, IP and entry.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Pod } from '../../../src/api/types.js';
import { Client, isNotFound } from '../../../src/client/client.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { REPO, alive, destroyTestNode, eventually, leftovers, makeTestNode, pausePids, recordedPids, type SeenProcess, type TestNode } from '../../helpers/agent-node.js';

interface Sandbox {
  id: string;
  netns: string;
  podIP: string;
}

describe('agent CNI GC after kill -9', { timeout: 180_000 }, () => {
  let node: TestNode;
  let store: Store;
  let api: ApiServer;
  let client: Client;
  let child: ChildProcess | undefined;
  const pids: SeenProcess[] = [];
  const logFile = () => join(node.nodeRoot, 'agent.log');
  const ipFile = (ip: string) => join(node.nodeRoot, 'cni', 'networks', 'cbr0', ip);
  const cacheEntries = () => readdirSync(join(node.nodeRoot, 'cni', 'results')).sort();
  const podDirOf = (p: Pod) => join(node.nodeRoot, 'pods', p.metadata!.uid!);
  const sandboxOf = (p: Pod) => JSON.parse(readFileSync(join(podDirOf(p), 'sandbox.json'), 'utf8')) as Sandbox;

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
    client = new Client({ server: api.url, userAgent: 'agent-gc-test' });
    child = startAgentProcess();
    await eventually(() => client.get('nodes', undefined, 'node1').then(() => true, () => false), 30_000, 'node registered');
    await client.patch('nodes', undefined, 'node1', { spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
    for (const name of ['gone', 'kept']) {
      await client.create('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'node1', containers: [{ name: 'httpd', image: 'httpd' }] } });
    }
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

  it('releases the IP and cache entry of a sandbox removed while the agent was dead', async () => {
    const [gone, kept] = [await running('gone'), await running('kept')];
    const [sbGone, sbKept] = [sandboxOf(gone), sandboxOf(kept)];
    assert.deepEqual(cacheEntries(), [`cbr0-${sbGone.id}-eth0`, `cbr0-${sbKept.id}-eth0`].sort());
    await kill9(child!);

    // By hand, as an operator cleaning up after a crash: processes, netns, pod dir, API object.
    const podPids = [...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot)];
    pids.push(...podPids);
    for (const p of execFileSync('ip', ['netns', 'pids', sbGone.netns], { encoding: 'utf8' }).split('\n').filter(Boolean)) process.kill(Number(p), 'SIGKILL');
    await eventually(() => execFileSync('ip', ['netns', 'pids', sbGone.netns], { encoding: 'utf8' }).trim() === '', 5000, 'gone\'s processes dead');
    execFileSync('ip', ['netns', 'del', sbGone.netns]);
    rmSync(join('/etc/netns', sbGone.netns), { recursive: true, force: true });
    rmSync(podDirOf(gone), { recursive: true, force: true });
    await client.delete('pods', 'default', 'gone', { gracePeriodSeconds: 0 }).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
    assert.ok(existsSync(ipFile(sbGone.podIP)), 'before restart the IP is still reserved (leaked)');

    child = startAgentProcess();
    await eventually(() => !existsSync(ipFile(sbGone.podIP)), 30_000, 'gone\'s IP released');
    assert.deepEqual(cacheEntries(), [`cbr0-${sbKept.id}-eth0`]);
    assert.ok(existsSync(ipFile(sbKept.podIP)), 'kept keeps its IP');
    assert.match(readFileSync(logFile(), 'utf8'), new RegExp(`CNI GC deleted 1 stale attachment\\(s\\): ${sbGone.id.slice(0, 12)}`));
    const after = await running('kept');
    assert.equal(after.status?.podIP, sbKept.podIP);
    assert.equal(sandboxOf(after).id, sbKept.id, 'the running sandbox was adopted, not rebuilt');
    assert.ok(podPids.filter((p) => alive(p)).length > 0, 'kept\'s processes survived both agents');
  });
});
