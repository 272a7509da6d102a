/**
 * A minimal OpenAPI v3: per group version, each object path with a PATCH operation declaring the
 * `fieldValidation` query parameter. That is what kubectl >= 1.27 checks before sending
 * `?fieldValidation=Strict` and skipping client-side schema validation; with no requestBody
 * schemas it builds strategic merge patches from its compiled-in types.
 */
import { createHash } from 'node:crypto';
import { RESOURCES, type ResourceInfo, groupVersion } from '../api/resources.js';

function docPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

const PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

function objectPath(r: ResourceInfo): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}/{name}` : `${base}/${r.plural}/{name}`;
}

/** The document of one group version, or undefined if not served. */
export function openAPIDocument(group: string, version: string): unknown | undefined {
  const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (!rs.length) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of rs) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const op = (verb: string): unknown => ({
      operationId: `${verb}${r.kind}`,
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvk,
      parameters: PARAMS,
      responses: { '200': { description: 'OK' } },
    });
    paths[objectPath(r)] = { patch: op('patch'), put: op('put') };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
  };
}

const HASHES = new Map<string, string>();
function hashOf(group: string, version: string): string {
  const k = `${group}/${version}`;
  let h = HASHES.get(k);
  if (!h) {
    h = createHash('sha512').update(JSON.stringify(openAPIDocument(group, version))).digest('hex').slice(0, 64).toUpperCase();
    HASHES.set(k, h);
  }
  return h;
}

/** GET /openapi/v3: where each group version's document lives. */
export function openAPIIndex(): unknown {
  const paths: Record<string, unknown> = {};
  const gvs = new Map(RESOURCES.map((r) => [groupVersion(r), r]));
  for (const r of gvs.values()) {
    const p = docPath(r.group, r.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(r.group, r.version)}` };
  }
  return { paths };
}

/** Resolves `/openapi/v3/api/v1` or `/openapi/v3/apis/apps/v1` to a document. */
export function openAPIForPath(path: string): unknown | undefined {
  const m = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) return undefined;
  return m[1] ? openAPIDocument('', m[1]) : openAPIDocument(m[2], m[3]);
}
