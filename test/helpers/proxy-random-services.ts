/**
 * Random Services and EndpointSlices for the partial-sync tests (unit: model table; integration:
 * real nftables): a seeded PRNG, a World that feeds a ServiceChangeTracker the informer events
 * its changes would cause, and random events over a few names chosen so that `ns/name` order
 * and service-port order disagree, with shared external IPs and relabelled slices.
 */
import type { EndpointSlice, KubeObject, Service } from '../../src/api/types.js';
import { ServiceChangeTracker, serviceKey } from '../../src/proxy/change-tracker.js';
import { makeService, makeSlice } from '../unit/proxy/fixtures.js';

export type Svc = Service & KubeObject;
export type Slice = EndpointSlice & KubeObject;

/** mulberry32: a seeded PRNG, so a failing seed can be replayed. */
export function prng(seed: number): () => number {
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
export class World {
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

export function randomEvent(r: () => number, w: World): void {
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

