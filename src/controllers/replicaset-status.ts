/** ReplicaSet status from its pods, as upstream's calculateStatus. */
import type { Pod, ReplicaSet } from '../api/types.js';
import { isPodAvailable, isPodReady } from './pod-status.js';

export type RSStatus = NonNullable<ReplicaSet['status']>;

/** Status from the owned active pods, zero counts omitted as upstream's omitempty does. */
export function calculateReplicaSetStatus(rs: ReplicaSet, owned: Pod[], now: number): RSStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const fully = owned.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata?.labels?.[k] === v));
  const status: RSStatus = { replicas: owned.length };
  const put = (k: 'fullyLabeledReplicas' | 'readyReplicas' | 'availableReplicas', n: number) => {
    if (n > 0) status[k] = n;
  };
  put('fullyLabeledReplicas', fully.length);
  put('readyReplicas', owned.filter(isPodReady).length);
  put('availableReplicas', owned.filter((p) => isPodAvailable(p, minReady, now)).length);
  if (rs.metadata?.generation !== undefined) status.observedGeneration = rs.metadata.generation;
  if (rs.status?.conditions) status.conditions = rs.status.conditions;
  return status;
}

export function sameReplicaSetStatus(a: RSStatus | undefined, b: RSStatus): boolean {
  const f = (s: RSStatus | undefined) =>
    [s?.replicas ?? 0, s?.fullyLabeledReplicas ?? 0, s?.readyReplicas ?? 0, s?.availableReplicas ?? 0, s?.observedGeneration ?? 0].join();
  return f(a) === f(b);
}
