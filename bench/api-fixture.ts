/**
 * The shared setup of the API benchmarks: an apiserver with TLS and a token on the embedded
 * (SQLite) store, seeded with N pods over M namespaces as a Deployment and the node agent leave
 * them (defaulted spec, owner reference, the status computePodStatus writes), and a kubeconfig
 * that trusts the server's CA.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { resourceByPlural, storeKey } from '../src/api/resources.js';
import type { Pod } from '../src/api/types.js';
import { computePodStatus } from '../src/agent/pod-status.js';
import { encodeForStore } from '../src/apiserver/codec.js';
import { Registry } from '../src/apiserver/registry.js';
import { ServiceAllocations } from '../src/apiserver/service-allocations.js';
import { ClusterIPAllocator } from '../src/apiserver/cluster-ip-allocator.js';
import { NodePortAllocator } from '../src/apiserver/node-port-allocator.js';
import { type ApiServer, startApiServer } from '../src/apiserver/server.js';
import { selfSignedCert, type TLSCert } from '../src/apiserver/tls.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/store.js';

export const TOKEN = 'bench-token';
const PODS = resourceByPlural('pods', '')!;
const NAMESPACES = resourceByPlural('namespaces', '')!;

export interface Fixture {
  api: ApiServer;
  store: Store;
  tls: TLSCert;
  dir: string;
  /** A kubeconfig file for `server` (default: the apiserver), CA data and token. */
  kubeconfig(server?: string): string;
  close(): Promise<void>;
}

/** A pod as the deployment controller creates it, before defaulting. */
export function podManifest(ns: string, i: number): Pod {
  const app = `app-${i % 20}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-6d4cf56db6-${i.toString(36).padStart(5, '0')}`,
      namespace: ns,
      labels: { app, 'pod-template-hash': '6d4cf56db6' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-6d4cf56db6`, uid: randomUUID(), controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName: `node${(i % 10) + 1}`,
      containers: [
        {
          name: 'web',
          image: 'registry.k8s.io/e2e-test-images/agnhost:2.39',
          args: ['netexec', '--http-port=8080'],
          ports: [{ containerPort: 8080, name: 'http' }],
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
        },
      ],
    },
  };
}

/** The status the node agent writes for a running pod. */
function runningStatus(pod: Pod, i: number): Pod['status'] {
  const now = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const node = (i % 10) + 1;
  const view = {
    hostIP: `172.18.0.${10 + node}`,
    podIP: `10.244.${node - 1}.${(i % 250) + 2}`,
    sandboxReady: true,
    containers: [{
      name: 'web', image: 'registry.k8s.io/e2e-test-images/agnhost:2.39', imageID: 'podnet://builtin/agnhost',
      containerID: `podnet://${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`, restartCount: 0,
      state: { running: { startedAt: now } },
    }],
  };
  return computePodStatus(pod, view, now);
}

/** Writes `n` pods over `namespaces` namespaces, defaulted and validated by the registry. */
export async function seedPods(store: Store, n: number, namespaces: number): Promise<void> {
  const registry = new Registry(store, new ServiceAllocations(new ClusterIPAllocator('10.96.0.0/12'), new NodePortAllocator(30000, 32767)));
  for (let j = 0; j < namespaces; j++) await registry.create(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${j}` } });
  for (let i = 0; i < n; i++) {
    const ns = `bench-${i % namespaces}`;
    // A dry-run create gives the object exactly as the API would store it (defaults, uid, ...).
    const pod = (await registry.create(PODS, ns, podManifest(ns, i) as never, { dryRun: true })) as Pod;
    const stored = { ...pod, status: runningStatus(pod, i) };
    const res = await store.create(storeKey(PODS, ns, pod.metadata!.name!), encodeForStore(stored as never));
    if (!res.ok) throw new Error(`bench: Cannot seed pod ${ns}/${pod.metadata!.name}: it exists`);
  }
}

export function kubeconfigText(server: string, cert: string, token = TOKEN): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster:
    server: ${server}
    certificate-authority-data: ${Buffer.from(cert).toString('base64')}
users:
- name: admin
  user:
    token: ${token}
contexts:
- name: bench
  context: {cluster: bench, user: admin}
current-context: bench
`;
}

/** Starts the fixture: store in a temp dir, `pods` pods, apiserver on a free port. */
export async function startFixture(pods: number, namespaces: number): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-bench-api-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'state.db') });
  await seedPods(store, pods, namespaces);
  const tls = await selfSignedCert();
  const api = await startApiServer({ store, port: 0, token: TOKEN, tls, compactIntervalMs: 0, eventTTLSeconds: 0 });
  let n = 0;
  return {
    api, store, tls, dir,
    kubeconfig: (server = api.url) => {
      const path = join(dir, `kubeconfig-${n++}`);
      writeFileSync(path, kubeconfigText(server, tls.cert));
      return path;
    },
    close: async () => {
      await api.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Percentile (0..100) of samples, nearest rank. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const median = (xs: number[]): number => percentile(xs, 50);
export const ms = (x: number): string => `${x.toFixed(0)} ms`;
