/**
 * The shared part of the proxy benchmarks: N synthetic ClusterIP Services × 10 endpoints as
 * pure objects (what the informers would hold), one "target" Service whose endpoints are a real
 * backend pod, a node netns with a client and a backend pod on its bridge, and the statistics.
 * Every namespace carries the run's prefix and is removed by `cleanup`.
 */
import type { EndpointSlice, Service } from '../src/api/types.js';
import { ip } from '../src/dataplane/exec.js';
import { cleanupPrefix, leftovers, makeNode, makePod, testPrefix } from '../test/helpers/proxy-netns.js';

export const ENDPOINTS_PER_SERVICE = 10;
export const TARGET_IP = '10.96.0.50';
export const CLIENT_IP = '10.244.0.2';
/** The backend pod holds 10.244.0.3 .. 10.244.0.12: the target Service's 10 endpoints. */
export const BACKEND_IPS = Array.from({ length: ENDPOINTS_PER_SERVICE }, (_, j) => `10.244.0.${3 + j}`);
export const BACKEND_PORT = 80;
export const NODE_OPTS = { nodeName: 'node1', nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12' };

export interface ServiceSet {
  services: Service[];
  slices: EndpointSlice[];
}

function service(name: string, clusterIP: string): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { namespace: 'default', name },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
  };
}

export function slice(svcName: string, ips: readonly string[], port = 8080): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: 'default', name: `${svcName}-abcde`, labels: { 'kubernetes.io/service-name': svcName } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: ips.map((a, j) => ({ addresses: [a], nodeName: `node${1 + (j % 2)}`, conditions: { ready: true } })),
  };
}

/** Pod IPs of filler Service i (outside 10.244.0.0/24, where the real pods live). */
export function fillerEndpoints(i: number, generation = 0): string[] {
  return Array.from({ length: ENDPOINTS_PER_SERVICE }, (_, j) => {
    const k = i * ENDPOINTS_PER_SERVICE + j + generation * 7919;
    return `10.244.${1 + ((k >> 8) % 254)}.${k & 255}`;
  });
}

/** ClusterIP of filler Service i: 10.96.1.0 onwards (10.96.0.x holds kubernetes, kube-dns, the target). */
export const fillerClusterIP = (i: number): string => `10.96.${1 + (i >> 8)}.${i & 255}`;

/**
 * `n` Services, each with one port and 10 ready endpoints; with `target`, the last one is the
 * Service at TARGET_IP whose endpoints are the backend pod's addresses.
 */
export function makeServiceSet(n: number, target = false): ServiceSet {
  const out: ServiceSet = { services: [], slices: [] };
  const fillers = target ? n - 1 : n;
  for (let i = 0; i < fillers; i++) {
    out.services.push(service(`svc-${i}`, fillerClusterIP(i)));
    out.slices.push(slice(`svc-${i}`, fillerEndpoints(i)));
  }
  if (target) {
    out.services.push(service('target', TARGET_IP));
    out.slices.push(slice('target', BACKEND_IPS, BACKEND_PORT));
  }
  return out;
}

export interface Topology {
  prefix: string;
  node: string;
  client: string;
  backend: string;
  cleanup(): Promise<void>;
}

/** node (bridge cni0 10.244.0.1/24) + client pod (10.244.0.2) + backend pod (10.244.0.3-12). */
export async function makeTopology(): Promise<Topology> {
  const prefix = testPrefix();
  const topo: Topology = {
    prefix, node: `${prefix}node`, client: `${prefix}client`, backend: `${prefix}backend`,
    async cleanup() {
      await cleanupPrefix(prefix);
      const left = await leftovers(prefix);
      if (left.length > 0) throw new Error(`left behind: ${left.join(', ')}`);
    },
  };
  try {
    await makeNode(topo.node, '10.244.0.1/24');
    await makePod(topo.node, topo.client, 'vethclient', `${CLIENT_IP}/24`, '10.244.0.1');
    await makePod(topo.node, topo.backend, 'vethbackend', `${BACKEND_IPS[0]}/24`, '10.244.0.1');
    for (const a of BACKEND_IPS.slice(1)) await ip(topo.backend, ['addr', 'add', `${a}/24`, 'dev', 'eth0']);
  } catch (e) {
    await topo.cleanup();
    throw e;
  }
  return topo;
}

export interface Stats { n: number; median: number; p90: number; p99: number; min: number }

export function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const median = (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
  return { n: s.length, median, p90: at(0.9), p99: at(0.99), min: s[0] };
}

export const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
