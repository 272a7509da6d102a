/**
 * kube-proxy's health server on the real kernel: a listener on :10256 inside a test node netns,
 * started by startProxy in each mode against a real apiserver; 200 after syncs with upstream's
 * JSON, 503 from /healthz when the node is tainted ToBeDeletedByClusterAutoscaler, and 503 from
 * both paths when a queued change waits past healthTimeout (a ProxierLoop whose sync stalls).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Node, Service } from '../../../src/api/types.js';
import { ipBatch, run } from '../../../src/dataplane/exec.js';
import { startProxy, PROXY_MODES } from '../../../src/proxy/mode.js';
import { ProxierLoop } from '../../../src/proxy/proxier-loop.js';
import { startProxyHealthServer } from '../../../src/proxy/healthz/healthz-server.js';
import { eventually, startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';
import { cleanupPrefix, leftovers, makeNode, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NODE = `${P}node`;
type N = Node & KubeObject;

interface Answer { code: number; json?: Record<string, unknown>; status?: number }
/** GET from inside the node netns: HTTP status and parsed body (curl exit code when it fails). */
async function get(path: string, port = 10256): Promise<Answer> {
  const r = await run('ip', ['netns', 'exec', NODE, 'curl', '-s', '--max-time', '2', '-w', '\n%{http_code}', `http://127.0.0.1:${port}${path}`], { allowFailure: true });
  if (r.code !== 0) return { code: r.code ?? -1 };
  const nl = r.stdout.lastIndexOf('\n');
  const body = r.stdout.slice(0, nl);
  return { code: 0, status: Number(r.stdout.slice(nl + 1)), json: body.startsWith('{') ? JSON.parse(body) as Record<string, unknown> : { text: body } };
}

const GO_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC( m=\+\d+\.\d{9})?$/;

describe('proxy healthz', { timeout: 60_000 }, () => {
  let api: TestApi;
  before(async () => {
    await makeNode(NODE, '10.244.0.1/24');
    await ipBatch(NODE, ['link set lo up']);
    api = await startTestApi('proxy-healthz-test');
    await api.client.create<N>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } });
  });
  after(async () => {
    await api?.close();
    await cleanupPrefix(P);
    assert.deepEqual(await leftovers(P), []);
  });

  for (const mode of PROXY_MODES) {
    it(`${mode} mode serves /healthz and /livez on :10256 in the node netns, and stops with the proxy`, async () => {
      const proxy = await startProxy({
        mode, client: api.client, nodeName: 'node1', netns: NODE, nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16',
        serviceCIDR: '10.96.0.0/12', minSyncPeriodMs: 50, syncPeriodMs: 1000, healthzBindAddress: '0.0.0.0:10256',
      });
      try {
        // healthTimeout is 2 × syncPeriod = 2 s: a change the proxier syncs keeps it healthy past that.
        await api.client.create<Service & KubeObject>('services', 'default', {
          apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: `probe-${mode}` }, spec: { ports: [{ port: 80 }] },
        });
        await new Promise((r) => setTimeout(r, 2500));
        const hz = await get('/healthz');
        assert.equal(hz.status, 200);
        assert.deepEqual(Object.keys(hz.json ?? {}), ['lastUpdated', 'currentTime', 'nodeEligible']);
        assert.match(String(hz.json?.currentTime), GO_TIME);
        assert.equal(hz.json?.lastUpdated, hz.json?.currentTime, 'healthy: lastUpdated is now, as upstream');
        assert.equal(hz.json?.nodeEligible, true);
        const lz = await get('/livez');
        assert.equal(lz.status, 200);
        assert.deepEqual(Object.keys(lz.json ?? {}), ['lastUpdated', 'currentTime']);
        assert.equal((await get('/metrics')).status, 404);
        // The listener is on every address of the node, not only loopback.
        const viaCni0 = await run('ip', ['netns', 'exec', NODE, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://10.244.0.1:10256/healthz']);
        assert.equal(viaCni0.stdout, '200');
      } finally {
        await proxy.stop();
      }
      assert.equal((await get('/healthz')).code, 7, 'connection refused once the proxy stopped');
    });
  }

  it('/healthz turns 503 (nodeEligible false) while the node is tainted ToBeDeletedByClusterAutoscaler or deleted; /livez stays 200', async () => {
    const proxy = await startProxy({
      client: api.client, nodeName: 'node1', netns: NODE, nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16',
      serviceCIDR: '10.96.0.0/12', minSyncPeriodMs: 50, healthzBindAddress: '0.0.0.0:10256',
    });
    const taint = async (on: boolean) => {
      const n = await api.client.get<N>('nodes', undefined, 'node1');
      await api.client.update<N>('nodes', { ...n, spec: { ...n.spec, taints: on ? [{ key: 'ToBeDeletedByClusterAutoscaler', value: '1764000000', effect: 'NoSchedule' }] : [] } });
    };
    try {
      assert.equal((await get('/healthz')).status, 200);
      await taint(true);
      const sick = await eventually('503 from /healthz', async () => { const a = await get('/healthz'); return a.status === 503 && a; });
      assert.equal(sick.json?.nodeEligible, false);
      assert.equal((await get('/livez')).status, 200, 'the proxier itself is fine');
      await taint(false);
      await eventually('200 again', async () => (await get('/healthz')).status === 200);
      await api.client.delete('nodes', undefined, 'node1');
      const gone = await eventually('503 once the Node is deleted', async () => { const a = await get('/healthz'); return a.status === 503 && a; });
      assert.equal(gone.json?.nodeEligible, false);
      await api.client.create<N>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } });
      await eventually('200 once it is back', async () => (await get('/healthz')).status === 200);
    } finally {
      await proxy.stop();
    }
  });

  it('a health server process that dies is started again with the last state', { timeout: 30_000 }, async () => {
    const server = await startProxyHealthServer({ nodeName: 'node1', netns: NODE, bindAddress: '0.0.0.0:10258', healthTimeoutMs: 100 });
    try {
      server.health.updated();
      server.health.queuedUpdate();
      await eventually('503: the change is late', async () => (await get('/healthz', 10258)).status === 503);
      const pid = server.serverPid();
      assert.ok(pid);
      process.kill(pid, 'SIGKILL');
      await eventually('the port closes', async () => (await get('/healthz', 10258)).code === 7);
      const back = await eventually('answers again', async () => { const a = await get('/healthz', 10258); return a.code === 0 && a; }, 15_000, 200);
      assert.equal(back.status, 503, 'the restarted server got the last state, not a fresh healthy one');
      assert.notEqual(server.serverPid(), pid);
      server.health.updated();
      await eventually('200 after the sync', async () => (await get('/healthz', 10258)).status === 200);
    } finally {
      await server.stop();
    }
  });

  it('a queued change not synced within healthTimeout makes both paths 503; the sync that lands makes them 200', async () => {
    const server = await startProxyHealthServer({ client: api.client, nodeName: 'node1', netns: NODE, bindAddress: '0.0.0.0:10257', healthTimeoutMs: 800 });
    let release: () => void = () => undefined;
    let stalled = false;
    const loop = new ProxierLoop({ client: api.client, nodeName: 'node1', minSyncPeriodMs: 10, ...server.hooks }, 'stalling proxy', async () => {
      // A wedged data plane: the sync hangs until the test lets it go.
      if (stalled) await new Promise<void>((r) => (release = r));
    });
    try {
      await loop.start();
      assert.equal((await get('/healthz', 10257)).status, 200);
      stalled = true;
      await api.client.create<Service & KubeObject>('services', 'default', {
        apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'stuck' }, spec: { ports: [{ port: 80 }] },
      });
      const t0 = Date.now();
      const sick = await eventually('503 once the change is late', async () => { const a = await get('/healthz', 10257); return a.status === 503 && a; }, 10_000, 50);
      const lateMs = Date.now() - t0;
      assert.ok(lateMs >= 700, `503 only after healthTimeout (800 ms), got it after ${lateMs} ms`);
      assert.notEqual(sick.json?.lastUpdated, sick.json?.currentTime, 'unhealthy: lastUpdated is the last sync');
      assert.match(String(sick.json?.lastUpdated), GO_TIME);
      assert.equal(sick.json?.nodeEligible, true);
      assert.equal((await get('/livez', 10257)).status, 503);
      stalled = false;
      release();
      await eventually('200 after the sync', async () => (await get('/healthz', 10257)).status === 200);
      assert.equal((await get('/livez', 10257)).status, 200);
    } finally {
      stalled = false;
      release();
      await loop.stop();
      await server.stop();
    }
  });
});
