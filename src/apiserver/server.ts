/**
 * The API server: Kubernetes REST over node:http (TCP, and optionally a unix socket), with bearer
 * token auth, discovery, a minimal OpenAPI v3, health and version endpoints, all resources of the
 * registry over generic storage, and watches fed by one watch cache.
 */
import type { Duplex } from 'node:stream';
import { resourceByPlural } from '../api/resources.js';
import type { Service } from '../api/types.js';
import type { Store } from '../store/store.js';
import { bootstrapNamespaces } from './bootstrap.js';
import { ClusterIPAllocator } from './cluster-ip-allocator.js';
import { NodePortAllocator } from './node-port-allocator.js';
import { ServiceAllocations } from './service-allocations.js';
import { Compactor } from './compactor.js';
import { EventTTL } from './event-ttl.js';
import { PodLogs } from './pod-logs.js';
import type { HandlerContext } from './handlers.js';
import { startListeners, type UpgradeHandler } from './listeners.js';
import { PodExec } from './pod-exec.js';
import { PodPortForward } from './pod-portforward.js';
import { NamespaceLifecycle } from './namespace-lifecycle.js';
import { Registry } from './registry.js';
import { createRouter } from './router.js';
import { WatchCache } from './watch-cache.js';
import { NamespaceCache } from './namespace-cache.js';
import type { TLSCert } from './tls.js';

export interface ApiServerOptions {
  store: Store;
  host?: string;
  /** 0 = any free port. Default 0. */
  port?: number;
  /**
   * When set, every request but health and version needs `Authorization: Bearer <token>`.
   * kubectl sends tokens only over https: pair a token with `tls` for kubectl users.
   */
  token?: string;
  /**
   * Also serve https on the TCP port with this certificate (see selfSignedCert): the port then
   * answers both TLS and plain http, so kubectl (https, token) and podnet's components (http)
   * share it. The unix socket stays plain http.
   */
  tls?: TLSCert;
  /** Also listen on this unix socket (the in-cluster relay's upstream). */
  socketPath?: string;
  /** Default 10.96.0.0/12. */
  serviceCIDR?: string;
  /** Node ports for NodePort and LoadBalancer Services, inclusive; default [30000, 32767]. */
  nodePortRange?: [number, number];
  /** BOOKMARK period for watches that allow them; default 60 s as upstream. */
  bookmarkIntervalMs?: number;
  /** Events the watch cache keeps for watches from an older resourceVersion; default 10000. */
  watchCacheSize?: number;
  /**
   * The cluster's state root (docs/layout.md). Enables pods/log, read from the CRI log files the
   * node agents write under `nodes/<node>/pods/<uid>/containers/<name>/0.log`.
   */
  stateRoot?: string;
  /** Events older than this are deleted (upstream --event-ttl); default 3600, 0 = keep. */
  eventTTLSeconds?: number;
  /** Store compaction period (history older than one period is dropped); default 5 min, 0 = never. */
  compactIntervalMs?: number;
}

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Everything behind the sockets: storage, watch cache and the background loops. */
async function startServices(opts: ApiServerOptions): Promise<{ ctx: HandlerContext; stop: () => void }> {
  const [minPort, maxPort] = opts.nodePortRange ?? [30000, 32767];
  const services = new ServiceAllocations(new ClusterIPAllocator(opts.serviceCIDR ?? '10.96.0.0/12'), new NodePortAllocator(minPort, maxPort));
  const registry = new Registry(opts.store, services);
  const { items } = await registry.list(resourceByPlural('services', '')!, undefined);
  for (const s of items as Service[]) services.restore(s);
  const cache = new WatchCache(opts.store, { capacity: opts.watchCacheSize });
  await cache.start();
  const namespaces = new NamespaceCache(opts.store, cache);
  await namespaces.start();
  registry.namespaces = namespaces;
  const lifecycle = new NamespaceLifecycle(registry);
  const compactor = new Compactor(opts.store, opts.compactIntervalMs ?? 5 * 60_000);
  const eventTTL = new EventTTL(registry, opts.eventTTLSeconds ?? 3600);
  const stop = (): void => {
    for (const s of [lifecycle, compactor, eventTTL, namespaces, cache]) s.stop();
  };
  try {
    await bootstrapNamespaces(registry);
    await lifecycle.resume();
    compactor.start();
    eventTTL.start();
  } catch (e) {
    stop();
    throw e;
  }
  const podLogs = opts.stateRoot ? new PodLogs(registry, opts.stateRoot) : undefined;
  return { ctx: { registry, cache, lifecycle, podLogs, bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000 }, stop };
}

/** Starts the apiserver; resolves once it listens. close() stops it (the store stays open). */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const host = opts.host ?? '127.0.0.1';
  const { ctx, stop } = await startServices(opts);
  let address = host;
  const handler = createRouter(ctx, { token: opts.token, serverAddress: () => address, log: process.env.PODNET_API_LOG === '1' });
  const exec = opts.stateRoot ? new PodExec(ctx.registry, opts.stateRoot, opts.token) : undefined;
  const portForward = opts.stateRoot ? new PodPortForward(ctx.registry, opts.stateRoot, opts.token) : undefined;
  // Upgraded sockets (exec, port-forward sessions) leave the http server's bookkeeping: close() ends them itself.
  const sessions = new Set<Duplex>();
  const upgrade: UpgradeHandler = (req, socket, head) => {
    sessions.add(socket);
    socket.once('close', () => sessions.delete(socket));
    if (exec?.matches(req)) void exec.upgrade(req, socket, head);
    else if (portForward?.matches(req)) void portForward.upgrade(req, socket, head);
    else socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
  };
  let listeners;
  try {
    listeners = await startListeners(handler, { host, port: opts.port ?? 0, tls: opts.tls, socketPath: opts.socketPath, upgrade });
  } catch (e) {
    stop();
    throw e;
  }
  address = `${host}:${listeners.port}`;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${listeners.port}`,
    port: listeners.port,
    close: async () => {
      stop();
      exec?.close();
      portForward?.close();
      for (const socket of sessions) socket.destroy();
      await listeners.close();
    },
  };
}

export { SERVER_VERSION } from './router.js';
