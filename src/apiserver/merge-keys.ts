/**
 * Patch strategies of list fields, from the x-kubernetes-patch-strategy / patch-merge-key
 * annotations of the upstream OpenAPI (k8s 1.35). A rule is matched against the field path with
 * list indexes dropped (`spec.template.spec.containers.ports`), longest suffix first, so one table
 * serves a Pod and every object that embeds a pod template.
 */

export type ListStrategy = { kind: 'merge'; key: string } | { kind: 'set' } | { kind: 'replace' };

const RULES: Record<string, ListStrategy> = {
  // PodSpec
  containers: { kind: 'merge', key: 'name' },
  initContainers: { kind: 'merge', key: 'name' },
  ephemeralContainers: { kind: 'merge', key: 'name' },
  volumes: { kind: 'merge', key: 'name' },
  imagePullSecrets: { kind: 'merge', key: 'name' },
  hostAliases: { kind: 'merge', key: 'ip' },
  topologySpreadConstraints: { kind: 'merge', key: 'topologyKey' },
  schedulingGates: { kind: 'merge', key: 'name' },
  resourceClaims: { kind: 'merge', key: 'name' },
  // Container
  'containers.ports': { kind: 'merge', key: 'containerPort' },
  'initContainers.ports': { kind: 'merge', key: 'containerPort' },
  'ephemeralContainers.ports': { kind: 'merge', key: 'containerPort' },
  env: { kind: 'merge', key: 'name' },
  volumeMounts: { kind: 'merge', key: 'mountPath' },
  volumeDevices: { kind: 'merge', key: 'devicePath' },
  // ServiceSpec
  'spec.ports': { kind: 'merge', key: 'port' },
  // Conditions of every status (pods, nodes, deployments, replicasets, namespaces, ...)
  'status.conditions': { kind: 'merge', key: 'type' },
  // PodStatus
  'status.podIPs': { kind: 'merge', key: 'ip' },
  'status.hostIPs': { kind: 'merge', key: 'ip' },
  // NodeStatus
  'status.addresses': { kind: 'merge', key: 'type' },
  // ObjectMeta
  'metadata.finalizers': { kind: 'set' },
  'metadata.ownerReferences': { kind: 'merge', key: 'uid' },
};

const REPLACE: ListStrategy = { kind: 'replace' };

/** The strategy of the list at `path` (dot-separated, no indexes). */
export function listStrategy(path: string): ListStrategy {
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const rule = RULES[parts.slice(i).join('.')];
    if (rule) return rule;
  }
  return REPLACE;
}
