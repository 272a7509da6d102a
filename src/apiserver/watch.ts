/**
 * Serving `?watch=true`: a chunked stream of JSON lines, one event per line, fed by the watch
 * cache. resourceVersion semantics as upstream: unset or "0" starts with synthetic ADDED events
 * for what exists, "N" streams changes after N, too old gives an ERROR 410 Expired event.
 * Selectors apply to every event: an object that stops matching is DELETED for this watcher,
 * one that starts matching is ADDED.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { storePrefix } from '../api/resources.js';
import { type Obj, decodeFromStore, encodeStoredItem } from './codec.js';
import { SLICE, readPage, yieldToLoop } from './list-stream.js';
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

interface WatchRequest {
  matches: (o: Obj) => boolean;
  /** Undefined: start with synthetic ADDED events of what exists. */
  rv: number | undefined;
  initialEvents: boolean;
  initialEventsEnd: boolean;
  bookmarks: boolean;
  timeoutSeconds: number;
}

function parseWatchRequest(ri: RequestInfo, q: URLSearchParams): WatchRequest {
  const labels = parseLabelSelector(q.get('labelSelector'));
  const fields = parseFieldSelector(q.get('fieldSelector'), ri.info.kind);
  if (ri.name) fields.push({ field: 'metadata.name', equal: true, value: ri.name });
  const rv = parseResourceVersion(q.get('resourceVersion'));
  const sendInitial = q.get('sendInitialEvents') === 'true';
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  return {
    matches: (o) => matchesLabels(labels, o.metadata?.labels) && matchesFields(fields, o),
    rv,
    initialEvents: sendInitial || rv === undefined,
    initialEventsEnd: sendInitial && bookmarks,
    bookmarks,
    // Upstream picks a random timeout in [minRequestTimeout, 2*minRequestTimeout] when none is given.
    timeoutSeconds: Number(q.get('timeoutSeconds')) || 1800 + Math.floor(Math.random() * 1800),
  };
}

/** Writes events as JSON lines, or as one-row Tables (column definitions on the first only). */
function eventWriter(req: IncomingMessage, res: ServerResponse, kind: string, q: URLSearchParams): (type: string, obj: unknown, cached?: string) => void {
  const table = wantsTable(req.headers.accept);
  const include: IncludeObject = parseIncludeObject(q.get('includeObject'));
  let headersSent = false;
  return (type, obj, cached) => {
    let line = table ? undefined : cached;
    if (table && type !== 'BOOKMARK' && type !== 'ERROR') {
      line = `${JSON.stringify({ type, object: toTable(kind, [obj as Obj], undefined, include, !headersSent) })}\n`;
      headersSent = true;
    }
    res.write(line ?? `${JSON.stringify({ type, object: obj })}\n`);
    if (res.writableLength > MAX_BUFFERED) res.destroy();
  };
}

export async function serveWatch(ctx: WatchContext, req: IncomingMessage, res: ServerResponse, ri: RequestInfo, q: URLSearchParams): Promise<void> {
  const { info, namespace } = ri;
  const w = parseWatchRequest(ri, q);
  const gv = info.group ? `${info.group}/${info.version}` : info.version;
  const bookmark = (rv: number, annotations?: Record<string, string>): unknown => ({ kind: info.kind, apiVersion: gv, metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) } });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const send = eventWriter(req, res, info.kind, q);

  let after = w.rv ?? 0;
  if (w.initialEvents) {
    // In slices, as lists are (list-stream.ts): 10,000 synthetic ADDED must not hold the loop.
    const list = await readPage(ctx.registry.store, { info, namespace });
    for (let i = 0; i < list.kvs.length; i += SLICE) {
      for (const kv of list.kvs.slice(i, i + SLICE)) {
        const o = decodeFromStore(kv);
        if (w.matches(o)) send('ADDED', o, `{"type":"ADDED","object":${encodeStoredItem(kv)}}\n`);
      }
      await yieldToLoop();
      if (res.destroyed) return;
    }
    after = w.rv ?? list.revision;
    if (w.initialEventsEnd) send('BOOKMARK', bookmark(after, { 'k8s.io/initial-events-end': 'true' }));
  }
  let sub: { dispose(): void };
  try {
    sub = ctx.cache.subscribe(storePrefix(info, namespace), after, (ev) => {
      try {
        const type = eventTypeFor(ev, w.matches);
        if (type) send(type, ev.obj, type === ev.type ? ev.line() : undefined);
      } catch {
        res.destroy(); // the client re-watches rather than silently missing events
      }
    }, () => res.end());
  } catch (e) {
    if (!(e instanceof StatusError)) throw e;
    send('ERROR', e.toStatus());
    return void res.end();
  }
  const timers = [setTimeout(() => res.end(), w.timeoutSeconds * 1000)];
  if (w.bookmarks) timers.push(setInterval(() => send('BOOKMARK', bookmark(ctx.cache.revision)), ctx.bookmarkIntervalMs));
  // res 'close', not req 'close': the request closes as soon as its (empty) body has been read.
  res.on('close', () => {
    sub.dispose();
    for (const t of timers) clearTimeout(t);
  });
}
