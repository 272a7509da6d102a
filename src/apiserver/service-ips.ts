/**
 * The Service half of REST storage that upstream keeps in pkg/registry/core/service: ClusterIP
 * allocation on create, keeping allocated values across updates, release on delete.
 */
import type { Service } from '../api/types.js';
import type { FieldError } from '../api/validation/field-errors.js';
import type { ClusterIPAllocator } from './cluster-ip-allocator.js';

const needsClusterIP = (svc: Service): boolean => svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';

function setFamilies(svc: Service): void {
  const spec = svc.spec!;
  if (spec.type === 'ExternalName') {
    delete spec.clusterIPs;
    return;
  }
  spec.clusterIPs = [spec.clusterIP!];
  spec.ipFamilies ??= ['IPv4'];
  // Upstream: a headless Service without a selector takes every family the cluster has.
  const selectorless = spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0;
  spec.ipFamilyPolicy ??= selectorless ? 'RequireDualStack' : 'SingleStack';
}

/** Allocates the Service's ClusterIP (requested or free); returns a release function, or errors. */
export function allocateServiceIPs(alloc: ClusterIPAllocator, svc: Service): { release: () => void } | { errors: FieldError[] } {
  const spec = (svc.spec ??= {});
  if (!needsClusterIP(svc)) {
    if (spec.type !== 'ExternalName') setFamilies(svc);
    return { release: () => {} };
  }
  const requested = spec.clusterIP || spec.clusterIPs?.[0] || undefined;
  const res = alloc.allocate(requested);
  if ('error' in res) return { errors: [res.error] };
  spec.clusterIP = res.ip;
  setFamilies(svc);
  return { release: () => alloc.release(res.ip) };
}

/**
 * On update: keep allocated values the client left out (a PUT or apply without clusterIP), and
 * allocate or release when the type moves to or from ExternalName. Returns what to undo on
 * failure and what to release once the update is stored.
 */
export function updateServiceIPs(
  alloc: ClusterIPAllocator,
  next: Service,
  prev: Service,
): { rollback: () => void; commit: () => void } | { errors: FieldError[] } {
  const spec = (next.spec ??= {});
  const oldIP = prev.spec?.clusterIP;
  if (needsClusterIP(prev) && needsClusterIP(next)) {
    if (!spec.clusterIP) spec.clusterIP = oldIP;
    if (!spec.clusterIPs?.length) spec.clusterIPs = prev.spec?.clusterIPs;
    spec.ipFamilies ??= prev.spec?.ipFamilies;
    spec.ipFamilyPolicy ??= prev.spec?.ipFamilyPolicy;
    return { rollback: () => {}, commit: () => {} };
  }
  if (!needsClusterIP(prev) && needsClusterIP(next)) {
    const res = allocateServiceIPs(alloc, next);
    if ('errors' in res) return res;
    return { rollback: res.release, commit: () => {} };
  }
  if (needsClusterIP(prev) && !needsClusterIP(next)) {
    if (spec.type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      delete spec.ipFamilies;
      delete spec.ipFamilyPolicy;
    }
    return { rollback: () => {}, commit: () => alloc.release(oldIP) };
  }
  return { rollback: () => {}, commit: () => {} };
}

export function releaseServiceIPs(alloc: ClusterIPAllocator, svc: Service): void {
  if (needsClusterIP(svc)) alloc.release(svc.spec?.clusterIP);
}
