/**
 * The ReplicaSet a Deployment template becomes: name `<deploy>-<hash>`, the hash label on
 * selector, labels and template, the deployment.kubernetes.io annotations, a controller ref.
 */
import type { Deployment, ReplicaSet } from '../api/types.js';
import { controllerRef } from './owners.js';
import { desiredReplicas, resolveFenceposts } from './rolling-update.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

/** Deployment annotations never copied to its ReplicaSets (upstream's annotationsToSkip). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

/** The deployment's own annotations the new ReplicaSet carries (e.g. kubernetes.io/change-cause). */
export function copiedAnnotations(d: Deployment): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata?.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k)));
}

export function replicaAnnotations(d: Deployment): Record<string, string> {
  const [surge] = resolveFenceposts(d);
  return { [DESIRED_REPLICAS]: String(desiredReplicas(d)), [MAX_REPLICAS]: String(desiredReplicas(d) + surge) };
}

/** The ReplicaSet for a template: selector, labels and template labels carry the hash. */
export function newReplicaSetFor(d: Deployment, hash: string, revision: number, replicas: number): ReplicaSet {
  const t = structuredClone(d.spec?.template ?? {});
  t.metadata = { ...t.metadata, labels: { ...(t.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
  const sel = d.spec?.selector ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata?.name}-${hash}`,
      namespace: d.metadata?.namespace,
      labels: t.metadata.labels,
      annotations: { ...copiedAnnotations(d), ...replicaAnnotations(d), [REVISION]: String(revision) },
      ownerReferences: [controllerRef(d, 'apps/v1', 'Deployment')],
    },
    spec: {
      replicas,
      minReadySeconds: d.spec?.minReadySeconds,
      selector: { ...sel, matchLabels: { ...(sel.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash } },
      template: t,
    },
  };
}
