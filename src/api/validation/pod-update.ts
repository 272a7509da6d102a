/**
 * Pod updates (ValidatePodUpdate): a pod's spec is immutable but for container images,
 * activeDeadlineSeconds, added tolerations, removed scheduling gates, and spec.nodeName, which may
 * be set once (binding) and never changed.
 */
import type { Pod, PodSpec } from '../types.js';
import { type FieldError, forbidden } from './field-errors.js';

const MUTABLE_DETAIL =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** JSON with sorted keys, so key order does not count as a change. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The new spec with every field that may change taken from the old one. */
function withMutableFrom(next: PodSpec, prev: PodSpec): PodSpec {
  const out: PodSpec = structuredClone(next);
  const images = (list: PodSpec['containers'] | undefined, from: PodSpec['containers'] | undefined) =>
    list?.map((c, i) => (from?.[i] && from[i].name === c.name ? { ...c, image: from[i].image } : c));
  out.containers = images(out.containers, prev.containers) ?? [];
  if (out.initContainers) out.initContainers = images(out.initContainers, prev.initContainers);
  out.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  out.terminationGracePeriodSeconds = prev.terminationGracePeriodSeconds;
  const prevTolerations = prev.tolerations ?? [];
  if (prevTolerations.every((t, i) => canonical(t) === canonical(next.tolerations?.[i]))) out.tolerations = prev.tolerations;
  const gates = new Set((prev.schedulingGates ?? []).map((g) => g.name));
  if ((next.schedulingGates ?? []).every((g) => gates.has(g.name))) out.schedulingGates = prev.schedulingGates;
  if (!prev.nodeName) out.nodeName = prev.nodeName;
  return out;
}

export function validatePodUpdate(next: Pod, prev: Pod): FieldError[] {
  const a = next.spec ?? ({} as PodSpec);
  const b = prev.spec ?? ({} as PodSpec);
  if (b.nodeName && a.nodeName !== b.nodeName) {
    return [forbidden('spec.nodeName', `pod is already assigned to node "${b.nodeName}"`)];
  }
  return canonical(withMutableFrom(a, b)) === canonical(b) ? [] : [forbidden('spec', MUTABLE_DETAIL)];
}
