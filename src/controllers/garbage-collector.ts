/**
 * The garbage collector, minimal: an object all of whose owners (by ownerReferences uid) are
 * gone is deleted, as upstream's background propagation. An owner missing from the cache is
 * confirmed with a live GET first, because a fresh owner may simply not have reached our cache.
 * Owners being deleted with the `orphan` finalizer have their dependents released, those with
 * `foregroundDeletion` have them deleted first; then the finalizer is removed.
 */
import type { KubeObject, OwnerReference } from '../api/types.js';
import { resourceByKind } from '../api/resources.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { isTerminating } from './owners.js';

/** Dependents we collect, and the owner kinds whose caches we keep. */
const DEPENDENTS = ['replicasets', 'pods', 'endpointslices'];
const OWNERS = ['deployments', 'replicasets', 'services', 'endpoints'];
const PRESENT_TTL_MS = 30_000;
export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export class GarbageCollector extends BaseController {
  /** uids confirmed absent by the apiserver: a uid never comes back. */
  private readonly absent = new Set<string>();
  /** uids confirmed present by a GET (owners of kinds we keep no cache of), until a time. */
  private readonly present = new Map<string, number>();

  constructor(client: Client, opts: ControllerOptions = {}) {
    super(client, 'garbage-collector', [...new Set([...DEPENDENTS, ...OWNERS])], opts);
  }

  protected async sync(): Promise<void> {
    const now = Date.now();
    for (const [uid, until] of this.present) if (until <= now) this.present.delete(uid);
    const live = new Set<string>();
    for (const plural of OWNERS) {
      for (const o of this.informers.get(plural).list()) if (o.metadata?.uid) live.add(o.metadata.uid);
    }
    const candidates: KubeObject[] = [];
    for (const plural of DEPENDENTS) {
      for (const obj of this.informers.get(plural).list()) {
        const refs = obj.metadata?.ownerReferences ?? [];
        if (refs.length > 0 && !isTerminating(obj) && refs.every((r) => !live.has(r.uid))) candidates.push(obj);
      }
    }
    await this.forEach(candidates, (obj) => this.attemptToDelete(obj));
    await this.processDeletingOwners();
  }

  /** Dependents (in our caches) of the owner with `uid`, with the plural that holds each. */
  private dependentsOf(uid: string): [string, KubeObject][] {
    const out: [string, KubeObject][] = [];
    for (const plural of DEPENDENTS) {
      for (const obj of this.informers.get(plural).list()) {
        if (obj.metadata?.ownerReferences?.some((r) => r.uid === uid)) out.push([plural, obj]);
      }
    }
    return out;
  }

  private async processDeletingOwners(): Promise<void> {
    const work: [string, KubeObject][] = [];
    for (const plural of OWNERS) {
      for (const o of this.informers.get(plural).list()) {
        const f = o.metadata?.finalizers ?? [];
        if (o.metadata?.deletionTimestamp && (f.includes(ORPHAN_FINALIZER) || f.includes(FOREGROUND_FINALIZER))) work.push([plural, o]);
      }
    }
    await this.forEach(work, ([plural, owner]) => this.finishOwner(plural, owner));
  }

  private async finishOwner(plural: string, owner: KubeObject): Promise<void> {
    const uid = owner.metadata?.uid ?? '';
    const deps = this.dependentsOf(uid);
    const finalizers = owner.metadata?.finalizers ?? [];
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const [dp, dep] of deps) await this.removeOwnerRef(dp, dep, uid);
      return this.removeFinalizer(plural, owner, ORPHAN_FINALIZER);
    }
    // Foreground: the owner stays until its dependents are gone.
    for (const [dp, dep] of deps) {
      if (isTerminating(dep)) continue;
      await this.client
        .delete(dp, dep.metadata?.namespace, dep.metadata?.name ?? '', { propagationPolicy: 'Foreground', preconditions: { uid: dep.metadata?.uid } })
        .catch((e: unknown) => {
          if (!isNotFound(e) && !isConflict(e)) throw e;
        });
    }
    if (deps.length === 0) await this.removeFinalizer(plural, owner, FOREGROUND_FINALIZER);
  }

  private async removeOwnerRef(plural: string, obj: KubeObject, uid: string): Promise<void> {
    const m = obj.metadata ?? {};
    const refs = (m.ownerReferences ?? []).filter((r) => r.uid !== uid);
    await this.patchMeta(plural, obj, { resourceVersion: m.resourceVersion, ownerReferences: refs.length ? refs : null });
  }

  private async removeFinalizer(plural: string, obj: KubeObject, finalizer: string): Promise<void> {
    const m = obj.metadata ?? {};
    const rest = (m.finalizers ?? []).filter((f) => f !== finalizer);
    await this.patchMeta(plural, obj, { resourceVersion: m.resourceVersion, finalizers: rest.length ? rest : null });
  }

  private async patchMeta(plural: string, obj: KubeObject, metadata: Record<string, unknown>): Promise<void> {
    try {
      await this.client.patch(plural, obj.metadata?.namespace, obj.metadata?.name ?? '', { metadata });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private async attemptToDelete(obj: KubeObject): Promise<void> {
    const ns = obj.metadata?.namespace;
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      if (!(await this.ownerAbsent(ref, ns))) return;
    }
    const dep = resourceByKind(obj.apiVersion ?? '', obj.kind ?? '') ?? this.pluralOf(obj);
    if (!dep) return;
    try {
      await this.client.delete(dep, ns, obj.metadata?.name ?? '', {
        propagationPolicy: 'Background',
        preconditions: { uid: obj.metadata?.uid },
      });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  /** Informer objects may lack apiVersion/kind; find the cache that holds this object. */
  private pluralOf(obj: KubeObject) {
    for (const plural of DEPENDENTS) {
      const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
      if (this.informers.get(plural).get(key)?.metadata?.uid === obj.metadata?.uid) return plural;
    }
    return undefined;
  }

  private async ownerAbsent(ref: OwnerReference, ns: string | undefined): Promise<boolean> {
    if (this.absent.has(ref.uid)) return true;
    if ((this.present.get(ref.uid) ?? 0) > Date.now()) return false;
    const info = resourceByKind(ref.apiVersion, ref.kind);
    if (!info) return false; // an owner kind we do not serve: leave the dependent alone
    try {
      const owner = await this.client.get(info, info.namespaced ? ns : undefined, ref.name);
      if (owner.metadata?.uid === ref.uid) {
        // An owner kind we keep no cache of: ask again only after a while (syncs run on every
        // change). Watched kinds are asked each time: their absence from our cache is just lag.
        if (!OWNERS.includes(info.plural)) this.present.set(ref.uid, Date.now() + PRESENT_TTL_MS);
        return false;
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    this.absent.add(ref.uid);
    return true;
  }
}
