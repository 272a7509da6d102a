/**
 * How objects cross the wire and the store: request bodies are JSON or YAML; stored values are
 * JSON without metadata.resourceVersion, which is always the key's modRevision (as etcd3 storage
 * in kube-apiserver does).
 */
import { parse as parseYaml } from 'yaml';
import type { UnstructuredObject } from '../api/types.js';
import type { KeyValue } from '../store/store.js';
import { badRequest, unsupportedMediaType } from './status.js';

export type Obj = UnstructuredObject;

export const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Decodes a request body by Content-Type (JSON by default, YAML for application/yaml). */
export function decodeBody(text: string, contentType: string | undefined): Obj {
  const base = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  let v: unknown;
  try {
    if (base === 'application/json' || base === '' || base === '*/*') v = JSON.parse(text);
    else if (base === 'application/yaml' || base === 'application/x-yaml' || base === 'text/yaml') v = parseYaml(text);
    else throw unsupportedMediaType(base);
  } catch (e) {
    if (e instanceof Error && e.name === 'StatusError') throw e;
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
  if (!isPlainObject(v)) throw badRequest('Object in body is not a JSON object');
  return v as Obj;
}

/**
 * The stored form: the object without its resourceVersion, apiVersion, kind and metadata first
 * (upstream's field order, and what lets encodeStoredItem splice a resourceVersion in).
 */
export function encodeForStore(obj: Obj): string {
  const meta = { ...(obj.metadata ?? {}) };
  delete meta.resourceVersion;
  delete meta.selfLink;
  const { apiVersion, kind, metadata: _, ...rest } = obj;
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest });
}

/** The head encodeForStore writes; objects stored otherwise (older data) take the slow path. */
const STORED_HEAD = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/**
 * The JSON of a stored object with its resourceVersion, without decoding it: lists of thousands
 * of objects would otherwise spend most of their time in JSON.parse and JSON.stringify.
 * Same object as JSON.stringify(decodeFromStore(kv, rev)); resourceVersion comes first in metadata.
 */
export function encodeStoredItem(kv: KeyValue, rev = kv.modRevision): string {
  const head = STORED_HEAD.exec(kv.value);
  if (!head) return JSON.stringify(decodeFromStore(kv, rev));
  const at = head[0].length;
  const sep = kv.value[at] === '}' ? '' : ',';
  return `${kv.value.slice(0, at)}"resourceVersion":"${rev}"${sep}${kv.value.slice(at)}`;
}

/** An object read from the store, its resourceVersion set to `rev` (default: the key's modRevision). */
export function decodeFromStore(kv: KeyValue, rev = kv.modRevision): Obj {
  const obj = JSON.parse(kv.value) as Obj;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(rev) };
  return obj;
}

/** RFC 3339 with second precision, as metav1.Time marshals. */
export const nowTimestamp = (offsetSeconds = 0): string =>
  new Date(Math.floor(Date.now() / 1000) * 1000 + offsetSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Removes null-valued fields, in place: Go's typed decoding turns a JSON null into the field's
 * zero value, which is then omitted, so `"nodePort": null` inside a replaced list means unset.
 */
export function dropNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) dropNulls(x);
  } else if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else dropNulls(x);
    }
  }
}
