/**
 * Probes through the real agent on a real node netns, against the real apiserver, with a watch
 * on the pod so that every status the agent writes is seen: a container with a readiness probe
 * that never passes is never reported ready (not even in the first status after its start, as
 * kubelet's initial readiness result is Failure); one with a startup probe is not started before
 * it passes; a passing readiness probe makes the pod Ready.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { Client } from '../../../src/client/client.js';
import { Informer } from '../../../src/client/informer.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { startAgent, type Agent } from '../../../src/agent/index.js';
import { REPO, destroyTestNode, eventually, leftovers, makeTestNode, pausePids, recordedPids, type SeenProcess, type TestNode } from '../../helpers/agent-node.js';

interface Seen {
  ready: string | undefined;
  containerReady: boolean | undefined;
  started: boolean | undefined;
  running: boolean;
}

describe('agent probes, every status written', { timeout: 120_000 }, () => {
  let node: TestNode;
  let store: Store;
  let api: ApiServer;
  let client: Client;
  let agent: Agent | undefined;
  let pods: Informer<Pod>;
  const pids: SeenProcess[] = [];
  const history = new Map<string, Seen[]>();

  const record = (p: Pod) => {
    const cs = p.status?.containerStatuses?.[0];
    const seen: Seen = { ready: p.status?.conditions?.find((c) => c.type === 'Ready')?.status, containerReady: cs?.ready, started: cs?.started, running: !!cs?.state?.running };
    history.set(p.metadata!.name!, [...(history.get(p.metadata!.name!) ?? []), seen]);
  };

  const create = (name: string, container: object) =>
    client.create('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'busybox', command: ['sleep', 'infinity'], ...container }] } });

  before(async () => {
    node = makeTestNode();
    store = await openStore({ kind: 'memory' });
    api = await startApiServer({ store, port: 0 });
    client = new Client({ server: api.url, userAgent: 'agent-probes-test' });
    pods = new Informer<Pod>(client, 'pods', { namespace: 'default' });
    pods.on({ add: record, update: (_o, p) => record(p) });
    await pods.start();
    agent = await startAgent({ client, clusterName: node.cluster, nodeName: 'node1', nodeNetns: node.netns, nodeIP: '172.18.0.11', nodeRoot: node.nodeRoot, repoRoot: REPO });
    await client.patch('nodes', undefined, 'node1', { spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
  });

  after(async () => {
    pods?.stop();
    await agent?.stop();
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    destroyTestNode(node, pids);
    await api?.close();
    await store?.close();
    client?.close();
    assert.deepEqual(leftovers(node, pids), []);
  });

  it('never reports ready a container whose readiness probe never passes', async () => {
    await create('never', { readinessProbe: { periodSeconds: 1, failureThreshold: 1, exec: { command: ['false'] } } });
    await eventually(() => history.get('never')?.some((s) => s.running), 30_000, 'never running');
    // Past several probe periods and agent syncs.
    await new Promise((r) => setTimeout(r, 4000));
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    const seen = history.get('never')!;
    assert.deepEqual(seen.filter((s) => s.ready === 'True' || s.containerReady === true), [], `a status showed it ready: ${JSON.stringify(seen)}`);
  });

  it('reports a startup-probed container not started, then started and ready once the probe passes', async () => {
    await create('slow', { startupProbe: { periodSeconds: 1, failureThreshold: 30, exec: { command: ['test', '-f', '/tmp/podnet-never-there'] } } });
    await eventually(() => history.get('slow')?.some((s) => s.running), 30_000, 'slow running');
    await new Promise((r) => setTimeout(r, 2500));
    const seen = history.get('slow')!;
    assert.deepEqual(seen.filter((s) => s.running && (s.started !== false || s.ready === 'True')), [], `started or ready too early: ${JSON.stringify(seen)}`);
  });

  it('starts app containers only once a sidecar\'s startup probe passed; an unready sidecar keeps the pod not Ready', async () => {
    const sidecar = (probe: object) => ({ name: 'side', image: 'busybox', command: ['sleep', 'infinity'], restartPolicy: 'Always', ...probe });
    const spec = (probe: object) => ({ nodeName: 'node1', initContainers: [sidecar(probe)], containers: [{ name: 'c', image: 'busybox', command: ['sleep', 'infinity'] }] });
    await client.create('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gated', namespace: 'default' }, spec: spec({ startupProbe: { periodSeconds: 1, failureThreshold: 60, exec: { command: ['false'] } } }) });
    await client.create('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sideunready', namespace: 'default' }, spec: spec({ readinessProbe: { periodSeconds: 1, exec: { command: ['false'] } } }) });
    await eventually(() => history.get('sideunready')?.some((s) => s.running), 30_000, 'sideunready app container running');
    await new Promise((r) => setTimeout(r, 3000));
    pids.push(...recordedPids(node.nodeRoot), ...pausePids(node.nodeRoot));
    const gated = await client.get<Pod>('pods', 'default', 'gated');
    assert.equal(gated.status?.initContainerStatuses?.[0]?.state?.running !== undefined, true, 'the sidecar runs');
    assert.equal(gated.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing', 'the app waits for the sidecar to be started');
    assert.deepEqual(history.get('sideunready')!.filter((s) => s.ready === 'True'), [], 'never Ready while its sidecar is not');
    const ready = (await client.get<Pod>('pods', 'default', 'sideunready')).status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.message, 'containers with unready status: [side]');
  });

  it('turns a passing readiness probe into Ready', async () => {
    await create('fine', { readinessProbe: { periodSeconds: 1, exec: { command: ['true'] } } });
    await eventually(() => history.get('fine')?.some((s) => s.ready === 'True' && s.containerReady), 30_000, 'fine Ready');
    const seen = history.get('fine')!;
    const firstRunning = seen.findIndex((s) => s.running);
    assert.equal(seen[firstRunning]!.containerReady, false, `ready before any probe: ${JSON.stringify(seen)}`);
  });
});
