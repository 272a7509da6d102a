/**
 * The garbage collector, as kube-controller-manager's: generic over every resource of the
 * registry (Events excepted, as upstream ignores them). The apiserver only leaves the `orphan`
 * and `foregroundDeletion` finalizers on a delete; this controller does the work:
 * - a dependent all of whose owners are gone (or waiting in the foreground) is deleted;
 *   references to gone owners are dropped when a live owner remains (attemptToDelete);
 * - an owner being deleted with `orphan` has the references to it removed from its dependents,
 *   then loses the finalizer (attemptToOrphan);
 * - an owner being deleted with `foregroundDeletion` loses the finalizer once no dependent
 *   blocks it (blockOwnerDeletion), its dependents being deleted meanwhile.
 * An owner missing from the caches is confirmed absent with a live GET first: a fresh owner may
 * simply not have reached our cache yet.
 */
import { RESOURCES, resourceByKind } from '../api/resources.js';
import type { KubeObject, OwnerReference } from '../api/types.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { canonicalJson } from './pod-template-hash.js';
import {
  decideDependent,
  FOREGROUND_FINALIZER,
  type GraphNode,
  hasFinalizer,
  isDeletingDependents,
  ORPHAN_FINALIZER,
  OwnerGraph,
  type OwnerState,
} from './owner-graph.js';

export { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from './owner-graph.js';

/** Upstream's ignoredResources: Events are never owners we wait for nor dependents we collect. */
const IGNORED = new Set(['events']);
export const MONITORED = RESOURCES.filter((r) => !IGNORED.has(r.plural)).map((r) => r.plural);
const PRESENT_TTL_MS = 30_000;

const ignoreGone = (e: unknown): void => {
  if (!isNotFound(e) && !isConflict(e)) throw e;
};

export class GarbageCollector extends BaseController {
  /** uids confirmed absent by the apiserver: a uid never comes back. Pruned when unreferenced. */
  private readonly absent = new Set<string>();
  /** uids of owners of kinds we keep no cache of, confirmed present by a GET, until a time. */
  private readonly present = new Map<string, number>();

  constructor(client: Client, opts: ControllerOptions = {}) {
    super(client, 'garbage-collector', MONITORED, { minIntervalMs: 50, ...opts });
  }

  /** Only identity, ownership and deletion state matter here, not status or spec. */
  protected override relevantUpdate(_plural: string, o: KubeObject, n: KubeObject): boolean {
    const f = (x: KubeObject) =>
      canonicalJson([x.metadata?.uid, x.metadata?.ownerReferences ?? [], x.metadata?.finalizers ?? [], x.metadata?.deletionTimestamp ?? '']);
    return f(o) !== f(n);
  }

  protected async sync(): Promise<void> {
    const graph = new OwnerGraph();
    for (const plural of MONITORED) for (const obj of this.informers.get(plural).list()) graph.add(plural, obj);
    const work: (() => Promise<void>)[] = [];
    for (const node of graph.all()) {
      const m = node.obj.metadata ?? {};
      if (m.deletionTimestamp) {
        if (hasFinalizer(node.obj, ORPHAN_FINALIZER)) work.push(() => this.attemptToOrphan(graph, node));
        else if (hasFinalizer(node.obj, FOREGROUND_FINALIZER)) work.push(() => this.processDeletingDependents(graph, node));
      } else if (m.ownerReferences?.length) {
        work.push(() => this.attemptToDelete(graph, node));
      }
    }
    await this.forEach(work, (fn) => fn(), 8);
    const referenced = graph.referencedUids();
    for (const uid of this.absent) if (!referenced.has(uid)) this.absent.delete(uid);
    const now = Date.now();
    for (const [uid, until] of this.present) if (until <= now) this.present.delete(uid);
  }

  private async attemptToDelete(graph: OwnerGraph, node: GraphNode): Promise<void> {
    const states = new Map<string, OwnerState>();
    for (const ref of node.obj.metadata?.ownerReferences ?? []) states.set(ref.uid, await this.ownerState(graph, ref, node.obj));
    const uid = node.obj.metadata?.uid ?? '';
    const verdict = decideDependent(node.obj, states, graph.dependents(uid).length > 0);
    const m = node.obj.metadata ?? {};
    if (verdict.action === 'removeReferences') {
      const refs = (m.ownerReferences ?? []).filter((r) => !verdict.uids.includes(r.uid));
      await this.patchMeta(node, { ownerReferences: refs.length ? refs : null });
    } else if (verdict.action === 'delete') {
      await this.client
        .delete(node.plural, m.namespace, m.name ?? '', { propagationPolicy: verdict.propagationPolicy, preconditions: { uid } })
        .catch(ignoreGone);
    }
  }

  private async ownerState(graph: OwnerGraph, ref: OwnerReference, dependent: KubeObject): Promise<OwnerState> {
    const info = resourceByKind(ref.apiVersion, ref.kind);
    if (!info) return 'solid'; // an owner kind podnet does not serve: never collect on its account
    const cached = graph.owner(ref, info.plural, info.namespaced, dependent);
    if (cached) return isDeletingDependents(cached.obj) ? 'waiting' : 'solid';
    if (this.absent.has(ref.uid)) return 'dangling';
    if ((this.present.get(ref.uid) ?? 0) > Date.now()) return 'solid';
    try {
      const owner = await this.client.get(info, info.namespaced ? dependent.metadata?.namespace : undefined, ref.name);
      if (owner.metadata?.uid === ref.uid) {
        // Cached kinds are asked again on the next sync (their absence is cache lag); others later.
        if (!MONITORED.includes(info.plural)) this.present.set(ref.uid, Date.now() + PRESENT_TTL_MS);
        return isDeletingDependents(owner) ? 'waiting' : 'solid';
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    this.absent.add(ref.uid);
    return 'dangling';
  }

  /** propagationPolicy=Orphan: release every dependent, then let the owner go. */
  private async attemptToOrphan(graph: OwnerGraph, owner: GraphNode): Promise<void> {
    const uid = owner.obj.metadata?.uid ?? '';
    for (const dep of graph.dependents(uid)) await this.release(dep, uid);
    // Our caches may lag behind a dependent created just before the delete; once the finalizer
    // is gone such a dependent would be collected instead of orphaned, so ask the API too.
    for (const dep of await this.liveDependents(owner)) if (!(await this.release(dep, uid))) return; // retried
    await this.removeFinalizer(owner, ORPHAN_FINALIZER);
  }

  private async release(dep: GraphNode, ownerUid: string): Promise<boolean> {
    const refs = (dep.obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
    return this.patchMeta(dep, { ownerReferences: refs.length ? refs : null });
  }

  /** Objects that reference `owner`, read from the apiserver (its namespace, or all for a cluster-scoped owner). */
  private async liveDependents(owner: GraphNode): Promise<GraphNode[]> {
    const uid = owner.obj.metadata?.uid;
    const ns = owner.obj.metadata?.namespace;
    const out: GraphNode[] = [];
    for (const plural of MONITORED) {
      const info = RESOURCES.find((r) => r.plural === plural)!;
      if (ns && !info.namespaced) continue; // a namespaced owner has no cluster-scoped dependents
      const { items } = await this.client.list<KubeObject>(plural, info.namespaced ? ns : undefined);
      for (const obj of items) if (obj.metadata?.ownerReferences?.some((r) => r.uid === uid)) out.push({ plural, obj });
    }
    return out;
  }

  /** propagationPolicy=Foreground: the owner goes once no dependent blocks it any more. */
  private async processDeletingDependents(graph: OwnerGraph, owner: GraphNode): Promise<void> {
    // Blocking dependents are deleted by attemptToDelete (their owner is 'waiting').
    if (graph.blockingDependents(owner.obj.metadata?.uid ?? '').length === 0) await this.removeFinalizer(owner, FOREGROUND_FINALIZER);
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const rest = (node.obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
    await this.patchMeta(node, { finalizers: rest.length ? rest : null });
  }

  /** A merge patch of metadata, with the cached resourceVersion as precondition; false on a 409 (retried). */
  private async patchMeta(node: GraphNode, metadata: Record<string, unknown>): Promise<boolean> {
    const m = node.obj.metadata ?? {};
    try {
      await this.client.patch(node.plural, m.namespace, m.name ?? '', { metadata: { ...metadata, resourceVersion: m.resourceVersion } });
    } catch (e) {
      if (isConflict(e)) {
        this.runner.run();
        return false;
      }
      if (!isNotFound(e)) throw e;
    }
    return true;
  }
}
