/**
 * Legacy (unaggregated) discovery: /api, /apis, /api/v1, /apis/<group>/<version>, built from the
 * resource registry. Every kubectl and client library understands it.
 */
import { RESOURCES, type ResourceInfo, groupVersion } from '../api/resources.js';
import { REVIEW_RESOURCES, isReviewResource } from './access-review.js';

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** How each subresource is described: its verbs and, for scale, the autoscaling/v1 Scale kind. */
export const SUBRESOURCE_INFO: Record<string, { verbs: string[]; group?: string; version?: string; kind?: string }> = {
  status: { verbs: ['get', 'patch', 'update'] },
  scale: { verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1', kind: 'Scale' },
  finalize: { verbs: ['update'] },
  log: { verbs: ['get'] },
  exec: { verbs: ['create', 'get'], kind: 'PodExecOptions' },
  portforward: { verbs: ['create', 'get'], kind: 'PodPortForwardOptions' },
};

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** Every discoverable resource: the stored ones and the create-only reviews. */
export const DISCOVERABLE: readonly ResourceInfo[] = [...RESOURCES, ...REVIEW_RESOURCES];
export const verbsOf = (r: ResourceInfo): string[] => (isReviewResource(r) ? ['create'] : VERBS);

export function groups(): string[] {
  return [...new Set(DISCOVERABLE.filter((r) => r.group !== '').map((r) => r.group))];
}

export function apiGroup(group: string): unknown {
  const gv = { groupVersion: `${group}/v1`, version: 'v1' };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): unknown {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups().map((g) => {
      const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g) as Record<string, unknown>;
      return rest;
    }),
  };
}

function resourceEntries(r: ResourceInfo): unknown[] {
  const main: Record<string, unknown> = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: verbsOf(r),
  };
  if (r.shortNames.length) main.shortNames = r.shortNames;
  if (r.categories.length) main.categories = r.categories;
  const subs = r.subresources.map((s) => {
    const d = SUBRESOURCE_INFO[s] ?? { verbs: ['get'] };
    const e: Record<string, unknown> = { name: `${r.plural}/${s}`, singularName: '', namespaced: r.namespaced, kind: d.kind ?? r.kind, verbs: d.verbs };
    if (d.group !== undefined) e.group = d.group;
    if (d.version !== undefined) e.version = d.version;
    return e;
  });
  return [main, ...subs];
}

/** The APIResourceList of a group version, or undefined when podnet does not serve it. */
export function apiResourceList(group: string, version: string): unknown | undefined {
  const rs = DISCOVERABLE.filter((r) => r.group === group && r.version === version);
  if (!rs.length) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources: rs.flatMap(resourceEntries),
  };
}
