/**
 * The request handler: bearer-token authentication, then health, version, discovery and
 * OpenAPI paths, then resource URLs; every failure is answered as a Status.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { isReviewPath, serveReview } from './access-review.js';
import { aggregatedContentType, aggregatedDiscovery, wantsAggregated } from './aggregated-discovery.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, groups } from './discovery.js';
import { type HandlerContext, handleResource } from './handlers.js';
import { writeError, writeJSON, writeText } from './http-util.js';
import { openAPIForPath, openAPIIndex } from './openapi.js';
import { parseRequestInfo } from './request-info.js';
import { StatusError, unauthorized } from './status.js';

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

/** Open without a token, as upstream's system:public-info-viewer role allows. */
const PUBLIC_PATHS = /^\/(healthz|livez|readyz)(\/.*)?$|^\/version\/?$/;
const notFoundPath = (): StatusError => new StatusError(404, 'NotFound', 'the server could not find the requested resource');

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The document of a non-resource path; null when the path is not one. */
function nonResourceDocument(path: string, serverAddress: string): unknown | null {
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
}

export interface RouterOptions {
  token?: string;
  /** `host:port` clients should use, for /api's serverAddressByClientCIDRs. */
  serverAddress: () => string;
  /** Log each request to stderr (PODNET_API_LOG=1). */
  log?: boolean;
}

async function route(ctx: HandlerContext, opts: RouterOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
  if (!PUBLIC_PATHS.test(path) && !authorized(req, opts.token)) throw unauthorized();
  if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(path)) return writeText(res, 200, 'ok');
  const aggregated = path === '/api' || path === '/apis' ? wantsAggregated(req.headers.accept) : undefined;
  if (aggregated) {
    return writeJSON(res, 200, aggregatedDiscovery(path as '/api' | '/apis', aggregated), { 'Content-Type': aggregatedContentType(aggregated) });
  }
  const doc = nonResourceDocument(path, opts.serverAddress());
  if (doc === undefined) throw notFoundPath();
  if (doc !== null) return writeJSON(res, 200, doc);
  if (isReviewPath(path)) return serveReview(req, res, path);
  const ri = parseRequestInfo(path);
  if (!ri) throw notFoundPath();
  await handleResource(ctx, req, res, ri, url.searchParams);
}

export function createRouter(ctx: HandlerContext, opts: RouterOptions): RequestListener {
  return (req, res) => {
    const started = Date.now();
    if (opts.log) res.on('finish', () => process.stderr.write(`apiserver: ${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms\n`));
    route(ctx, opts, req, res).catch((e: unknown) => writeError(res, e));
  };
}
