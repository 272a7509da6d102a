import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from '../../../src/api/types.js';
import { desiredSlices, MAX_ENDPOINTS_PER_SLICE } from '../../../src/controllers/endpointslice-compute.js';
import { desiredSubsets } from '../../../src/controllers/endpoints-compute.js';

function svc(...tweaks: ((s: Service) => void)[]): Service {
  const s: Service = {
    metadata: { name: 'web', namespace: 'default', uid: 'svc-uid' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
  for (const t of tweaks) t(s);
  return s;
}
function pod(name: string, ip: string | undefined, opts: { ready?: boolean; httpPort?: number; terminating?: boolean; node?: string } = {}): Pod {
  const ports = opts.httpPort === undefined ? [] : [{ name: 'http', containerPort: opts.httpPort }];
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, deletionTimestamp: opts.terminating ? '2026-01-01T00:00:00Z' : undefined },
    spec: { nodeName: opts.node ?? 'node1', containers: [{ name: 'c', ports }] },
    status: { podIP: ip, phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

test('named targetPort resolves per pod; pods are grouped by port set', () => {
  const slices = desiredSlices(svc(), [
    pod('a', '10.244.0.5', { httpPort: 8080 }),
    pod('b', '10.244.1.5', { httpPort: 9090 }),
    pod('c', '10.244.0.6', { httpPort: 8080, ready: false }),
    pod('d', '10.244.0.7'), // no port named http: in the slice with no ports
    pod('e', undefined, { httpPort: 8080 }), // no IP yet: left out
  ]);
  const summary = slices.map((s) => ({ ports: s.ports.map((p) => `${p.name}/${p.protocol}/${p.port}`), ips: s.endpoints.map((e) => `${e.addresses[0]}${e.conditions?.ready ? '' : '(not ready)'}`) }));
  assert.deepEqual(summary, [
    { ports: ['http/TCP/8080'], ips: ['10.244.0.5', '10.244.0.6(not ready)'] },
    { ports: ['http/TCP/9090'], ips: ['10.244.1.5'] },
    { ports: [], ips: ['10.244.0.7'] },
  ]);
  assert.deepEqual(slices[0].endpoints[0], {
    addresses: ['10.244.0.5'],
    conditions: { ready: true, serving: true, terminating: false },
    nodeName: 'node1',
    targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
  });
});

test('terminating pods are not ready but keep serving; publishNotReadyAddresses makes them ready', () => {
  const pods = [pod('a', '10.244.0.5', { httpPort: 80, terminating: true }), pod('b', '10.244.0.6', { httpPort: 80, ready: false })];
  const [s] = desiredSlices(svc(), pods);
  assert.deepEqual(s.endpoints.map((e) => e.conditions), [
    { ready: false, serving: true, terminating: true },
    { ready: false, serving: false, terminating: false },
  ]);
  const [t] = desiredSlices(svc((x) => (x.spec!.publishNotReadyAddresses = true)), pods);
  assert.deepEqual(t.endpoints.map((e) => e.conditions?.ready), [true, true]);
});

test('numeric and defaulted targetPorts, more than 100 endpoints split', () => {
  const s = svc((x) => (x.spec!.ports = [{ port: 53, protocol: 'UDP' }, { name: 'metrics', port: 9153, targetPort: 9100 }]));
  const pods = Array.from({ length: MAX_ENDPOINTS_PER_SLICE + 5 }, (_, i) => pod(`p${i}`, `10.244.${Math.floor(i / 200)}.${(i % 200) + 2}`));
  const slices = desiredSlices(s, pods);
  assert.equal(slices.length, 2);
  assert.deepEqual(slices[0].ports, [{ name: '', protocol: 'UDP', port: 53 }, { name: 'metrics', protocol: 'TCP', port: 9100 }]);
  assert.equal(slices[0].endpoints.length, 100);
  assert.equal(slices[1].endpoints.length, 5);
});

test('legacy Endpoints subsets: ready and not ready addresses, per port set, terminating left out', () => {
  const subsets = desiredSubsets(svc(), [
    pod('a', '10.244.0.5', { httpPort: 8080 }),
    pod('c', '10.244.0.6', { httpPort: 8080, ready: false }),
    pod('b', '10.244.1.5', { httpPort: 9090 }),
    pod('t', '10.244.1.9', { httpPort: 9090, terminating: true }),
    pod('d', '10.244.0.7'),
  ]);
  assert.deepEqual(
    subsets.map((s) => ({ a: s.addresses?.map((x) => x.ip), n: s.notReadyAddresses?.map((x) => x.ip), p: s.ports })),
    [
      { a: ['10.244.0.5'], n: ['10.244.0.6'], p: [{ name: 'http', protocol: 'TCP', port: 8080 }] },
      { a: ['10.244.1.5'], n: undefined, p: [{ name: 'http', protocol: 'TCP', port: 9090 }] },
    ],
  );
});

test('mirroring: an Endpoints object becomes slices per port set, ready and not ready', async () => {
  const { mirroredSlices } = await import('../../../src/controllers/endpointslice-mirroring.js');
  const slices = mirroredSlices({
    metadata: { name: 'ext', namespace: 'default' },
    subsets: [
      { addresses: [{ ip: '172.18.0.200', hostname: 'laptop' }], notReadyAddresses: [{ ip: '172.18.0.201' }], ports: [{ name: 'http', port: 8080 }] },
      { addresses: [{ ip: '172.18.0.202' }], ports: [{ port: 53, protocol: 'UDP' }] },
    ],
  });
  assert.deepEqual(
    slices.map((s) => ({ ports: s.ports, eps: s.endpoints.map((e) => [e.addresses[0], e.conditions?.ready, e.hostname ?? '']) })),
    [
      { ports: [{ name: '', protocol: 'UDP', port: 53 }], eps: [['172.18.0.202', true, '']] },
      { ports: [{ name: 'http', protocol: 'TCP', port: 8080 }], eps: [['172.18.0.200', true, 'laptop'], ['172.18.0.201', false, '']] },
    ],
  );
});

test('legacy Endpoints over 1000 addresses: not-ready ones cut first, shares per subset rounded up', async () => {
  const { truncateSubsets } = await import('../../../src/controllers/endpoints-capacity.js');
  const addrs = (n: number, base: string) => Array.from({ length: n }, (_, i) => ({ ip: `${base}.${Math.floor(i / 250)}.${i % 250}` }));
  const small = [{ addresses: addrs(10, '10.1') }];
  assert.deepEqual(truncateSubsets(small), { subsets: small, truncated: false });
  const r = truncateSubsets([
    { addresses: addrs(900, '10.1'), notReadyAddresses: addrs(300, '10.2'), ports: [{ port: 80 }] },
    { addresses: addrs(50, '10.3'), notReadyAddresses: addrs(100, '10.4'), ports: [{ port: 81 }] },
  ]);
  assert.equal(r.truncated, true);
  const counts = r.subsets.map((s) => [s.addresses?.length ?? 0, s.notReadyAddresses?.length ?? 0]);
  assert.deepEqual(counts, [[900, 38], [50, 12]], '50 not-ready places shared 300:100, rounded up');
  const allReady = truncateSubsets([{ addresses: addrs(700, '10.1'), notReadyAddresses: addrs(5, '10.9') }, { addresses: addrs(700, '10.2') }]);
  assert.deepEqual(allReady.subsets.map((s) => [s.addresses?.length ?? 0, s.notReadyAddresses?.length ?? 0]), [[500, 0], [500, 0]]);
});
