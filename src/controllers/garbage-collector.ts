/**
 * The garbage collector, minimal: an object all of whose owners (by ownerReferences uid) are
 * gone is deleted, as upstream's background propagation. An owner missing from the cache is
 * confirmed with a live GET first, because a fresh owner may simply not have reached our cache.
 */
import type { KubeObject, OwnerReference } from '../api/types.js';
import { resourceByKind } from '../api/resources.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { isTerminating } from './owners.js';

/** Dependents we collect, and the owner kinds whose caches we keep. */
const DEPENDENTS = ['replicasets', 'pods', 'endpointslices'];
const OWNERS = ['deployments', 'replicasets', 'services'];

export class GarbageCollector extends BaseController {
  /** uids confirmed absent by the apiserver: a uid never comes back. */
  private readonly absent = new Set<string>();

  constructor(client: Client, opts: ControllerOptions = {}) {
    super(client, 'garbage-collector', [...new Set([...DEPENDENTS, ...OWNERS])], opts);
  }

  protected async sync(): Promise<void> {
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
    const info = resourceByKind(ref.apiVersion, ref.kind);
    if (!info) return false; // an owner kind we do not serve: leave the dependent alone
    try {
      const owner = await this.client.get(info, info.namespaced ? ns : undefined, ref.name);
      if (owner.metadata?.uid === ref.uid) return false;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    this.absent.add(ref.uid);
    return true;
  }
}
