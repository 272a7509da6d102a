/**
 * Resolves a resource URL to what it names (upstream's RequestInfoFactory):
 * `/api/v1/namespaces/default/pods/p1/status` -> pods, default, p1, status.
 */
import { type ResourceInfo, RESOURCES } from '../api/resources.js';
import { StatusError } from './status.js';

export interface RequestInfo {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Subresources of a namespace itself (`/api/v1/namespaces/x/status`), not resources inside it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const notFoundPath = (): StatusError => new StatusError(404, 'NotFound', 'the server could not find the requested resource');

/** Undefined when the path is not under a served group version (discovery paths included). */
export function parseRequestInfo(pathname: string): RequestInfo | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    rest = parts.slice(3);
  } else return undefined;
  const version = parts[0] === 'api' ? parts[1] : parts[2];
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2])) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const info = RESOURCES.find((r) => r.group === group && r.version === version && r.plural === rest[0]);
  if (!info || rest.length > 3) throw notFoundPath();
  if (namespace !== undefined && !info.namespaced) throw notFoundPath();
  return { info, namespace, name: rest[1], subresource: rest[2] };
}
