/**
 * Generic REST storage over the Store (upstream's genericregistry.Store): create, get, list,
 * guaranteed updates with optimistic concurrency, and the object-level semantics of the API
 * (generateName, uid, generation, defaulting, validation, status subresource).
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { type ResourceInfo, resourceByPlural, storeKey, storePrefix } from '../api/resources.js';
import type { Service } from '../api/types.js';
import { applyDefaults } from '../api/defaults/index.js';
import { validateObject, validateObjectUpdate } from '../api/validation/index.js';
import { type FieldError, forbidden as forbiddenField } from '../api/validation/field-errors.js';
import { type KeyValue, type Store, isCompacted } from '../store/store.js';
import type { ServiceAllocations } from './service-allocations.js';
import { type Obj, decodeFromStore, dropNulls, encodeForStore, nowTimestamp } from './codec.js';
import { StatusError, alreadyExists, badRequest, conflict, expired, forbidden, invalid, notFound } from './status.js';
import { type FieldManagerInfo, updateManagedFields } from './managed-fields.js';
import { hasStatusSubresource, prepareForCreate, prepareForUpdate, updateGeneration } from './strategy.js';
import { generateName } from './generate-name.js';

export interface ListPage {
  limit?: number;
  startKey?: string;
  /** Read at this revision (a continued list is consistent with its first page). */
  revision?: number;
}

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: string;
  /**
   * Who writes (metadata.managedFields). An Update is recorded here; an Apply arrives with its
   * managedFields already computed (server-side-apply.ts). Absent: managedFields are kept as is.
   */
  manager?: FieldManagerInfo;
}

/** Computes the new object from the current one; may throw a StatusError. */
export type TryUpdate = (current: Obj) => Obj;

const NAMESPACES = resourceByPlural('namespaces', '')!;
const MAX_UPDATE_ATTEMPTS = 16;
const MAX_NAME_ATTEMPTS = 8;

export class Registry {
  /** Namespaces as last seen by the watch cache (NamespaceLifecycle's lister); live reads without it. */
  namespaces: { get(name: string): Obj | undefined; observe(name: string, obj: Obj | undefined, revision: number): void } | undefined;

  /** Tells the namespace cache about a write this apiserver made (see NamespaceCache.observe). */
  noteWrite(info: ResourceInfo, name: string, obj: Obj | undefined, revision: number): void {
    if (info.kind === 'Namespace') this.namespaces?.observe(name, obj, revision);
  }

  constructor(
    readonly store: Store,
    readonly services: ServiceAllocations,
  ) {}

  async get(info: ResourceInfo, ns: string | undefined, name: string): Promise<Obj> {
    const kv = await this.store.get(storeKey(info, ns, name));
    if (!kv) throw notFound(info, name);
    return decodeFromStore(kv);
  }

  /**
   * Objects of a resource (in one namespace when given) and the revision read at; with a limit,
   * one page, `next` being the key the following page starts at.
   */
  async list(info: ResourceInfo, ns: string | undefined, page: ListPage = {}): Promise<{ items: Obj[]; revision: number; next?: string }> {
    let res;
    try {
      res = await this.store.range(storePrefix(info, ns), { limit: page.limit, startKey: page.startKey, revision: page.revision });
    } catch (e) {
      if (isCompacted(e)) throw expired(`The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.`);
      throw e;
    }
    const items = res.kvs.map((kv) => decodeFromStore(kv));
    const next = res.more ? `${res.kvs[res.kvs.length - 1].key}\u0000` : undefined;
    return { items, revision: res.revision, next };
  }

  async create(info: ResourceInfo, ns: string | undefined, body: Obj, opts: WriteOptions = {}): Promise<Obj> {
    const obj = structuredClone(body);
    dropNulls(obj);
    this.checkTypeMeta(info, obj);
    const meta = (obj.metadata ??= {});
    if (info.namespaced) {
      if (meta.namespace && ns && meta.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = ns ?? meta.namespace;
      await this.checkNamespaceOpen(meta.namespace);
    } else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    Object.assign(meta, { uid: randomUUID(), creationTimestamp: nowTimestamp(), generation: 1 });
    for (const k of ['resourceVersion', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) delete meta[k];
    if (opts.manager?.operation !== 'Apply') delete meta.managedFields;
    prepareForCreate(info, obj);
    applyDefaults(info.kind, obj);
    if (opts.manager?.operation === 'Update') updateManagedFields(info.kind, hasStatusSubresource(info), obj, undefined, opts.manager);
    this.throwIfInvalid(info, obj, validateObject(info.kind, info.namespaced, obj));
    const release = this.allocateOnCreate(info, obj);
    try {
      if (opts.dryRun) {
        if (!(await this.store.get(storeKey(info, meta.namespace, meta.name!)))) return obj;
        throw alreadyExists(info, meta.name!);
      }
      return await this.insert(info, obj);
    } finally {
      if (opts.dryRun) release();
    }
  }

  /**
   * Reads, computes and writes until the write lands on the revision it read (etcd3's
   * GuaranteedUpdate). The object is removed instead when a deletion's last finalizer goes.
   */
  async guaranteedUpdate(info: ResourceInfo, ns: string | undefined, name: string, tryUpdate: TryUpdate, opts: WriteOptions = {}): Promise<Obj> {
    const key = storeKey(info, ns, name);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw notFound(info, name);
      const current = decodeFromStore(kv);
      const next = this.prepareUpdate(info, tryUpdate(structuredClone(current)), current, opts);
      const hooks = this.serviceUpdateHooks(info, next, current);
      if (opts.dryRun) {
        hooks.rollback();
        return next;
      }
      // As etcd3 storage: an update that changes nothing is not written (no new resourceVersion).
      if (sameStoredObject(next, current)) {
        hooks.rollback();
        return current;
      }
      const written = await this.writeUpdate(info, key, kv, next);
      if (written) {
        hooks.commit();
        return written;
      }
      hooks.rollback();
    }
    throw conflict(info, name);
  }

  /** Removes the object now (if its modRevision is still `kv.modRevision`); undefined on a race. */
  async remove(info: ResourceInfo, kv: KeyValue): Promise<Obj | undefined> {
    const res = await this.store.delete(kv.key, kv.modRevision);
    if (!res.ok) return undefined;
    const obj = decodeFromStore(kv);
    this.noteWrite(info, obj.metadata?.name ?? '', undefined, res.revision);
    if (info.kind === 'Service') this.services.onDelete(obj as Service);
    return obj;
  }

  private async writeUpdate(info: ResourceInfo, key: string, kv: KeyValue, next: Obj): Promise<Obj | undefined> {
    const m = next.metadata ?? {};
    if (m.deletionTimestamp && (m.finalizers ?? []).length === 0 && !this.waitsForGrace(info, next)) {
      const gone = await this.remove(info, kv);
      return gone ? { ...next, metadata: { ...m, resourceVersion: gone.metadata?.resourceVersion } } : undefined;
    }
    const res = await this.store.update(key, encodeForStore(next), kv.modRevision);
    if (!res.ok) return undefined;
    next.metadata = { ...m, resourceVersion: String(res.revision) };
    this.noteWrite(info, m.name ?? '', next, res.revision);
    return next;
  }

  /** A pod in its grace period stays until the node agent confirms (gracePeriodSeconds=0). */
  private waitsForGrace(info: ResourceInfo, obj: Obj): boolean {
    return info.kind === 'Pod' && (obj.metadata?.deletionGracePeriodSeconds ?? 0) > 0;
  }

  private prepareUpdate(info: ResourceInfo, next: Obj, current: Obj, opts: WriteOptions): Obj {
    const subresource = opts.subresource;
    const name = current.metadata?.name ?? '';
    const bodyName = next.metadata?.name;
    if (bodyName && bodyName !== name) {
      throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    }
    const uid = next.metadata?.uid;
    if (uid && uid !== current.metadata?.uid) {
      throw conflict(info, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata?.uid}`);
    }
    this.checkTypeMeta(info, next);
    dropNulls(next);
    const out = prepareForUpdate(info, next, current, subresource);
    applyDefaults(info.kind, out);
    // Compare with the stored object as today's defaulting sees it, so a newer default is no change.
    const prev = structuredClone(current);
    applyDefaults(info.kind, prev);
    const errs = validateObjectUpdate(info.kind, info.namespaced, out, prev);
    if (current.metadata?.deletionTimestamp) errs.push(...newFinalizerErrors(out, current));
    this.throwIfInvalid(info, out, errs);
    updateGeneration(out, current);
    // A writer that does not send managedFields (most PUTs) does not clear them.
    if (!out.metadata?.managedFields?.length && current.metadata?.managedFields) out.metadata!.managedFields = current.metadata.managedFields;
    if (opts.manager?.operation === 'Update') updateManagedFields(info.kind, hasStatusSubresource(info), out, current, opts.manager);
    return out;
  }

  private serviceUpdateHooks(info: ResourceInfo, next: Obj, current: Obj): { rollback: () => void; commit: () => void } {
    if (info.kind !== 'Service') return { rollback: () => {}, commit: () => {} };
    const res = this.services.onUpdate(next as Service, current as Service);
    if ('errors' in res) throw invalid(info, current.metadata?.name ?? '', res.errors);
    return res;
  }

  private allocateOnCreate(info: ResourceInfo, obj: Obj): () => void {
    if (info.kind !== 'Service') return () => {};
    const res = this.services.onCreate(obj as Service);
    if ('errors' in res) throw invalid(info, obj.metadata?.name ?? '', res.errors);
    return res.release;
  }

  /** Stores a new object, retrying generated names on a clash; releases allocations on failure. */
  private async insert(info: ResourceInfo, obj: Obj): Promise<Obj> {
    const meta = obj.metadata!;
    for (let attempt = 0; ; attempt++) {
      const res = await this.store.create(storeKey(info, meta.namespace, meta.name!), encodeForStore(obj));
      if (res.ok) {
        Object.assign(meta, { resourceVersion: String(res.revision) });
        this.noteWrite(info, meta.name!, obj, res.revision);
        return obj;
      }
      if (!meta.generateName || attempt >= MAX_NAME_ATTEMPTS) {
        if (info.kind === 'Service') this.services.onDelete(obj as Service);
        if (meta.generateName) {
          throw new StatusError(409, 'AlreadyExists', `${info.plural} "${meta.name}" already exists, the server was not able to generate a unique name for the object`);
        }
        throw alreadyExists(info, meta.name!);
      }
      meta.name = generateName(meta.generateName);
    }
  }

  private checkTypeMeta(info: ResourceInfo, obj: Obj): void {
    const gv = info.group ? `${info.group}/${info.version}` : info.version;
    if (obj.apiVersion && obj.apiVersion !== gv) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`);
    }
    if (obj.kind && obj.kind !== info.kind) throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${info.kind})`);
    obj.apiVersion = gv;
    obj.kind = info.kind;
  }

  private async checkNamespaceOpen(ns: string | undefined): Promise<void> {
    if (!ns) throw badRequest('a namespace must be specified');
    let nsObj = this.namespaces?.get(ns);
    if (!nsObj) {
      // Not in the cache: it may be newer than the cache, so ask the store (upstream does too).
      const kv = await this.store.get(storeKey(NAMESPACES, undefined, ns));
      if (!kv) throw notFound(NAMESPACES, ns);
      nsObj = decodeFromStore(kv);
    }
    if ((nsObj.status as { phase?: string } | undefined)?.phase === 'Terminating' || nsObj.metadata?.deletionTimestamp) {
      throw forbidden(NAMESPACES, ns, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  private throwIfInvalid(info: ResourceInfo, obj: Obj, errs: FieldError[]): void {
    if (errs.length) throw invalid(info, obj.metadata?.name ?? obj.metadata?.generateName ?? '', errs);
  }
}

/** Whether two objects store the same (resourceVersion aside; key order does not matter). */
function sameStoredObject(a: Obj, b: Obj): boolean {
  return isDeepStrictEqual(JSON.parse(encodeForStore(a)), JSON.parse(encodeForStore(b)));
}

function newFinalizerErrors(next: Obj, current: Obj): FieldError[] {
  const old = new Set(current.metadata?.finalizers ?? []);
  const added = (next.metadata?.finalizers ?? []).filter((f) => !old.has(f));
  return added.length ? [forbiddenField('metadata.finalizers', 'no new finalizers can be added if the object is being deleted')] : [];
}
