/**
 * kube-proxy's ServiceHealthServer for one node: for every Service with
 * externalTrafficPolicy Local and a healthCheckNodePort, an HTTP listener on that port in the
 * node's namespace reporting how many ready endpoints of the Service run on this node. The
 * listeners live in a small child process started inside the node netns (health-server-main.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EndpointSlice, KubeObject, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { BoundedFrequencyRunner } from '../util/runner.js';
import type { ServiceHealth } from './health-response.js';
import type { ProxierHealthState } from '../proxy/healthz/proxier-health.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MAIN = fileURLToPath(new URL('./health-server-main.js', import.meta.url));

export interface HealthCheckOptions {
  client: Client;
  nodeName: string;
  netns: string;
  /** The proxy's health (startProxy's `health`): answers turn 503 while the proxy is unhealthy. */
  proxyHealth?: ProxyHealthSource;
}

/** What the health checks need of kube-proxy's health state (ProxierHealth). */
export interface ProxyHealthSource {
  subscribe(fn: (s: ProxierHealthState) => void): () => void;
}

export interface HealthCheckServer {
  stop(): Promise<void>;
  /** What the listeners currently serve (tests, status). */
  current(): ServiceHealth[];
}

/** Ready endpoints (distinct addresses) of `svc` on `nodeName`, from its EndpointSlices. */
export function localReadyEndpoints(svc: Service, slices: readonly EndpointSlice[], nodeName: string): number {
  const addrs = new Set<string>();
  for (const s of slices) {
    if (s.metadata?.namespace !== svc.metadata?.namespace || s.metadata?.labels?.[SERVICE_NAME_LABEL] !== svc.metadata?.name) continue;
    for (const ep of s.endpoints ?? []) {
      if (ep.nodeName === nodeName && ep.conditions?.ready !== false) ep.addresses.forEach((a) => addrs.add(a));
    }
  }
  return addrs.size;
}

/** The health check ports this node serves, sorted by port. */
export function desiredHealthChecks(services: readonly Service[], slices: readonly EndpointSlice[], nodeName: string): ServiceHealth[] {
  return services
    .filter((s) => s.spec?.externalTrafficPolicy === 'Local' && (s.spec.healthCheckNodePort ?? 0) > 0)
    .map((s) => ({
      namespace: s.metadata?.namespace ?? 'default',
      name: s.metadata?.name ?? '',
      port: s.spec?.healthCheckNodePort ?? 0,
      localEndpoints: localReadyEndpoints(s, slices, nodeName),
    }))
    .sort((a, b) => a.port - b.port);
}

function spawnListener(netns: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, MAIN], { stdio: ['pipe', 'pipe', 'pipe'] });
  // A write racing the child's death must not crash the agent with EPIPE.
  child.stdin?.on('error', () => undefined);
  child.stderr?.on('data', (d: Buffer) => console.error(`healthcheck ${netns}: ${d.toString().trim()}`));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`healthcheck listener in ${netns} exited (${code})`)));
    child.stdout?.once('data', () => resolve(child));
  });
}

export async function startHealthCheckServer(opts: HealthCheckOptions): Promise<HealthCheckServer> {
  const services = new Informer<Service & KubeObject>(opts.client, 'services');
  const slices = new Informer<EndpointSlice & KubeObject>(opts.client, 'endpointslices');
  await Promise.all([services.start(), slices.start()]);
  const child = await spawnListener(opts.netns);
  let current: ServiceHealth[] = [];
  let sent = '';
  const runner = new BoundedFrequencyRunner(() => {
    current = desiredHealthChecks(services.list(), slices.list(), opts.nodeName);
    const line = JSON.stringify(current);
    if (line !== sent) child.stdin?.write(`${line}\n`);
    sent = line;
  }, { name: `healthcheck ${opts.nodeName}`, minIntervalMs: 100, maxIntervalMs: 30_000 });
  const kick = { add: () => runner.run(), update: () => runner.run(), delete: () => runner.run() };
  services.on(kick);
  slices.on(kick);
  runner.start();
  const unsubscribe = opts.proxyHealth?.subscribe((proxy) => {
    if (child.exitCode === null) child.stdin?.write(`${JSON.stringify({ proxy })}\n`);
  });
  return {
    async stop() {
      unsubscribe?.();
      runner.stop();
      services.stop();
      slices.stop();
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
    current: () => current,
  };
}
