/** ownerReferences helpers, as apimachinery's metav1.GetControllerOf / NewControllerRef. */
import type { KubeObject, OwnerReference } from '../api/types.js';

/** The reference with controller: true, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** A controller reference to `owner` (controller and blockOwnerDeletion set, as upstream). */
export function controllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** True when `obj` is controlled by the object with `uid`. */
export function isControlledBy(obj: KubeObject, uid: string | undefined): boolean {
  return uid !== undefined && controllerOf(obj)?.uid === uid;
}

export function isTerminating(obj: KubeObject): boolean {
  return Boolean(obj.metadata?.deletionTimestamp);
}

/** metav1.Now() as serialized: RFC 3339 with second precision. */
export function metaNow(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}
