/**
 * The resource registry: every API resource podnet serves, with the facts that discovery,
 * the REST paths, the store keys and clients derive from. One table, read by apiserver and client.
 */

export interface ResourceInfo {
  /** API group; '' for the core (legacy) group served under /api. */
  group: string;
  version: string;
  kind: string;
  /** Plural resource name as it appears in URLs and store keys (`pods`). */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Subresources served, e.g. `status`, `scale`, `log`. */
  subresources: string[];
}

const r = (
  group: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[] = [],
  subresources: string[] = [],
  categories: string[] = [],
): ResourceInfo => ({
  group,
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  shortNames,
  categories,
  subresources,
});

export const RESOURCES: readonly ResourceInfo[] = [
  r('', 'Namespace', 'namespaces', false, ['ns'], ['status', 'finalize']),
  r('', 'Node', 'nodes', false, ['no'], ['status']),
  r('', 'Pod', 'pods', true, ['po'], ['status', 'log', 'exec', 'portforward'], ['all']),
  r('', 'Service', 'services', true, ['svc'], ['status'], ['all']),
  r('', 'Endpoints', 'endpoints', true, ['ep']),
  r('', 'ConfigMap', 'configmaps', true, ['cm']),
  r('', 'Secret', 'secrets', true),
  r('', 'ServiceAccount', 'serviceaccounts', true, ['sa']),
  r('', 'Event', 'events', true, ['ev']),
  r('', 'ReplicationController', 'replicationcontrollers', true, ['rc'], ['status', 'scale'], ['all']),
  r('apps', 'Deployment', 'deployments', true, ['deploy'], ['status', 'scale'], ['all']),
  r('apps', 'ReplicaSet', 'replicasets', true, ['rs'], ['status', 'scale'], ['all']),
  r('apps', 'DaemonSet', 'daemonsets', true, ['ds'], ['status'], ['all']),
  r('discovery.k8s.io', 'EndpointSlice', 'endpointslices', true),
  r('networking.k8s.io', 'NetworkPolicy', 'networkpolicies', true, ['netpol']),
  r('networking.k8s.io', 'Ingress', 'ingresses', true, ['ing'], ['status']),
  r('networking.k8s.io', 'IngressClass', 'ingressclasses', false),
  r('coordination.k8s.io', 'Lease', 'leases', true),
  // Calico's KDD IPAM objects (src/api/calico.ts), as its CRDs define them.
  r('crd.projectcalico.org', 'IPAMBlock', 'ipamblocks', false),
  r('crd.projectcalico.org', 'BlockAffinity', 'blockaffinities', false),
  r('crd.projectcalico.org', 'IPAMHandle', 'ipamhandles', false),
];

export function groupVersion(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/** Finds a resource by plural name (and group when given). */
export function resourceByPlural(plural: string, group?: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => x.plural === plural && (group === undefined || x.group === group));
}

/** Finds a resource by its apiVersion and kind, as written in a manifest. */
export function resourceByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => groupVersion(x) === apiVersion && x.kind === kind);
}

/**
 * The REST path of a collection or object: `/api/v1/namespaces/default/pods/p1`,
 * `/apis/apps/v1/deployments`. Omitting namespace on a namespaced resource gives the
 * all-namespaces collection.
 */
export function resourcePath(
  info: ResourceInfo,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let p = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  if (info.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${info.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** The store key kube-apiserver uses: `/registry/<resource>/<namespace>/<name>`. */
export function storeKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  const res = info.group === '' || info.group === 'apps' ? info.plural : `${info.group}/${info.plural}`;
  return info.namespaced ? `/registry/${res}/${namespace}/${name}` : `/registry/${res}/${name}`;
}

/** The prefix under which every object of a resource (optionally in one namespace) is stored. */
export function storePrefix(info: ResourceInfo, namespace?: string): string {
  const res = info.group === '' || info.group === 'apps' ? info.plural : `${info.group}/${info.plural}`;
  return info.namespaced && namespace ? `/registry/${res}/${namespace}/` : `/registry/${res}/`;
}
