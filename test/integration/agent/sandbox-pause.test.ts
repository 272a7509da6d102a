/**
 * The sandbox's pause process, on a real node netns against the real apiserver: every sandbox
 * has one living in its netns; kill -9 of it makes the agent build a new sandbox (new netns, new
 * IP, SandboxChanged, containers restarted with restartCount+1) and release the old one (netns,
 * veth, IP); deleting the netns under the pod kills the old pause too (else it would keep the
 * unnamed namespace and its veth alive); deleting the pod leaves no pause behind. As kubelet's
 * computePodActions: under restartPolicy Never a lost sandbox is not replaced (the pod fails),
 * under OnFailure a container that succeeded is not run again in the new sandbox, but one that was
 * running is (even if it exits 0 on SIGTERM), and init containers run again.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Event, Pod } from '../../../src/api/types.js';
import { Client, isNotFound } from '../../../src/client/client.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { startAgent, type Agent } from '../../../src/agent/index.js';
import { REPO, alive, destroyTestNode, eventually, inNetns, leftovers, makeTestNode, pausePids, recordedPids, type SeenProcess, type TestNode } from '../../helpers/agent-node.js';

interface Sandbox {
  id: string;
  netns: string;
  podIP: string;
  pause?: { pid: number; procStart: string };
}

const HTTPD = '<html><body><h1>It works!</h1></body></html>\n';

describe('sandbox pause process', { timeout: 180_000 }, () => {
  let node: TestNode;
  let store: Store;
  let api: ApiServer;
  let client: Client;
  let agent: Agent | undefined;
  const pids: SeenProcess[] = [];

  const getPod = (name: string) => client.get<Pod>('pods', 'default', name);
  const sandboxOf = (pod: Pod) => JSON.parse(readFileSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!, 'sandbox.json'), 'utf8')) as Sandbox;
  const hostVeths = () => execFileSync('ip', ['-n', node.netns, '-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  const ipFile = (ip: string) => join(node.nodeRoot, 'cni', 'networks', 'cbr0', ip);
  const pauseSeen = (sb: Sandbox): SeenProcess => ({ pid: sb.pause!.pid, start: sb.pause!.procStart });

  before(async () => {
    node = makeTestNode();
    store = await openStore({ kind: 'memory' });
    api = await startApiServer({ store, port: 0 });
    client = new Client({ server: api.url, userAgent: 'sandbox-pause-test' });
    agent = await startAgent({ client, clusterName: node.cluster, nodeName: 'node1', nodeNetns: node.netns, nodeIP: '172.18.0.11', nodeRoot: node.nodeRoot, repoRoot: REPO });
    await client.patch('nodes', undefined, 'node1', { spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
    await client.create('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: 'node1', containers: [{ name: 'httpd', image: 'httpd' }] } });
  });

  after(async () => {
    await agent?.stop();
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    destroyTestNode(node, pids);
    await api?.close();
    await store?.close();
    client?.close();
    assert.deepEqual(leftovers(node, pids), []);
  });

  /** Waits until `web` runs in a sandbox other than `old`, with its container restarted `restarts` times. */
  const rebuiltFrom = (old: Sandbox, restarts: number) =>
    eventually(async () => {
      const p = await getPod('web');
      const cs = p.status?.containerStatuses?.[0];
      const ok = p.status?.podIP && p.status.podIP !== old.podIP && cs?.restartCount === restarts && cs.state?.running && cs.ready;
      return ok ? p : undefined;
    }, 30_000, 'sandbox rebuilt');

  /** What must hold of a rebuilt pod and of the sandbox it left. */
  async function assertRebuilt(pod: Pod, old: Sandbox, restarts: number): Promise<void> {
    const sb = sandboxOf(pod);
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    assert.notEqual(sb.id, old.id);
    assert.notEqual(sb.netns, old.netns);
    assert.equal(sb.podIP, pod.status?.podIP);
    assert.ok(sb.pause && alive(pauseSeen(sb)), 'the new sandbox has a live pause process');
    assert.deepEqual(inNetns(sb.netns, ['true']).status, 0);
    assert.ok(execFileSync('ip', ['netns', 'pids', sb.netns], { encoding: 'utf8' }).split('\n').includes(String(sb.pause.pid)), 'pause lives in the new netns');
    assert.equal(existsSync(`/run/netns/${old.netns}`), false, 'old netns removed');
    assert.equal(existsSync(`/etc/netns/${old.netns}`), false, 'old /etc/netns removed');
    assert.equal(alive(pauseSeen(old)), false, 'old pause gone');
    assert.equal(existsSync(ipFile(old.podIP)), false, 'old IP released');
    assert.equal(existsSync(ipFile(sb.podIP)), true, 'new IP allocated');
    assert.equal(await eventually(() => hostVeths() === 1, 10_000, 'one host veth'), true);
    const cs = pod.status!.containerStatuses![0];
    assert.equal(cs.restartCount, restarts);
    assert.ok(cs.lastState?.terminated, 'lastState.terminated is set');
    const events = (await client.list<Event>('events', 'default')).items.filter((e) => e.involvedObject.name === 'web').map((e) => e.reason);
    assert.ok(events.includes('SandboxChanged'), JSON.stringify(events));
    const body = await eventually(() => inNetns(node.netns, ['curl', '-s', '--max-time', '2', `http://${sb.podIP}/`]).stdout, 15_000, 'httpd on the new IP');
    assert.equal(body, HTTPD);
  }

  it('gives every sandbox a pause process in its netns', async () => {
    const pod = await eventually(async () => {
      const p = await getPod('web');
      return p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? p : undefined;
    }, 30_000, 'web Ready');
    const sb = sandboxOf(pod);
    assert.ok(sb.pause, 'sandbox.json records the pause process');
    assert.ok(alive(pauseSeen(sb)));
    assert.ok(execFileSync('ip', ['netns', 'pids', sb.netns], { encoding: 'utf8' }).split('\n').includes(String(sb.pause.pid)));
    assert.match(readFileSync(`/proc/${sb.pause.pid}/cmdline`, 'utf8'), /^sleep\0infinity\0$/);
  });

  it('rebuilds the sandbox when its pause process is killed (kill -9)', async () => {
    const old = sandboxOf(await getPod('web'));
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    process.kill(old.pause!.pid, 'SIGKILL');
    await assertRebuilt(await rebuiltFrom(old, 1), old, 1);
  });

  it('rebuilds the sandbox when its netns is deleted, killing the old pause', async () => {
    const old = sandboxOf(await getPod('web'));
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    execFileSync('ip', ['netns', 'del', old.netns]);
    await assertRebuilt(await rebuiltFrom(old, 2), old, 2);
  });

  it('restartPolicy Never: a lost sandbox is not replaced; the killed container fails the pod', async () => {
    await client.create('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'once', namespace: 'default' }, spec: { nodeName: 'node1', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sleep', 'infinity'] }] } });
    const pod = await eventually(async () => {
      const p = await getPod('once');
      return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
    }, 30_000, 'once running');
    const old = sandboxOf(pod);
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    process.kill(old.pause!.pid, 'SIGKILL');
    const failed = await eventually(async () => {
      const p = await getPod('once');
      return p.status?.phase === 'Failed' ? p : undefined;
    }, 30_000, 'once Failed');
    const cs = failed.status!.containerStatuses![0];
    assert.equal(cs.restartCount, 0);
    assert.ok([137, 143].includes(cs.state?.terminated?.exitCode ?? 0), `killed: ${JSON.stringify(cs.state)}`);
    assert.equal(existsSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!, 'sandbox.json')), false, 'no new sandbox');
    assert.equal(existsSync(`/run/netns/${old.netns}`), false);
    assert.equal(existsSync(ipFile(old.podIP)), false, 'IP released');
    const events = (await client.list<Event>('events', 'default')).items.filter((e) => e.involvedObject.name === 'once').map((e) => e.reason);
    assert.equal(events.includes('SandboxChanged'), false, JSON.stringify(events));
    await client.delete('pods', 'default', 'once');
    await eventually(async () => getPod('once').then(() => false, (e: unknown) => isNotFound(e)), 30_000, 'once gone');
  });

  it('restartPolicy OnFailure: a new sandbox reruns init containers and what was running, not one that had succeeded', async () => {
    // `graceful` exits 0 on SIGTERM: it was running when the sandbox died, so kubelet (which
    // decides before killing) starts it again, exit code notwithstanding.
    const containers = [
      { name: 'done', image: 'busybox', command: ['true'] },
      { name: 'run', image: 'busybox', command: ['sleep', 'infinity'] },
      { name: 'graceful', image: 'busybox', command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'] },
    ];
    const initContainers = [{ name: 'setup', image: 'busybox', command: ['true'] }];
    await client.create('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mixed', namespace: 'default' }, spec: { nodeName: 'node1', restartPolicy: 'OnFailure', terminationGracePeriodSeconds: 5, initContainers, containers } });
    const pod = await eventually(async () => {
      const p = await getPod('mixed');
      const [done, run, graceful] = p.status?.containerStatuses ?? [];
      return done?.state?.terminated?.exitCode === 0 && run?.state?.running && graceful?.state?.running ? p : undefined;
    }, 30_000, 'mixed: done exited 0, run and graceful running');
    const old = sandboxOf(pod);
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    process.kill(old.pause!.pid, 'SIGKILL');
    const rebuilt = await eventually(async () => {
      const p = await getPod('mixed');
      const [, run, graceful] = p.status?.containerStatuses ?? [];
      const again = (s: typeof run) => s?.restartCount === 1 && s.state?.running;
      return p.status?.podIP !== old.podIP && again(run) && again(graceful) ? p : undefined;
    }, 30_000, 'mixed rebuilt, run and graceful restarted');
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    const done = rebuilt.status!.containerStatuses![0];
    assert.equal(done.restartCount, 0, 'the container that succeeded is not run again');
    assert.equal(done.state?.terminated?.exitCode, 0);
    assert.equal(rebuilt.status!.containerStatuses![2].lastState?.terminated?.exitCode, 0, 'graceful had exited 0 on SIGTERM');
    const setup = rebuilt.status!.initContainerStatuses![0];
    assert.deepEqual([setup.restartCount, setup.state?.terminated?.exitCode], [1, 0], 'the init container ran again in the new sandbox');
    await client.delete('pods', 'default', 'mixed');
    await eventually(async () => getPod('mixed').then(() => false, (e: unknown) => isNotFound(e)), 30_000, 'mixed gone');
  });

  it('leaves no pause process when the pod is deleted', async () => {
    const sb = sandboxOf(await getPod('web'));
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    await client.delete('pods', 'default', 'web');
    await eventually(async () => getPod('web').then(() => false, (e: unknown) => isNotFound(e)), 30_000, 'web gone');
    assert.equal(alive(pauseSeen(sb)), false);
    assert.equal(existsSync(`/run/netns/${sb.netns}`), false);
    assert.equal(hostVeths(), 0);
  });
});
