/**
 * The healthCheckNodePort answer follows the proxy's health as kube-proxy's does
 * (serviceProxyHealthy): a listener in a real netns, a real apiserver, and the node's
 * ProxierHealth; a queued change left unsynced past healthTimeout turns a serving node's 200
 * into 503, the sync that lands turns it back.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, KubeObject, Service } from '../../../src/api/types.js';
import { ipBatch, run } from '../../../src/dataplane/exec.js';
import { netnsAdd } from '../../../src/dataplane/netns.js';
import { startHealthCheckServer, type HealthCheckServer } from '../../../src/loadbalancer/health-check.js';
import { ProxierHealth } from '../../../src/proxy/healthz/proxier-health.js';
import { eventually, startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';
import { cleanupPrefix, leftovers, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NODE = `${P}node1`;

describe('service health checks report the proxy\'s health', { timeout: 60_000 }, () => {
  let api: TestApi;
  let hc: HealthCheckServer | undefined;
  const proxy = new ProxierHealth(300);

  before(async () => {
    await netnsAdd(NODE);
    await ipBatch(NODE, ['link set lo up']);
    api = await startTestApi('lb-proxy-healthy-test');
  });
  after(async () => {
    await hc?.stop();
    await api?.close();
    await cleanupPrefix(P);
    assert.deepEqual(await leftovers(P), []);
  });

  it('200 with a local endpoint and a healthy proxy; 503 (serviceProxyHealthy false) while the proxy is late', async () => {
    const svc = await api.client.create<Service & KubeObject>('services', 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'local', namespace: 'default' },
      spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerClass: 'example.com/none', selector: { app: 'x' }, ports: [{ port: 80 }] },
    });
    await api.client.create<EndpointSlice & KubeObject>('endpointslices', 'default', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'local-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'local' } },
      addressType: 'IPv4', ports: [{ port: 80, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.244.0.5'], nodeName: 'node1', conditions: { ready: true } }],
    });
    const port = svc.spec?.healthCheckNodePort;
    assert.ok(port && port >= 30000, `healthCheckNodePort ${port}`);
    hc = await startHealthCheckServer({ client: api.client, nodeName: 'node1', netns: NODE, proxyHealth: proxy });
    const get = async () => {
      const r = await run('ip', ['netns', 'exec', NODE, 'curl', '-s', '-i', '--max-time', '2', `http://127.0.0.1:${port}/`], { allowFailure: true });
      return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(r.stdout)?.[1]), body: r.stdout.includes('{') ? JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as Record<string, unknown> : {}, raw: r.stdout };
    };
    proxy.updated();
    const ok = await eventually('200', async () => { const a = await get(); return a.status === 200 && a; }, 15_000);
    assert.equal(ok.body.serviceProxyHealthy, true);
    assert.equal(ok.body.localEndpoints, 1);

    proxy.queuedUpdate();
    const late = await eventually('503 once the proxy is late', async () => { const a = await get(); return a.status === 503 && a; }, 10_000);
    assert.equal(late.body.serviceProxyHealthy, false);
    assert.equal(late.body.localEndpoints, 1, 'the endpoint is still there: only the proxy is unhealthy');
    assert.match(late.raw, /X-Load-Balancing-Endpoint-Weight: 1/i);

    proxy.updated();
    await eventually('200 after the sync', async () => (await get()).status === 200, 10_000);
  });
});
