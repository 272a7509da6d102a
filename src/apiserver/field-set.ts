/**
 * Field sets, as server-side apply's structured-merge-diff names fields: a path is a list of
 * `fieldsV1` keys — `f:<field>`, `k:{"name":"c"}` (an element of a list merged by key),
 * `v:"x"` (an element of a set list), and `.` (the map or list element itself). An object
 * flattens to its leaf paths with their JSON values, walked against the generated schema
 * (field-schema.ts: structs, maps, lists) and the merge keys of strategic merge patch
 * (merge-keys.ts). Atomic lists, atomic structs (label selectors, references) and unknown values
 * are leaves.
 */
import { MODELS, ROOTS } from './field-schema.js';
import { listStrategy } from './merge-keys.js';

/** Path key (fieldsV1 keys joined by "\n") → the leaf's JSON value ('' for `.`). */
export type FlatFields = Map<string, string>;
type Json = Record<string, unknown>;

const SEP = '\n';
/** Structs upstream marks `+structType=atomic` (and `x-kubernetes-map-type: atomic`): owned whole. */
const ATOMIC_MODELS = new Set([
  'V1LabelSelector',
  'V1LocalObjectReference',
  'V1ConfigMapKeySelector',
  'V1SecretKeySelector',
  'V1ObjectFieldSelector',
  'V1ResourceFieldSelector',
  'V1NodeSelector',
  'V1NodeSelectorTerm',
  'V1ObjectReference',
  'V1TypedLocalObjectReference',
]);
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The leaf paths and values of an object of `kind`. */
export function flattenFields(kind: string, obj: unknown): FlatFields {
  const out: FlatFields = new Map();
  if (isObj(obj)) walkStruct(ROOTS[kind], obj, [], '', out);
  return out;
}

function walkStruct(model: string | undefined, obj: Json, path: string[], dotPath: string, out: FlatFields): void {
  const fields = model ? MODELS[model] : undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    walkField(fields?.[k], v, [...path, `f:${k}`], dotPath ? `${dotPath}.${k}` : k, out);
  }
}

function walkField(ref: string | undefined, v: unknown, path: string[], dotPath: string, out: FlatFields): void {
  const [shape, target] = ref?.includes(':') ? (ref.split(':') as [string, string]) : [ref, undefined];
  if (isObj(v) && shape === 'D') {
    out.set([...path, '.'].join(SEP), '');
    for (const [k, x] of Object.entries(v)) {
      const p = [...path, `f:${k}`];
      if (target && MODELS[target] && isObj(x)) walkStruct(target, x, p, dotPath, out);
      else out.set(p.join(SEP), JSON.stringify(x));
    }
  } else if (isObj(v) && (shape === 'M' || shape === undefined) && Object.keys(v).length && !ATOMIC_MODELS.has(target ?? '')) {
    walkStruct(target, v, path, dotPath, out);
  } else if (Array.isArray(v) && shape === 'L') {
    walkList(target, v, path, dotPath, out);
  } else out.set(path.join(SEP), JSON.stringify(v));
}

function walkList(model: string | undefined, list: unknown[], path: string[], dotPath: string, out: FlatFields): void {
  const strategy = listStrategy(dotPath);
  if (strategy.kind === 'set') {
    for (const e of list) out.set([...path, `v:${JSON.stringify(e)}`].join(SEP), '');
    return;
  }
  const key = strategy.kind === 'merge' ? strategy.key : undefined;
  if (!key || !list.every((e) => isObj(e) && e[key] !== undefined)) {
    out.set(path.join(SEP), JSON.stringify(list)); // atomic
    return;
  }
  for (const e of list as Json[]) {
    const p = [...path, `k:${JSON.stringify({ [key]: e[key] })}`];
    out.set([...p, '.'].join(SEP), '');
    walkStruct(model && MODELS[model] ? model : undefined, e, p, dotPath, out);
  }
}

export const splitPath = (key: string): string[] => key.split(SEP);

/** A path as structured-merge-diff prints it: `.spec.containers[name="c"].image`. */
export function pathString(key: string): string {
  return splitPath(key)
    .map((el) => {
      if (el === '.') return '';
      if (el.startsWith('f:')) return `.${el.slice(2)}`;
      if (el.startsWith('v:')) return `[=${el.slice(2)}]`;
      if (el.startsWith('k:')) {
        const keys = JSON.parse(el.slice(2)) as Json;
        return `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
      }
      return `[${el.slice(2)}]`;
    })
    .join('');
}

/** The `fieldsV1` tree of a set of paths. */
export function toFieldsV1(keys: Iterable<string>): Json {
  const root: Json = {};
  for (const key of keys) {
    let node = root;
    for (const el of splitPath(key)) node = (node[el] ??= {}) as Json;
  }
  return root;
}

/** The paths of a `fieldsV1` tree (its leaves); anything malformed is skipped. */
export function fromFieldsV1(tree: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: string[]): void => {
    if (!isObj(node)) return;
    const children = Object.entries(node);
    if (!children.length && path.length) out.add(path.join(SEP));
    for (const [k, v] of children) walk(v, [...path, k]);
  };
  walk(tree, []);
  return out;
}
