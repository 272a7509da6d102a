/**
 * Aggregated discovery (apidiscovery.k8s.io v2 and v2beta1): /api and /apis answer with every
 * resource of every group at once when the client asks for it in Accept, saving kubectl one
 * request per group version. Legacy discovery (discovery.ts) stays for other clients.
 */
import type { ResourceInfo } from '../api/resources.js';
import { DISCOVERABLE, SUBRESOURCE_INFO, groups, verbsOf } from './discovery.js';

export type DiscoveryVersion = 'v2' | 'v2beta1';

/** The aggregated version the Accept header prefers before plain JSON, if any. */
export function wantsAggregated(accept: string | undefined): DiscoveryVersion | undefined {
  for (const part of (accept ?? '').split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('as') === 'APIGroupDiscoveryList' && params.get('g') === 'apidiscovery.k8s.io') {
      const v = params.get('v'); // compare whole values: 'v2' must not match 'v2beta1'
      if (v === 'v2' || v === 'v2beta1') return v;
    } else if (part.trim().startsWith('application/json') || part.trim().startsWith('*/*')) return undefined;
  }
  return undefined;
}

export const aggregatedContentType = (v: DiscoveryVersion): string => `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;

function resourceDiscovery(r: ResourceInfo): Record<string, unknown> {
  const d: Record<string, unknown> = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: verbsOf(r),
  };
  if (r.shortNames.length) d.shortNames = r.shortNames;
  if (r.categories.length) d.categories = r.categories;
  if (r.subresources.length) {
    d.subresources = r.subresources.map((s) => {
      const info = SUBRESOURCE_INFO[s] ?? { verbs: ['get'] };
      return {
        subresource: s,
        responseKind: { group: info.group ?? r.group, version: info.version ?? r.version, kind: info.kind ?? r.kind },
        verbs: info.verbs,
      };
    });
  }
  return d;
}

function groupDiscovery(group: string): Record<string, unknown> {
  const rs = DISCOVERABLE.filter((r) => r.group === group);
  const versions = [...new Set(rs.map((r) => r.version))];
  return {
    metadata: { name: group, creationTimestamp: null },
    versions: versions.map((v) => ({ version: v, resources: rs.filter((r) => r.version === v).map(resourceDiscovery), freshness: 'Current' })),
  };
}

/** The body for /api (core group only) or /apis (named groups). */
export function aggregatedDiscovery(path: '/api' | '/apis', v: DiscoveryVersion): unknown {
  const items = path === '/api' ? [groupDiscovery('')] : groups().map(groupDiscovery);
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${v}`, metadata: {}, items };
}
