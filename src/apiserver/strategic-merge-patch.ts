/**
 * Strategic merge patch (apimachinery pkg/util/strategicpatch), the patch `kubectl apply` sends:
 * maps merge recursively, null deletes, lists merge by their merge key (merge-keys.ts) or are
 * replaced, and the directives `$patch` (replace|delete|merge), `$setElementOrder/<list>`,
 * `$deleteFromPrimitiveList/<list>` and `$retainKeys` are honoured.
 */
import { listStrategy } from './merge-keys.js';
import { badRequest } from './status.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

const ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** Applies an SMP document to an object; returns a new object (inputs are not changed). */
export function strategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObj(patch)) throw badRequest('strategic merge patch must be a JSON object');
  return mergeMap(isObj(original) ? original : {}, patch, '');
}

function mergeMap(original: Obj, patch: Obj, path: string): Obj {
  if (patch.$patch === 'replace') return stripDirectives(patch);
  let out: Obj = clone(original);
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    const childPath = path ? `${path}.${k}` : k;
    if (v === null) delete out[k];
    else if (isObj(v) && v.$patch === 'delete') delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(Array.isArray(out[k]) ? (out[k] as unknown[]) : [], v, childPath);
    else if (isObj(v)) out[k] = mergeMap(isObj(out[k]) ? (out[k] as Obj) : {}, v, childPath);
    else out[k] = v;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(DELETE_PRIMITIVE) && Array.isArray(v) && Array.isArray(out[k.slice(DELETE_PRIMITIVE.length)])) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      out[field] = (out[field] as unknown[]).filter((x) => !v.includes(x));
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    const field = k.slice(ORDER.length);
    if (k.startsWith(ORDER) && Array.isArray(v) && Array.isArray(out[field])) {
      out[field] = applyOrder(out[field] as unknown[], v, path ? `${path}.${field}` : field);
    }
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], path: string): unknown[] {
  if (patch.some((e) => isObj(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isObj(e) && e.$patch === 'replace')).map((e) => (isObj(e) ? stripDirectives(e) : e));
  }
  const strategy = listStrategy(path);
  if (strategy.kind === 'set') return [...original, ...patch.filter((e) => !original.includes(e))];
  if (strategy.kind === 'replace') return patch.map((e) => (isObj(e) ? stripDirectives(e) : e));
  const key = strategy.key;
  const out = clone(original);
  for (const p of patch) {
    if (!isObj(p)) throw badRequest(`strategic merge patch: element of ${path} is not an object`);
    const at = out.findIndex((o) => isObj(o) && p[key] !== undefined && o[key] === p[key]);
    if (p.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = mergeMap(out[at] as Obj, p, path);
    else out.push(mergeMap({}, p, path));
  }
  return out;
}

/** `$setElementOrder/<list>`: the listed elements first, in the given order, then the rest. */
function applyOrder(list: unknown[], order: unknown[], path: string): unknown[] {
  const strategy = listStrategy(path);
  const keyOf = (e: unknown): unknown => (strategy.kind === 'merge' && isObj(e) ? e[strategy.key] : e);
  const wanted = order.map(keyOf);
  const ordered: unknown[] = [];
  for (const w of wanted) {
    const found = list.find((e) => keyOf(e) === w);
    if (found !== undefined && !ordered.includes(found)) ordered.push(found);
  }
  return [...ordered, ...list.filter((e) => !ordered.includes(e))];
}

function stripDirectives(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    out[k] = isObj(v) ? stripDirectives(v) : v;
  }
  return out;
}
