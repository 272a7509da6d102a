/**
 * The owner/dependent graph the garbage collector reasons over, as upstream's GraphBuilder
 * (uidToNode, dependents), rebuilt from the informer caches at each sync; and the decision
 * upstream's attemptToDeleteItem takes for one dependent, pure.
 */
import type { KubeObject, OwnerReference } from '../api/types.js';

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export interface GraphNode {
  /** The resource the object came from (informer objects may lack apiVersion/kind). */
  plural: string;
  obj: KubeObject;
}

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/** Being deleted in the foreground: it waits for its blocking dependents (isDeletingDependents). */
export function isDeletingDependents(obj: KubeObject): boolean {
  return Boolean(obj.metadata?.deletionTimestamp) && hasFinalizer(obj, FOREGROUND_FINALIZER);
}

export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly deps = new Map<string, { node: GraphNode; ref: OwnerReference }[]>();

  add(plural: string, obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const node = { plural, obj };
    this.nodes.set(uid, node);
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      const list = this.deps.get(ref.uid);
      if (list) list.push({ node, ref });
      else this.deps.set(ref.uid, [{ node, ref }]);
    }
  }

  all(): GraphNode[] {
    return [...this.nodes.values()];
  }

  /**
   * The owner `ref` of `dependent` names, when cached under the same uid and resource, and in
   * the dependent's namespace for a namespaced owner (owner references never cross namespaces).
   */
  owner(ref: OwnerReference, plural: string, namespaced: boolean, dependent: KubeObject): GraphNode | undefined {
    const n = this.nodes.get(ref.uid);
    if (!n || n.plural !== plural) return undefined;
    if (namespaced && n.obj.metadata?.namespace !== dependent.metadata?.namespace) return undefined;
    return n;
  }

  dependents(uid: string): GraphNode[] {
    return (this.deps.get(uid) ?? []).map((d) => d.node);
  }

  /** Dependents whose reference to `uid` has blockOwnerDeletion (they hold a foreground owner). */
  blockingDependents(uid: string): GraphNode[] {
    return (this.deps.get(uid) ?? []).filter((d) => d.ref.blockOwnerDeletion === true).map((d) => d.node);
  }

  /** Every uid some object references. */
  referencedUids(): Set<string> {
    return new Set(this.deps.keys());
  }
}

/** solid: exists; dangling: gone; waiting: being deleted in the foreground. */
export type OwnerState = 'solid' | 'dangling' | 'waiting';

export type DependentVerdict =
  | { action: 'keep' }
  | { action: 'removeReferences'; uids: string[] }
  | { action: 'delete'; propagationPolicy: 'Background' | 'Foreground' | 'Orphan' };

/**
 * attemptToDeleteItem's decision for a dependent, from the state of each owner (by uid): a live
 * owner keeps it (dangling and waiting references are dropped); otherwise it is deleted, in the
 * foreground when a waiting owner must wait for its own dependents too, else with the policy
 * its own finalizers ask for.
 */
export function decideDependent(obj: KubeObject, states: Map<string, OwnerState>, hasDependents: boolean): DependentVerdict {
  const refs = obj.metadata?.ownerReferences ?? [];
  if (refs.length === 0) return { action: 'keep' };
  const stateOf = (r: OwnerReference): OwnerState => states.get(r.uid) ?? 'solid';
  const solid = refs.filter((r) => stateOf(r) === 'solid');
  const notSolid = refs.filter((r) => stateOf(r) !== 'solid').map((r) => r.uid);
  if (solid.length > 0) return notSolid.length ? { action: 'removeReferences', uids: notSolid } : { action: 'keep' };
  const waiting = refs.some((r) => stateOf(r) === 'waiting');
  if (waiting && hasDependents) return { action: 'delete', propagationPolicy: 'Foreground' };
  if (hasFinalizer(obj, ORPHAN_FINALIZER)) return { action: 'delete', propagationPolicy: 'Orphan' };
  if (hasFinalizer(obj, FOREGROUND_FINALIZER)) return { action: 'delete', propagationPolicy: 'Foreground' };
  return { action: 'delete', propagationPolicy: 'Background' };
}
