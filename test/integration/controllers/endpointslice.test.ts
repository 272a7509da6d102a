/**
 * EndpointSlices and the legacy Endpoints with every controller against the real apiserver:
 * conditions (ready/serving/terminating) as upstream, hostname/subdomain,
 * publishNotReadyAddresses, at most 100 endpoints per slice, labels, and Endpoints kept in step.
 * The test writes pods directly (bound, with an IP) as the scheduler and agents would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Endpoints, Pod, Service } from '../../../src/api/types.js';
import { eventually } from '../../helpers/controllers-apiserver.js';
import { startTestCluster, type TestCluster } from '../../helpers/controllers-cluster.js';

let c: TestCluster;

before(async () => {
  c = await startTestCluster('endpointslice-test');
  await c.addNode('node1');
});

after(async () => {
  await c?.close();
});

const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** A bound pod with an IP, Ready or not (the agent's status), finalizer-held when asked. */
async function runningPod(name: string, app: string, ip: string, opts: { ready?: boolean; hostname?: string; subdomain?: string; hold?: boolean } = {}): Promise<void> {
  const pod = await c.client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app }, ...(opts.hold ? { finalizers: ['example.com/hold'] } : {}) },
    spec: {
      nodeName: 'node1',
      hostname: opts.hostname,
      subdomain: opts.subdomain,
      containers: [{ name: 'c', image: 'podnet/echo', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
  });
  const ready = opts.ready ?? true;
  await c.client.updateStatus('pods', {
    ...pod,
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: stamp() }] },
  });
}

async function service(name: string, spec: Partial<NonNullable<Service['spec']>> = {}): Promise<void> {
  await c.client.create<Service>('services', 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { team: 'net' } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec },
  });
}

const slicesOf = async (svc: string) =>
  (await c.client.list<EndpointSlice>('endpointslices', 'default', { labelSelector: `kubernetes.io/service-name=${svc}` })).items;
const conditionsByPod = (slices: EndpointSlice[]) =>
  Object.fromEntries(slices.flatMap((s) => s.endpoints ?? []).map((e) => [e.targetRef?.name, e.conditions]));

test('250 pods: three slices of at most 100 endpoints, labelled, IPv4, with the resolved port', async () => {
  await service('big');
  await Promise.all(Array.from({ length: 250 }, (_, i) => runningPod(`big-${i}`, 'big', `10.244.${1 + Math.floor(i / 200)}.${(i % 200) + 2}`)));
  const slices = await eventually('250 endpoints', async () => {
    const s = await slicesOf('big');
    return s.reduce((n, x) => n + (x.endpoints?.length ?? 0), 0) === 250 && s;
  }, 20_000);
  assert.deepEqual(slices.map((s) => s.endpoints?.length).sort(), [100, 100, 50]);
  for (const s of slices) {
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
    assert.equal(s.metadata?.labels?.['kubernetes.io/service-name'], 'big');
    assert.equal(s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(s.metadata?.labels?.team, 'net', 'service labels are copied');
    assert.equal(s.metadata?.ownerReferences?.[0]?.kind, 'Service');
  }
  const ips = new Set(slices.flatMap((s) => s.endpoints ?? []).map((e) => e.addresses[0]));
  assert.equal(ips.size, 250);
  const ep = await eventually('Endpoints with 250 addresses', async () => {
    const e = await c.client.get<Endpoints>('endpoints', 'default', 'big');
    return e.subsets?.[0]?.addresses?.length === 250 && e;
  });
  assert.deepEqual(ep.metadata?.labels, { team: 'net', 'endpointslice.kubernetes.io/skip-mirror': 'true' });
  // The trigger time is when the last pod change happened (its Ready transition), not the write.
  const pods = (await c.client.list<Pod>('pods', 'default', { labelSelector: 'app=big' })).items;
  const latest = pods.map((p) => p.status?.conditions?.[0]?.lastTransitionTime ?? '').sort().pop();
  const TRIGGER = 'endpoints.kubernetes.io/last-change-trigger-time';
  assert.equal(ep.metadata?.annotations?.[TRIGGER], latest);
  const stamped = (await slicesOf('big')).map((s) => s.metadata?.annotations?.[TRIGGER]).sort();
  assert.equal(stamped.pop(), latest);
  await c.client.delete('services', 'default', 'big');
  await eventually('slices of a deleted service collected', async () => (await slicesOf('big')).length === 0);
});

test('1001 pods: Endpoints truncated to 1000 and annotated over-capacity; slices hold all', async () => {
  await service('huge');
  for (let i = 0; i < 1001; i += 100) {
    const n = Math.min(100, 1001 - i);
    await Promise.all(Array.from({ length: n }, (_, j) => runningPod(`huge-${i + j}`, 'huge', `10.250.${Math.floor((i + j) / 250)}.${((i + j) % 250) + 1}`)));
  }
  const ep = await eventually('truncated Endpoints', async () => {
    const e = await c.client.get<Endpoints>('endpoints', 'default', 'huge');
    return e.metadata?.annotations?.['endpoints.kubernetes.io/over-capacity'] === 'truncated' && e;
  }, 30_000);
  assert.equal(ep.subsets?.[0]?.addresses?.length, 1000);
  const slices = await eventually('1001 endpoints in slices', async () => {
    const s = await slicesOf('huge');
    return s.reduce((n, x) => n + (x.endpoints?.length ?? 0), 0) === 1001 && s;
  }, 30_000);
  assert.equal(slices.length, 11);
  await c.client.delete('pods', 'default', 'huge-0', { gracePeriodSeconds: 0 });
  await eventually('annotation dropped at 1000', async () => {
    const e = await c.client.get<Endpoints>('endpoints', 'default', 'huge');
    return e.subsets?.[0]?.addresses?.length === 1000 && e.metadata?.annotations?.['endpoints.kubernetes.io/over-capacity'] === undefined;
  });
  await c.client.delete('services', 'default', 'huge');
  await c.client.raw('DELETE', '/api/v1/namespaces/default/pods?labelSelector=app%3Dhuge');
});

test('ready, not ready and terminating pods: conditions as upstream, notReadyAddresses in Endpoints', async () => {
  await service('cond');
  await runningPod('cond-ready', 'cond', '10.244.5.2');
  await runningPod('cond-unready', 'cond', '10.244.5.3', { ready: false });
  await runningPod('cond-leaving', 'cond', '10.244.5.4', { hold: true });
  await runningPod('cond-leaving-unready', 'cond', '10.244.5.5', { ready: false, hold: true });
  await c.client.delete('pods', 'default', 'cond-leaving', { gracePeriodSeconds: 0 });
  await c.client.delete('pods', 'default', 'cond-leaving-unready', { gracePeriodSeconds: 0 });
  const conds = await eventually('four endpoints', async () => {
    const m = conditionsByPod(await slicesOf('cond'));
    return Object.keys(m).length === 4 && m['cond-leaving']?.terminating && m['cond-leaving-unready']?.terminating && m;
  });
  assert.deepEqual(conds, {
    'cond-ready': { ready: true, serving: true, terminating: false },
    'cond-unready': { ready: false, serving: false, terminating: false },
    'cond-leaving': { ready: false, serving: true, terminating: true },
    'cond-leaving-unready': { ready: false, serving: false, terminating: true },
  });
  const ep = await eventually('Endpoints', async () => {
    const e = await c.client.get<Endpoints>('endpoints', 'default', 'cond');
    return e.subsets?.[0]?.notReadyAddresses?.length === 1 && e;
  });
  assert.deepEqual(ep.subsets?.[0]?.addresses?.map((a) => a.targetRef?.name), ['cond-ready']);
  assert.deepEqual(ep.subsets?.[0]?.notReadyAddresses?.map((a) => a.targetRef?.name), ['cond-unready'], 'terminating pods are left out');
  for (const p of ['cond-leaving', 'cond-leaving-unready']) await c.client.patch('pods', 'default', p, { metadata: { finalizers: null } });
});

test('publishNotReadyAddresses: every endpoint ready, Endpoints lists all as addresses', async () => {
  await service('pnr', { publishNotReadyAddresses: true, clusterIP: 'None' });
  await runningPod('pnr-a', 'pnr', '10.244.6.2', { ready: false });
  await runningPod('pnr-b', 'pnr', '10.244.6.3');
  const conds = await eventually('two endpoints', async () => {
    const m = conditionsByPod(await slicesOf('pnr'));
    return Object.keys(m).length === 2 && m;
  });
  assert.deepEqual(conds, { 'pnr-a': { ready: true, serving: false, terminating: false }, 'pnr-b': { ready: true, serving: true, terminating: false } });
  const [slice] = await slicesOf('pnr');
  assert.equal(slice.metadata?.labels?.['service.kubernetes.io/headless'], '');
  const ep = await eventually('Endpoints', async () => {
    const e = await c.client.get<Endpoints>('endpoints', 'default', 'pnr');
    return e.subsets?.[0]?.addresses?.length === 2 && e;
  });
  assert.equal(ep.subsets?.[0]?.notReadyAddresses, undefined);
});

test('hostname only when spec.subdomain names the service; zone from the node', async () => {
  await c.client.patch('nodes', undefined, 'node1', { metadata: { labels: { 'topology.kubernetes.io/zone': 'zone-a' } } });
  await service('web', { clusterIP: 'None' });
  await runningPod('web-0', 'web', '10.244.7.2', { hostname: 'web-0', subdomain: 'web' });
  await runningPod('web-1', 'web', '10.244.7.3', { hostname: 'web-1', subdomain: 'other' });
  const eps = await eventually('two endpoints', async () => {
    const e = (await slicesOf('web')).flatMap((s) => s.endpoints ?? []);
    return e.length === 2 && e;
  });
  assert.deepEqual(Object.fromEntries(eps.map((e) => [e.targetRef?.name, e.hostname])), { 'web-0': 'web-0', 'web-1': undefined });
  assert.deepEqual(eps.map((e) => [e.nodeName, e.zone]), [['node1', 'zone-a'], ['node1', 'zone-a']]);
  const ep = await eventually('Endpoints', async () => {
    const e = await c.client.get<Endpoints>('endpoints', 'default', 'web');
    return e.subsets?.[0]?.addresses?.length === 2 && e;
  });
  assert.deepEqual(ep.subsets?.[0]?.addresses?.map((a) => a.hostname), ['web-0', undefined]);
});

test('a service without pods keeps one empty slice; a selector-less one gets none but a mirror of its Endpoints', async () => {
  await service('empty');
  const [placeholder] = await eventually('placeholder slice', async () => {
    const s = await slicesOf('empty');
    return s.length === 1 && s;
  });
  assert.deepEqual([placeholder.endpoints ?? [], placeholder.ports ?? []], [[], []]);
  await c.client.create<Service>('services', 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { ports: [{ port: 5432 }] } });
  await c.client.create<Endpoints>('endpoints', 'default', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'ext' },
    subsets: [{ addresses: [{ ip: '172.18.0.200' }], notReadyAddresses: [{ ip: '172.18.0.201' }], ports: [{ port: 5432 }] }],
  });
  const [mirror] = await eventually('mirrored slice', async () => {
    const s = await slicesOf('ext');
    return s.length === 1 && s;
  });
  assert.equal(mirror.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  await c.client.patch('endpoints', 'default', 'ext', { metadata: { annotations: { 'example.com/owner': 'dba' } } });
  await eventually('annotation mirrored', async () => (await slicesOf('ext'))[0]?.metadata?.annotations?.['example.com/owner'] === 'dba');
  assert.deepEqual(mirror.endpoints?.map((e) => [e.addresses[0], e.conditions?.ready]), [['172.18.0.200', true], ['172.18.0.201', false]]);
  await c.client.patch('endpoints', 'default', 'ext', { metadata: { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } });
  await eventually('skip-mirror removes the mirror', async () => (await slicesOf('ext')).length === 0);
});

test('a Service deleted in the foreground goes: its slices are not recreated while it waits', async () => {
  await service('fg');
  await runningPod('fg-0', 'fg', '10.244.8.2');
  await eventually('slice', async () => (await slicesOf('fg'))[0]?.endpoints?.length === 1);
  await c.client.delete('services', 'default', 'fg', { propagationPolicy: 'Foreground' });
  await eventually('service and slices gone', async () => {
    const gone = await c.client.get('services', 'default', 'fg').then(() => false, () => true);
    return gone && (await slicesOf('fg')).length === 0;
  });
});
