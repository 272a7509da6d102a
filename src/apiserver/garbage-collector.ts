/**
 * Cascading deletion (kube-controller-manager's garbage collector, kept beside the API here as
 * namespace termination is): when an owner goes, its dependents (objects whose
 * metadata.ownerReferences name its uid) are deleted once no owner of theirs is left, or lose the
 * dangling reference when another owner remains. `propagationPolicy: Orphan` strips the
 * references before the owner goes. A sweep on start catches owners removed while down.
 */
import { RESOURCES, type ResourceInfo, resourceByKind, storeKey } from '../api/resources.js';
import type { OwnerReference } from '../api/types.js';
import type { Disposable } from '../store/store.js';
import type { Obj } from './codec.js';
import { FOREGROUND_FINALIZER, deleteObject } from './delete.js';
import type { Registry } from './registry.js';
import { StatusError } from './status.js';
import type { WatchCache } from './watch-cache.js';

const NAMESPACED = RESOURCES.filter((r) => r.namespaced);

/** A dependent that vanished meanwhile needs no collecting. */
async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 404)) throw e;
  }
}

export class GarbageCollector {
  private sub: Disposable | undefined;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly reg: Registry,
    private readonly cache: WatchCache,
  ) {}

  /** Follows deletions from now on, and sweeps for dependents of owners already gone. */
  start(): void {
    this.sub = this.cache.subscribe('/registry/', this.cache.revision, (ev) => {
      const m = ev.obj.metadata;
      if (!m?.uid) return;
      if (ev.type === 'DELETED') {
        this.enqueue(() => this.collectDependents(ev.obj));
        // A dependent gone may be the last one a foreground deletion waits for.
        for (const ref of m.ownerReferences ?? []) this.enqueue(() => this.recheckOwner(ref, m.namespace));
      } else if (m.deletionTimestamp && m.finalizers?.includes(FOREGROUND_FINALIZER)) {
        this.enqueue(() => this.deleteForeground(ev.obj));
      }
    });
    this.enqueue(() => this.sweep());
  }

  stop(): void {
    this.stopped = true;
    this.sub?.dispose();
  }

  /** Resolves when queued work is done (tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Removes `owner`'s uid from the ownerReferences of its dependents (propagationPolicy=Orphan). */
  async orphanDependents(owner: Obj): Promise<void> {
    for (const { info, obj } of await this.dependents(owner)) {
      await ignoreNotFound(this.dropReference(info, obj, owner.metadata!.uid!));
    }
  }

  private enqueue(fn: () => Promise<void>): void {
    // Serialised so a burst of deletions does not fan out into parallel scans; errors are retried by the next sweep.
    this.queue = this.queue.then(() => (this.stopped ? undefined : fn().catch(() => undefined)));
  }

  private async dependents(owner: Obj): Promise<{ info: ResourceInfo; obj: Obj }[]> {
    const uid = owner.metadata?.uid;
    const ns = owner.metadata?.namespace; // cluster-scoped owners may have dependents anywhere
    const out: { info: ResourceInfo; obj: Obj }[] = [];
    for (const info of NAMESPACED) {
      const { items } = await this.reg.list(info, ns);
      for (const obj of items) if (obj.metadata?.ownerReferences?.some((r) => r.uid === uid)) out.push({ info, obj });
    }
    return out;
  }

  private async collectDependents(owner: Obj): Promise<void> {
    for (const { info, obj } of await this.dependents(owner)) await ignoreNotFound(this.collect(info, obj));
  }

  /** Deletes a dependent whose owners are all gone; drops dangling references otherwise. */
  private async collect(info: ResourceInfo, obj: Obj): Promise<void> {
    const refs = obj.metadata?.ownerReferences ?? [];
    const alive = await Promise.all(refs.map((r) => this.ownerExists(r, obj.metadata?.namespace)));
    if (alive.every((a) => !a)) {
      if (!obj.metadata?.deletionTimestamp) await deleteObject(this.reg, info, obj.metadata?.namespace, obj.metadata!.name!, {});
      return;
    }
    for (let i = 0; i < refs.length; i++) if (!alive[i]) await this.dropReference(info, obj, refs[i].uid);
  }

  private async ownerExists(ref: OwnerReference, ns: string | undefined): Promise<boolean> {
    const info = resourceByKind(ref.apiVersion, ref.kind);
    if (!info) return true; // an owner kind podnet does not serve: never collect on its account
    const kv = await this.reg.store.get(storeKey(info, info.namespaced ? ns : undefined, ref.name));
    return kv !== undefined && (JSON.parse(kv.value) as Obj).metadata?.uid === ref.uid;
  }

  private async dropReference(info: ResourceInfo, obj: Obj, uid: string): Promise<void> {
    await this.reg.guaranteedUpdate(info, obj.metadata?.namespace, obj.metadata!.name!, (cur) => {
      const refs = (cur.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid);
      const meta = { ...cur.metadata, ownerReferences: refs.length ? refs : undefined };
      if (!refs.length) delete meta.ownerReferences;
      return { ...cur, metadata: meta };
    });
  }

  /** Foreground deletion: delete the dependents; once none is left, drop the owner's finalizer. */
  private async deleteForeground(owner: Obj): Promise<void> {
    const deps = await this.dependents(owner);
    for (const { info, obj } of deps) {
      if (!obj.metadata?.deletionTimestamp) await ignoreNotFound(deleteObject(this.reg, info, obj.metadata?.namespace, obj.metadata!.name!, {}));
    }
    if (deps.length) return; // their DELETED events bring us back
    const info = resourceByKind(owner.apiVersion ?? '', owner.kind ?? '');
    if (!info) return;
    await ignoreNotFound(
      this.reg.guaranteedUpdate(info, owner.metadata?.namespace, owner.metadata!.name!, (cur) => ({
        ...cur,
        metadata: { ...cur.metadata, finalizers: (cur.metadata?.finalizers ?? []).filter((f) => f !== FOREGROUND_FINALIZER) },
      })),
    );
  }

  private async recheckOwner(ref: OwnerReference, ns: string | undefined): Promise<void> {
    const info = resourceByKind(ref.apiVersion, ref.kind);
    if (!info) return;
    const kv = await this.reg.store.get(storeKey(info, info.namespaced ? ns : undefined, ref.name));
    const owner = kv ? (JSON.parse(kv.value) as Obj) : undefined;
    if (owner?.metadata?.uid === ref.uid && owner.metadata?.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER)) {
      await this.deleteForeground(owner);
    }
  }

  /** Every object with owner references whose owners may be gone. */
  private async sweep(): Promise<void> {
    for (const info of NAMESPACED) {
      const { items } = await this.reg.list(info, undefined);
      for (const obj of items) if (obj.metadata?.ownerReferences?.length) await ignoreNotFound(this.collect(info, obj));
    }
  }
}
