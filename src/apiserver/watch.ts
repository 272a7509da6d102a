/**
 * Serving `?watch=true`: a chunked stream of JSON lines, one event per line, fed by the watch
 * cache. resourceVersion semantics as upstream: unset or "0" starts with synthetic ADDED events
 * for what exists, "N" streams changes after N, too old gives an ERROR 410 Expired event.
 * Selectors apply to every event: an object that stops matching is DELETED for this watcher,
 * one that starts matching is ADDED.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { storePrefix } from '../api/resources.js';
import type { Obj } from './codec.js';
import { matchesFields, parseFieldSelector } from './field-selector.js';
import { matchesLabels, parseLabelSelector } from './label-selector.js';
import type { Registry } from './registry.js';
import type { RequestInfo } from './request-info.js';
import { StatusError, badRequest } from './status.js';
import { type IncludeObject, parseIncludeObject, toTable, wantsTable } from './table.js';
import type { CacheEvent, WatchCache, WatchEventType } from './watch-cache.js';

export interface WatchContext {
  registry: Registry;
  cache: WatchCache;
  bookmarkIntervalMs: number;
}

/** A slow reader holding this much unsent data is cut off; it will re-watch (kine/etcd drop them too). */
const MAX_BUFFERED = 32 * 1024 * 1024;

/** The type this watcher sees for an event, given its filter; undefined = not for it. */
function eventTypeFor(ev: CacheEvent, matches: (o: Obj) => boolean): WatchEventType | undefined {
  const now = matches(ev.obj);
  if (ev.type === 'ADDED') return now ? 'ADDED' : undefined;
  if (ev.type === 'DELETED') return ev.prevObj ? (matches(ev.prevObj) ? 'DELETED' : undefined) : now ? 'DELETED' : undefined;
  const before = ev.prevObj ? matches(ev.prevObj) : false;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  return before ? 'DELETED' : undefined;
}

function parseResourceVersion(rv: string | null): number | undefined {
  if (rv === null || rv === '' || rv === '0') return undefined;
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: "${rv}"`);
  return Number(rv);
}

export async function serveWatch(ctx: WatchContext, req: IncomingMessage, res: ServerResponse, ri: RequestInfo, q: URLSearchParams): Promise<void> {
  const { info, namespace } = ri;
  const labels = parseLabelSelector(q.get('labelSelector'));
  const fields = parseFieldSelector(q.get('fieldSelector'), info.kind);
  if (ri.name) fields.push({ field: 'metadata.name', equal: true, value: ri.name });
  const matches = (o: Obj): boolean => matchesLabels(labels, o.metadata?.labels) && matchesFields(fields, o);
  const rv = parseResourceVersion(q.get('resourceVersion'));
  const initialEvents = q.get('sendInitialEvents') === 'true' || rv === undefined;
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const table = wantsTable(req.headers.accept);
  const include: IncludeObject = parseIncludeObject(q.get('includeObject'));
  const gv = info.group ? `${info.group}/${info.version}` : info.version;
  let headersSent = false;

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();

  const send = (type: string, obj: unknown, cached?: string): void => {
    let line = cached;
    if (table && type !== 'BOOKMARK' && type !== 'ERROR') {
      line = `${JSON.stringify({ type, object: toTable(info.kind, [obj as Obj], undefined, include, !headersSent) })}\n`;
      headersSent = true;
    }
    res.write(line ?? `${JSON.stringify({ type, object: obj })}\n`);
    if (res.writableLength > MAX_BUFFERED) res.destroy();
  };

  let after = rv ?? 0;
  if (initialEvents) {
    const list = await ctx.registry.list(info, namespace);
    for (const o of list.items) if (matches(o)) send('ADDED', o);
    after = rv ?? list.revision;
    if (q.get('sendInitialEvents') === 'true' && bookmarks) {
      send('BOOKMARK', { kind: info.kind, apiVersion: gv, metadata: { resourceVersion: String(after), annotations: { 'k8s.io/initial-events-end': 'true' } } });
    }
  }

  let sub: { dispose(): void } | undefined;
  try {
    sub = ctx.cache.subscribe(storePrefix(info, namespace), after, (ev) => {
      const type = eventTypeFor(ev, matches);
      if (type) send(type, ev.obj, type === ev.type && !table ? ev.line() : undefined);
    });
  } catch (e) {
    if (!(e instanceof StatusError)) throw e;
    send('ERROR', e.toStatus());
    res.end();
    return;
  }

  const timers: NodeJS.Timeout[] = [];
  if (bookmarks) {
    const t = setInterval(() => send('BOOKMARK', { kind: info.kind, apiVersion: gv, metadata: { resourceVersion: String(ctx.cache.revision) } }), ctx.bookmarkIntervalMs);
    timers.push(t);
  }
  const timeoutS = Number(q.get('timeoutSeconds')) || 1800 + Math.floor(Math.random() * 1800);
  timers.push(setTimeout(() => res.end(), timeoutS * 1000));
  // res 'close', not req 'close': the request closes as soon as its (empty) body has been read.
  res.on('close', () => {
    sub?.dispose();
    for (const t of timers) clearTimeout(t);
  });
}
