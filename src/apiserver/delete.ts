/**
 * DELETE semantics (genericregistry.Store.Delete): preconditions, graceful deletion of pods
 * (deletionTimestamp + grace period; the node agent finishes with gracePeriodSeconds=0),
 * finalizers (the object stays, marked, until the last one is removed), else immediate removal.
 * propagationPolicy only leaves the garbage collector's finalizers (`orphan`,
 * `foregroundDeletion`); the garbage collector controller (src/controllers) acts on them.
 */
import { type ResourceInfo, storeKey } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { type Obj, decodeFromStore, encodeForStore, isPlainObject, nowTimestamp } from './codec.js';
import type { Registry } from './registry.js';
import { badRequest, conflict, notFound } from './status.js';

export interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  /** Deprecated form of propagationPolicy: true = Orphan, false = Background. */
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  obj: Obj;
  /** False when the object still exists (grace period, finalizers, namespace termination). */
  removed: boolean;
}

/** Reads DeleteOptions from the body and the query (`?gracePeriodSeconds=0`). */
export function parseDeleteOptions(body: unknown, query: URLSearchParams): DeleteOptionsBody {
  const opts: DeleteOptionsBody = isPlainObject(body) ? (body as DeleteOptionsBody) : {};
  const g = query.get('gracePeriodSeconds');
  if (g !== null) {
    if (!/^-?\d+$/.test(g)) throw badRequest(`invalid gracePeriodSeconds: "${g}"`);
    opts.gracePeriodSeconds = Number(g);
  }
  const p = query.get('propagationPolicy');
  if (p) opts.propagationPolicy = p;
  validateGCOptions(opts);
  return opts;
}

/** The grace period a delete gets: pods that are unscheduled or finished go at once. */
function gracePeriod(info: ResourceInfo, obj: Obj, requested: number | undefined): number {
  if (info.kind !== 'Pod') return 0;
  const pod = obj as Pod;
  const phase = pod.status?.phase;
  if (!pod.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const g = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, g);
}

function checkPreconditions(info: ResourceInfo, obj: Obj, pre: DeleteOptionsBody['preconditions']): void {
  const m = obj.metadata ?? {};
  if (pre?.uid && pre.uid !== m.uid) {
    throw conflict(info, m.name ?? '', `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${m.uid}`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== m.resourceVersion) {
    throw conflict(
      info,
      m.name ?? '',
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${m.resourceVersion}`,
    );
  }
}

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
const POLICIES = ['Background', 'Foreground', 'Orphan'];

/** Checks propagationPolicy / orphanDependents as upstream's ValidateDeleteOptions. */
function validateGCOptions(opts: DeleteOptionsBody): void {
  const p = opts.propagationPolicy;
  if (p !== undefined && !POLICIES.includes(p)) {
    throw badRequest(`propagationPolicy: Unsupported value: "${p}": supported values: "Background", "Foreground", "Orphan"`);
  }
  if (p !== undefined && opts.orphanDependents !== undefined) {
    throw badRequest(`propagationPolicy: Invalid value: "${p}": orphanDependents and deletionPropagation cannot be both set`);
  }
}

/**
 * The garbage-collection finalizers a delete leaves on the object, as upstream's
 * deletionFinalizersForGarbageCollection: Orphan adds `orphan`, Foreground adds
 * `foregroundDeletion`, Background drops both; without a policy the object keeps the ones it has.
 * The garbage collector controller (src/controllers) does the work and removes them.
 */
export function gcFinalizers(finalizers: string[], opts: DeleteOptionsBody): string[] {
  const has = (f: string) => finalizers.includes(f);
  const p = opts.propagationPolicy;
  const orphan = opts.orphanDependents ?? (p ? p === 'Orphan' : has(ORPHAN_FINALIZER));
  const foreground = opts.orphanDependents === undefined && (p ? p === 'Foreground' : !orphan && has(FOREGROUND_FINALIZER));
  const out = finalizers.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (orphan) out.push(ORPHAN_FINALIZER);
  if (foreground) out.push(FOREGROUND_FINALIZER);
  return out;
}

function withGCFinalizers(info: ResourceInfo, obj: Obj, opts: DeleteOptionsBody): Obj {
  const m = obj.metadata ?? {};
  const old = m.finalizers ?? [];
  const next = gcFinalizers(old, opts);
  const same = next.length === old.length && next.every((f) => old.includes(f));
  if (info.kind === 'Namespace' || same) return obj;
  const { finalizers: _old, ...rest } = m;
  return { ...obj, metadata: next.length ? { ...rest, finalizers: next } : rest };
}

/** What the object looks like once deletion is requested; undefined means remove it now. */
function markForDeletion(info: ResourceInfo, obj: Obj, grace: number): Obj | undefined {
  const m = obj.metadata ?? {};
  const finalizers = m.finalizers ?? [];
  if (info.kind === 'Namespace') {
    if (m.deletionTimestamp) return obj;
    return { ...obj, metadata: { ...m, deletionTimestamp: nowTimestamp(), deletionGracePeriodSeconds: 0 }, status: { phase: 'Terminating' } };
  }
  if (grace > 0) {
    if (m.deletionTimestamp && (m.deletionGracePeriodSeconds ?? 0) <= grace) return obj;
    return { ...obj, metadata: { ...m, deletionTimestamp: nowTimestamp(grace), deletionGracePeriodSeconds: grace } };
  }
  if (finalizers.length === 0) return undefined;
  if (m.deletionTimestamp && m.deletionGracePeriodSeconds === 0) return obj;
  return { ...obj, metadata: { ...m, deletionTimestamp: m.deletionTimestamp ?? nowTimestamp(), deletionGracePeriodSeconds: 0 } };
}

export async function deleteObject(
  reg: Registry,
  info: ResourceInfo,
  ns: string | undefined,
  name: string,
  opts: DeleteOptionsBody,
  dryRun = false,
): Promise<DeleteResult> {
  const key = storeKey(info, ns, name);
  for (let attempt = 0; attempt < 16; attempt++) {
    const kv = await reg.store.get(key);
    if (!kv) throw notFound(info, name);
    const current = decodeFromStore(kv);
    checkPreconditions(info, current, opts.preconditions);
    const marked = markForDeletion(info, withGCFinalizers(info, current, opts), gracePeriod(info, current, opts.gracePeriodSeconds));
    if (dryRun) return { obj: marked ?? current, removed: !marked };
    if (marked === current && current.metadata?.deletionTimestamp) return { obj: current, removed: false };
    if (marked) {
      const res = await reg.store.update(key, encodeForStore(marked), kv.modRevision);
      if (res.ok) {
        const obj = { ...marked, metadata: { ...marked.metadata, resourceVersion: String(res.revision) } };
        reg.noteWrite(info, name, obj, res.revision);
        return { obj, removed: false };
      }
      continue;
    }
    const gone = await reg.remove(info, kv);
    if (gone) return { obj: gone, removed: true };
  }
  throw conflict(info, name);
}
