/**
 * A small Kubernetes REST client: CRUD, patch and watch over HTTP(S) with a bearer token.
 * Every podnet component talks to the API only through this (or an Informer built on it), so
 * any component can follow a real kube-apiserver as well as ours.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { KubeObject, Status } from '../api/types.js';
import { type ResourceInfo, resourceByPlural, resourcePath } from '../api/resources.js';

export interface ClientConfig {
  /** `http://127.0.0.1:6443` or `https://...`. */
  server: string;
  token?: string;
  /** PEM CA bundle to trust for https. */
  ca?: string;
  insecureSkipTLSVerify?: boolean;
  /** Sent as User-Agent, so the apiserver log says who called. */
  userAgent?: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** An error answered by the API server, carrying its `Status`. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    readonly status: Status | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.code === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists';
export const isGone = (e: unknown): boolean => e instanceof ApiError && e.code === 410;

/** A resource named by plural (`'pods'`, `'deployments'`) or by its registry entry. */
export type ResourceRef = ResourceInfo | string;

function info(ref: ResourceRef): ResourceInfo {
  if (typeof ref !== 'string') return ref;
  const found = resourceByPlural(ref);
  if (!found) throw new Error(`client: Unknown resource "${ref}"`);
  return found;
}

function query(opts: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(opts)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface Watch {
  /** Ends the watch; `done` then resolves. */
  stop(): void;
  /** Resolves when the server closes the stream or stop() is called; rejects on a transport error. */
  done: Promise<void>;
}

export class Client {
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(readonly config: ClientConfig) {
    this.url = new URL(config.server);
    const opts = { keepAlive: true, maxSockets: 64 };
    this.agent =
      this.url.protocol === 'https:'
        ? new https.Agent({ ...opts, ca: config.ca, rejectUnauthorized: !config.insecureSkipTLSVerify })
        : new http.Agent(opts);
  }

  /** Reads a kubeconfig file (its current context), as kubectl does. */
  static fromKubeconfig(path: string, userAgent?: string): Client {
    return new Client({ ...kubeconfigToClientConfig(readFileSync(path, 'utf8')), userAgent });
  }

  /** Low-level request; resolves with status and raw body text (no error mapping). */
  raw(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const req = this.send(method, path, body, contentType, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  }

  private send(
    method: string,
    path: string,
    body: string | undefined,
    contentType: string,
    onResponse: (res: http.IncomingMessage) => void,
  ): http.ClientRequest {
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json' };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    if (this.config.userAgent) headers['User-Agent'] = this.config.userAgent;
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const mod = this.url.protocol === 'https:' ? https : http;
    const req = mod.request(
      {
        protocol: this.url.protocol,
        hostname: this.url.hostname,
        port: this.url.port,
        path: this.url.pathname.replace(/\/$/, '') + path,
        method,
        headers,
        agent: this.agent,
      },
      onResponse,
    );
    req.end(body);
    return req;
  }

  /** A request whose non-2xx answer becomes an ApiError; the body is parsed as JSON. */
  async request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await this.raw(method, path, text, contentType);
    let parsed: unknown;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status < 200 || res.status >= 300) {
      const st = parsed as Status | undefined;
      const msg = st?.message ?? (res.body.slice(0, 200) || `HTTP ${res.status}`);
      throw new ApiError(res.status, st?.reason ?? '', st, `${method} ${path}: ${msg}`);
    }
    return parsed as T;
  }

  get<T extends KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, subresource?: string): Promise<T> {
    return this.request<T>('GET', resourcePath(info(ref), namespace, name, subresource));
  }

  list<T extends KubeObject>(ref: ResourceRef, namespace?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>('GET', resourcePath(info(ref), namespace) + query({ ...opts }));
  }

  create<T extends KubeObject>(ref: ResourceRef, namespace: string | undefined, obj: T): Promise<T> {
    return this.request<T>('POST', resourcePath(info(ref), namespace), obj);
  }

  /** PUT of the whole object (optimistic concurrency through metadata.resourceVersion). */
  update<T extends KubeObject>(ref: ResourceRef, obj: T, subresource?: string): Promise<T> {
    const m = obj.metadata ?? {};
    return this.request<T>('PUT', resourcePath(info(ref), m.namespace, m.name ?? '', subresource), obj);
  }

  updateStatus<T extends KubeObject>(ref: ResourceRef, obj: T): Promise<T> {
    return this.update(ref, obj, 'status');
  }

  patch<T extends KubeObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType = 'merge',
    subresource?: string,
  ): Promise<T> {
    return this.request<T>('PATCH', resourcePath(info(ref), namespace, name, subresource), patch, PATCH_CONTENT_TYPES[type]);
  }

  delete(ref: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    return this.request<KubeObject>('DELETE', resourcePath(info(ref), namespace, name), {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      ...opts,
    });
  }

  /**
   * Streams watch events to `onEvent` until the server ends the stream or stop() is called.
   * A non-200 answer rejects `done` with an ApiError (410 Gone included).
   */
  watch<T extends KubeObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
  ): Watch {
    let req: http.ClientRequest | undefined;
    let stopped = false;
    const done = new Promise<void>((resolve, reject) => {
      const path = resourcePath(info(ref), namespace) + query({ ...opts, watch: 'true' });
      req = this.send('GET', path, undefined, 'application/json', (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let st: Status | undefined;
            try {
              st = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Status;
            } catch {
              st = undefined;
            }
            reject(new ApiError(res.statusCode ?? 0, st?.reason ?? '', st, `watch ${path}: ${st?.message ?? res.statusCode}`));
          });
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
          }
        });
        res.on('end', () => resolve());
        res.on('close', () => resolve());
        res.on('error', (e) => (stopped ? resolve() : reject(e)));
      });
      req.on('error', (e) => (stopped ? resolve() : reject(e)));
    });
    return {
      stop: () => {
        stopped = true;
        req?.destroy();
      },
      done,
    };
  }

  /** Closes idle keep-alive sockets (lets a process exit). */
  close(): void {
    this.agent.destroy();
  }
}

interface Kubeconfig {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: {
    name: string;
    cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string; 'insecure-skip-tls-verify'?: boolean };
  }[];
  users?: { name: string; user: { token?: string; tokenFile?: string } }[];
}

/** The server, CA and token of a kubeconfig's current context. */
export function kubeconfigToClientConfig(text: string): ClientConfig {
  const kc = parseYaml(text) as Kubeconfig;
  const ctx = kc.contexts?.find((c) => c.name === kc['current-context'])?.context;
  if (!ctx) throw new Error(`client: Cannot use kubeconfig: current-context "${kc['current-context']}" not found`);
  const cluster = kc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  const user = kc.users?.find((u) => u.name === ctx.user)?.user;
  if (!cluster) throw new Error(`client: Cannot use kubeconfig: cluster "${ctx.cluster}" not found`);
  const caData = cluster['certificate-authority-data'];
  return {
    server: cluster.server,
    token: user?.token ?? (user?.tokenFile ? readFileSync(user.tokenFile, 'utf8').trim() : undefined),
    ca: caData
      ? Buffer.from(caData, 'base64').toString('utf8')
      : cluster['certificate-authority']
        ? readFileSync(cluster['certificate-authority'], 'utf8')
        : undefined,
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'],
  };
}

/**
 * In-cluster configuration, as client-go's rest.InClusterConfig: KUBERNETES_SERVICE_HOST/PORT and
 * the service account token mounted at /var/run/secrets/kubernetes.io/serviceaccount.
 */
export function inClusterConfig(userAgent?: string): ClientConfig {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('client: Not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set');
  const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
  const token = readFileSync(`${dir}/token`, 'utf8').trim();
  let ca: string | undefined;
  try {
    ca = readFileSync(`${dir}/ca.crt`, 'utf8');
  } catch {
    ca = undefined;
  }
  const scheme = process.env.PODNET_KUBERNETES_SCHEME ?? (ca ? 'https' : 'http');
  return { server: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`, token, ca, userAgent };
}
