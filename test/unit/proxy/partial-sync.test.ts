/**
 * Partial sync equals full sync: random sequences of Service and EndpointSlice events go through
 * the proxier's path (ServiceChangeTracker → ServiceTable → deltaTransaction) into a model
 * table; after every step the model must hold exactly what a full sync of the same objects
 * writes into an empty table, and the ServiceTable's union must equal buildDesiredState.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, KubeObject, Service } from '../../../src/api/types.js';
import { ServiceChangeTracker, serviceKey } from '../../../src/proxy/change-tracker.js';
import { buildEndpointsMap } from '../../../src/proxy/endpoints.js';
import { buildServicePorts } from '../../../src/proxy/service-port.js';
import { buildServiceFragment, ServiceTable } from '../../../src/proxy/service-table.js';
import { buildDesiredState, deltaTransaction, syncProxyRules, type DesiredState } from '../../../src/proxy/sync-proxy-rules.js';
import { makeService, makeSlice } from './fixtures.js';
import { applyScript, emptyModel, snapshot } from './nft-model.js';

type Svc = Service & KubeObject;
type Slice = EndpointSlice & KubeObject;
const node = { nodeName: 'node1', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8' };

/** mulberry32: a seeded PRNG, so a failing seed can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Names chosen so that `ns/name` order and service-port order disagree (a vs a-b).
const NAMES = [['ns1', 'a'], ['ns1', 'a-b'], ['ns1', 'b'], ['ns2', 'a'], ['ns2', 'c']] as const;
const SHARED_IPS = ['192.168.99.1', '192.168.99.2'];

function randomService(r: () => number, ns: string, name: string, i: number): Svc {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const svc = makeService(ns, name, (s) => {
    const spec = s.spec!;
    spec.clusterIP = `172.30.0.${10 + i}`;
    spec.type = pick(['ClusterIP', 'NodePort', 'LoadBalancer'] as const);
    const nPorts = 1 + Math.floor(r() * 2);
    for (let p = 0; p < nPorts; p++) {
      spec.ports!.push({ name: `p${p}`, port: pick([80, 443]) + p, protocol: pick(['TCP', 'UDP'] as const), ...(spec.type !== 'ClusterIP' ? { nodePort: 30000 + i * 10 + p } : {}) });
    }
    if (r() < 0.4) spec.externalIPs = [pick(SHARED_IPS)];
    if (r() < 0.3) Object.assign(spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: pick([60, 10800]) } } });
    if (r() < 0.3) spec.externalTrafficPolicy = 'Local';
    if (r() < 0.2) spec.internalTrafficPolicy = 'Local';
    if (spec.type === 'LoadBalancer' && r() < 0.5) spec.loadBalancerSourceRanges = ['203.0.113.0/24'];
  });
  if (svc.spec!.type === 'LoadBalancer' && r() < 0.7) (svc as { status?: Service['status'] }).status = { loadBalancer: { ingress: [{ ip: pick(['5.6.7.8', ...SHARED_IPS]) }] } };
  return svc as Svc;
}

function randomSlice(r: () => number, ns: string, svcName: string, sliceName: string): Slice {
  const n = Math.floor(r() * 4);
  const eps = Array.from({ length: n }, () => ({
    ip: `10.180.0.${1 + Math.floor(r() * 6)}`,
    node: r() < 0.5 ? 'node1' : 'node2',
    ready: r() < 0.8,
    serving: r() < 0.9,
    terminating: r() < 0.3,
  }));
  const ports = [{ name: 'p0', port: 8080 }, { name: 'p1', port: 8081, protocol: 'UDP' as const }, { name: 'p0', port: 8080, protocol: 'UDP' as const }];
  return makeSlice(ns, svcName, ports.filter(() => r() < 0.7), eps, sliceName) as Slice;
}

/** The world: objects by key, and the tracker fed with the events that change it. */
class World {
  readonly services = new Map<string, Svc>();
  readonly slices = new Map<string, Slice>();
  constructor(private readonly tracker: ServiceChangeTracker) {}

  putService(svc: Svc): void {
    const key = serviceKey(svc.metadata!.namespace, svc.metadata!.name!);
    const old = this.services.get(key);
    this.services.set(key, svc);
    if (old) this.tracker.serviceHandler.update!(old, svc);
    else this.tracker.serviceHandler.add!(svc);
  }

  deleteService(key: string): void {
    const old = this.services.get(key);
    if (!old) return;
    this.services.delete(key);
    this.tracker.serviceHandler.delete!(old);
  }

  putSlice(slice: Slice): void {
    const key = `${slice.metadata!.namespace}/${slice.metadata!.name}`;
    const old = this.slices.get(key);
    this.slices.set(key, slice);
    if (old) this.tracker.sliceHandler.update!(old, slice);
    else this.tracker.sliceHandler.add!(slice);
  }

  deleteSlice(key: string): void {
    const old = this.slices.get(key);
    if (!old) return;
    this.slices.delete(key);
    this.tracker.sliceHandler.delete!(old);
  }
}

function randomEvent(r: () => number, w: World): void {
  const i = Math.floor(r() * NAMES.length);
  const [ns, name] = NAMES[i];
  const roll = r();
  if (roll < 0.3) w.putService(randomService(r, ns, name, i));
  else if (roll < 0.4) w.deleteService(serviceKey(ns, name));
  else if (roll < 0.85) {
    // Two slices per Service; one may carry another Service's label (a relabelled slice).
    const sliceName = `${name}-${r() < 0.5 ? 'x' : 'y'}`;
    const label = r() < 0.1 ? NAMES[Math.floor(r() * NAMES.length)][1] : name;
    w.putSlice(randomSlice(r, ns, label, sliceName));
  } else w.deleteSlice(`${ns}/${name}-${r() < 0.5 ? 'x' : 'y'}`);
}

const entries = <V>(m: Map<string, V>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
const comparable = (d: DesiredState) => ({
  chains: entries(d.chains), sets: entries(d.affinitySets), elements: entries(d.elements), reachable: entries(d.reachable),
});

function fullState(w: World) {
  return { ...node, servicePorts: buildServicePorts([...w.services.values()]), endpoints: buildEndpointsMap([...w.slices.values()], node.nodeName) };
}

function runSeed(seed: number, steps: number): { partialOps: number; fullOps: number } {
  const r = prng(seed);
  const tracker = new ServiceChangeTracker();
  const w = new World(tracker);
  const table = new ServiceTable();
  const model = emptyModel();
  applyScript(model, syncProxyRules(fullState(w)).tx.toString()); // the first (full) sync, empty cluster
  let partialOps = 0;
  let fullOps = 0;
  for (let step = 0; step < steps; step++) {
    const events = 1 + Math.floor(r() * 3);
    for (let e = 0; e < events; e++) randomEvent(r, w);
    for (const key of tracker.take()) table.setService(key, buildServiceFragment(w.services.get(key), tracker.slicesOf(key), node));
    const tx = deltaTransaction(table.takeDelta());
    assert.equal(tx.err, undefined);
    partialOps += tx.numOperations;
    applyScript(model, tx.toString());
    const full = syncProxyRules(fullState(w));
    fullOps += full.tx.numOperations;
    const fresh = emptyModel();
    applyScript(fresh, full.tx.toString());
    const where = `seed ${seed} step ${step}`;
    assert.deepEqual(comparable(table.desired), comparable(buildDesiredState(fullState(w))), `${where}: desired state`);
    assert.deepEqual(snapshot(model), snapshot(fresh), `${where}: table after partial syncs`);
  }
  return { partialOps, fullOps };
}

test('random change sequences: partial syncs leave exactly what a full sync writes', () => {
  let partial = 0;
  let full = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const n = runSeed(seed, 40);
    partial += n.partialOps;
    full += n.fullOps;
  }
  assert.ok(partial * 5 < full, `partial syncs write a fraction of a full sync (${partial} vs ${full} operations)`);
});

test('a relabelled slice moves its endpoints from one Service to the other', () => {
  const tracker = new ServiceChangeTracker();
  const w = new World(tracker);
  w.putService(makeService('ns', 'one', (s) => { s.spec!.clusterIP = '172.30.0.1'; s.spec!.ports!.push({ name: 'p0', port: 80 }); }) as Svc);
  w.putService(makeService('ns', 'two', (s) => { s.spec!.clusterIP = '172.30.0.2'; s.spec!.ports!.push({ name: 'p0', port: 80 }); }) as Svc);
  w.putSlice(makeSlice('ns', 'one', [{ name: 'p0', port: 8080 }], [{ ip: '10.180.0.1' }], 's') as Slice);
  tracker.take();
  w.putSlice(makeSlice('ns', 'two', [{ name: 'p0', port: 8080 }], [{ ip: '10.180.0.1' }], 's') as Slice);
  assert.deepEqual([...tracker.take()].sort(), ['ns/one', 'ns/two']);
  assert.equal(tracker.slicesOf('ns/one').length, 0);
  assert.equal(tracker.slicesOf('ns/two').length, 1);
});

test('two Services writing one external IP element: the later in service-port order wins, the other takes over when it goes', () => {
  const table = new ServiceTable();
  const svc = (name: string, ip: string) => makeService('ns', name, (s) => {
    s.spec!.clusterIP = ip;
    s.spec!.externalIPs = ['192.168.99.1'];
    s.spec!.ports!.push({ name: 'p0', port: 80 });
  });
  // `ns/a-b/tcp/p0` sorts before `ns/a/tcp/p0` ('-' < '/'): a full sync writes a-b first, a last.
  table.setService('ns/a', buildServiceFragment(svc('a', '172.30.0.1'), [], node));
  table.setService('ns/a-b', buildServiceFragment(svc('a-b', '172.30.0.2'), [], node));
  const key = 'no-endpoint-services { 192.168.99.1 . tcp . 80 }';
  assert.equal(table.desired.elements.get(key)?.comment, 'ns/a:p0');
  table.takeDelta();
  table.setService('ns/a', undefined);
  assert.equal(table.desired.elements.get(key)?.comment, 'ns/a-b:p0');
  const d = table.takeDelta();
  assert.deepEqual(d.deleteElements.filter((e) => e.key[0] === '192.168.99.1').map((e) => e.comment), ['ns/a:p0']);
  assert.deepEqual(d.addElements.filter((e) => e.key[0] === '192.168.99.1').map((e) => e.comment), ['ns/a-b:p0']);
});
