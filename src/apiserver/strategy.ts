/**
 * Per-kind rules of REST storage (upstream's rest strategies): which status a new object starts
 * with, how a write to the main resource or to /status is merged with the stored object, and
 * when metadata.generation moves.
 */
import type { ResourceInfo } from '../api/resources.js';
import type { Container, Pod, Service } from '../api/types.js';
import { normalizeServiceUpdate } from '../api/defaults/service.js';
import type { Obj } from './codec.js';

export const hasStatusSubresource = (info: ResourceInfo): boolean => info.subresources.includes('status');

/** Upstream's QoS class: Guaranteed when every container has equal cpu and memory requests/limits. */
function qosClass(pod: Pod): string {
  const containers: Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const any = containers.some((c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length);
  if (!any) return 'BestEffort';
  const guaranteed = containers.every((c) =>
    ['cpu', 'memory'].every((r) => {
      const lim = c.resources?.limits?.[r];
      const req = c.resources?.requests?.[r] ?? lim;
      return lim !== undefined && String(lim) === String(req);
    }),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Sets the status a new object starts with (clients may not create status for most kinds). */
export function prepareForCreate(info: ResourceInfo, obj: Obj): void {
  switch (info.kind) {
    case 'Pod':
      obj.status = { phase: 'Pending', qosClass: qosClass(obj as Pod) };
      return;
    case 'Namespace':
      obj.spec = { finalizers: ['kubernetes'], ...((obj.spec as object) ?? {}) };
      obj.status = { phase: 'Active' };
      return;
    case 'Service':
      obj.status = { loadBalancer: {} };
      return;
    case 'Node':
      return; // nodes register with their status, as kubelet does
    default:
      if (hasStatusSubresource(info)) obj.status = {};
  }
}

/** Everything but metadata and status: what a generation counts changes of. */
function specPart(obj: Obj): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

/**
 * Merges a write with the stored object: /status writes change only status; writes to the main
 * resource keep the stored status (for kinds with a status subresource). System metadata is kept.
 */
export function prepareForUpdate(info: ResourceInfo, next: Obj, prev: Obj, subresource: string | undefined): Obj {
  let out: Obj;
  if (subresource === 'status') out = { ...structuredClone(prev), status: next.status };
  else {
    out = next;
    if (hasStatusSubresource(info)) out.status = prev.status;
    // Before defaulting and validation, as upstream's Service storage does in BeginUpdate.
    if (info.kind === 'Service') normalizeServiceUpdate(out as Service, prev as Service);
  }
  const pm = prev.metadata ?? {};
  out.metadata = {
    ...(out.metadata ?? {}),
    name: pm.name,
    namespace: pm.namespace,
    uid: pm.uid,
    creationTimestamp: pm.creationTimestamp,
    deletionTimestamp: pm.deletionTimestamp,
    deletionGracePeriodSeconds: pm.deletionGracePeriodSeconds,
    generateName: pm.generateName,
    generation: pm.generation,
  };
  for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName', 'generation', 'namespace'] as const) {
    if (out.metadata[k] === undefined) delete out.metadata[k];
  }
  return out;
}

/** Bumps metadata.generation when the spec part changed. */
export function updateGeneration(next: Obj, prev: Obj): void {
  const gen = prev.metadata?.generation ?? 1;
  next.metadata = { ...(next.metadata ?? {}), generation: specPart(next) === specPart(prev) ? gen : gen + 1 };
}
