/**
 * Helpers for the sandbox and probe e2e tests on a real cluster: an API client from cluster.json,
 * a pod's sandbox record as its node's agent wrote it, a Service's endpoints as EndpointSlices
 * and as Endpoints (ready and not ready), and HTTP from inside a pod's netns.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EndpointSlice, Endpoints } from '../../src/api/types.js';
import { Client } from '../../src/client/client.js';
import { loadClusterConfig } from '../../src/cluster/config.js';

export const stateRoot = (cluster: string) => join(process.env.PODNET_STATE_ROOT ?? '/var/lib/podnet', cluster);

export function apiClient(cluster: string, userAgent = 'sandbox-e2e'): Client {
  const cfg = loadClusterConfig(cluster);
  return new Client({ server: `http://127.0.0.1:${cfg.apiPort}`, token: cfg.token, userAgent });
}

export interface SandboxOnDisk {
  id: string;
  netns: string;
  podIP: string;
  uid: string;
  name: string;
  pause?: { pid: number; procStart: string };
  /** The node whose agent holds it. */
  node: string;
}

/** The sandbox.json of pod `pod` (by name) on any node, or undefined. */
export function sandboxOf(cluster: string, pod: string, namespace = 'default'): SandboxOnDisk | undefined {
  const nodes = join(stateRoot(cluster), 'nodes');
  for (const node of existsSync(nodes) ? readdirSync(nodes) : []) {
    const pods = join(nodes, node, 'pods');
    for (const uid of existsSync(pods) ? readdirSync(pods) : []) {
      try {
        const rec = JSON.parse(readFileSync(join(pods, uid, 'sandbox.json'), 'utf8')) as Omit<SandboxOnDisk, 'node'> & { namespace: string };
        if (rec.name === pod && rec.namespace === namespace) return { ...rec, node };
      } catch {
        // Being written or removed.
      }
    }
  }
  return undefined;
}

export interface EndpointIPs {
  ready: string[];
  notReady: string[];
}

/** The Service's EndpointSlice addresses split by conditions.ready (sorted). */
export async function sliceIPs(client: Client, service: string, namespace = 'default'): Promise<EndpointIPs> {
  const slices = await client.list<EndpointSlice>('endpointslices', namespace, { labelSelector: `kubernetes.io/service-name=${service}` });
  const out: EndpointIPs = { ready: [], notReady: [] };
  for (const e of slices.items.flatMap((s) => s.endpoints ?? [])) (e.conditions?.ready === false ? out.notReady : out.ready).push(...e.addresses);
  return { ready: out.ready.sort(), notReady: out.notReady.sort() };
}

/** The Service's Endpoints addresses and notReadyAddresses (sorted; empty when it has none). */
export async function endpointsIPs(client: Client, service: string, namespace = 'default'): Promise<EndpointIPs> {
  const ep = await client.get<Endpoints>('endpoints', namespace, service).catch(() => undefined);
  const subsets = ep?.subsets ?? [];
  return {
    ready: subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort(),
    notReady: subsets.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort(),
  };
}

/** curl from netns `netns` (a pod's, or a node's); stdout, or undefined on failure. */
export function curlIn(netns: string, url: string, maxTimeS = 2): string | undefined {
  const r = spawnSync('ip', ['netns', 'exec', netns, 'curl', '-sf', '--max-time', String(maxTimeS), url], { encoding: 'utf8', timeout: (maxTimeS + 5) * 1000 });
  return r.status === 0 ? r.stdout : undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
