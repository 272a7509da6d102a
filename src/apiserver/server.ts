/**
 * The API server: Kubernetes REST over node:http (TCP, and optionally a unix socket), with bearer
 * token auth, discovery, a minimal OpenAPI v3, health and version endpoints, all resources of the
 * registry over generic storage, and watches fed by one watch cache.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { existsSync, unlinkSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import { resourceByPlural } from '../api/resources.js';
import type { Service } from '../api/types.js';
import type { Store } from '../store/store.js';
import { bootstrapNamespaces } from './bootstrap.js';
import { ClusterIPAllocator } from './cluster-ip-allocator.js';
import { Compactor } from './compactor.js';
import { EventTTL } from './event-ttl.js';
import { GarbageCollector } from './garbage-collector.js';
import { PodLogs } from './pod-logs.js';
import { type DualServer, createDualServer } from './dual-listener.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, groups } from './discovery.js';
import { type HandlerContext, handleResource } from './handlers.js';
import { writeError, writeJSON, writeText } from './http-util.js';
import { NamespaceLifecycle } from './namespace-lifecycle.js';
import { openAPIForPath, openAPIIndex } from './openapi.js';
import { Registry } from './registry.js';
import { parseRequestInfo } from './request-info.js';
import { StatusError, unauthorized } from './status.js';
import { WatchCache } from './watch-cache.js';
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

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-podnet',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const PUBLIC_PATHS = /^\/(healthz|livez|readyz)(\/.*)?$|^\/version\/?$/;
const log = process.env.PODNET_API_LOG === '1';

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const h = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(h);
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Non-resource paths: health, version, discovery, OpenAPI. True when answered. */
function serveNonResource(req: IncomingMessage, res: ServerResponse, path: string, serverAddress: string): boolean {
  if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(path)) {
    writeText(res, 200, 'ok');
    return true;
  }
  const doc = ((): unknown => {
    if (path === '/version') return SERVER_VERSION;
    if (path === '/api') return apiVersions(serverAddress);
    if (path === '/apis') return apiGroupList();
    if (path === '/openapi/v3') return openAPIIndex();
    if (path.startsWith('/openapi/v3/')) return openAPIForPath(path);
    let m = /^\/api\/([^/]+)$/.exec(path);
    if (m) return apiResourceList('', m[1]);
    m = /^\/apis\/([^/]+)$/.exec(path);
    if (m) return groups().includes(m[1]) ? apiGroup(m[1]) : undefined;
    m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (m) return apiResourceList(m[1], m[2]);
    return null;
  })();
  if (doc === null) return false;
  if (doc === undefined) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  writeJSON(res, 200, doc);
  return true;
}

async function rebuildClusterIPs(reg: Registry, alloc: ClusterIPAllocator): Promise<void> {
  const { items } = await reg.list(resourceByPlural('services', '')!, undefined);
  for (const s of items as Service[]) if (s.spec?.clusterIP && s.spec.clusterIP !== 'None') alloc.restore(s.spec.clusterIP);
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const alloc = new ClusterIPAllocator(opts.serviceCIDR ?? '10.96.0.0/12');
  const registry = new Registry(opts.store, alloc);
  await rebuildClusterIPs(registry, alloc);
  const cache = new WatchCache(opts.store, { capacity: opts.watchCacheSize });
  await cache.start();
  await bootstrapNamespaces(registry);
  const lifecycle = new NamespaceLifecycle(registry);
  await lifecycle.resume();
  const compactor = new Compactor(opts.store, opts.compactIntervalMs ?? 5 * 60_000);
  compactor.start();
  const eventTTL = new EventTTL(registry, opts.eventTTLSeconds ?? 3600);
  eventTTL.start();
  const gc = new GarbageCollector(registry, cache);
  gc.start();
  const podLogs = opts.stateRoot ? new PodLogs(registry, opts.stateRoot) : undefined;
  const ctx: HandlerContext = { registry, cache, lifecycle, gc, podLogs, bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000 };
  const host = opts.host ?? '127.0.0.1';
  let serverAddress = host;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    if (log) res.on('finish', () => process.stderr.write(`apiserver: ${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms\n`));
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
      if (!PUBLIC_PATHS.test(path) && !authorized(req, opts.token)) throw unauthorized();
      if (serveNonResource(req, res, path, serverAddress)) return;
      const ri = parseRequestInfo(path);
      if (!ri) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      await handleResource(ctx, req, res, ri, url.searchParams);
    })().catch((e: unknown) => writeError(res, e));
  };

  const servers: http.Server[] = [];
  const listeners: net.Server[] = [];
  let tcp: net.Server;
  let dual: DualServer | undefined;
  if (opts.tls) {
    dual = createDualServer(opts.tls, handler);
    await dual.prepare();
    tcp = dual.tcp;
    servers.push(dual.servers[0]);
  } else {
    tcp = http.createServer(handler);
    servers.push(tcp as http.Server);
  }
  listeners.push(tcp);
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (tcp.address() as { port: number }).port;
  serverAddress = `${host}:${port}`;
  if (opts.socketPath) {
    if (existsSync(opts.socketPath)) unlinkSync(opts.socketPath);
    const unix = http.createServer(handler);
    servers.push(unix);
    listeners.push(unix);
    await new Promise<void>((resolve, reject) => {
      unix.once('error', reject);
      unix.listen(opts.socketPath, () => resolve());
    });
  }

  return {
    url: `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: async () => {
      lifecycle.stop();
      gc.stop();
      compactor.stop();
      eventTTL.stop();
      cache.stop();
      for (const s of servers) s.closeAllConnections();
      await dual?.close();
      await Promise.all(listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
      for (const s of servers) s.closeAllConnections();
      if (opts.socketPath && existsSync(opts.socketPath)) unlinkSync(opts.socketPath);
    },
  };
}

