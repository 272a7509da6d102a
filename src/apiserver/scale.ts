/**
 * The /scale subresource: Deployments, ReplicaSets and ReplicationControllers seen as an
 * autoscaling/v1 Scale (spec.replicas, status.replicas and the selector string).
 */
import type { ResourceInfo } from '../api/resources.js';
import { invalidValue } from '../api/validation/field-errors.js';
import { type Obj, isPlainObject } from './codec.js';
import { formatLabelSelector, formatMatchLabels } from './label-selector.js';
import { type PatchKind, applyPatch } from './patch.js';
import type { FieldManagerInfo } from './managed-fields.js';
import type { Registry } from './registry.js';
import { badRequest, conflict, invalid } from './status.js';

export interface Scale {
  kind: 'Scale';
  apiVersion: 'autoscaling/v1';
  metadata: Record<string, unknown>;
  spec: { replicas: number };
  status: { replicas: number; selector: string };
}

const SCALE_INFO = { group: 'autoscaling', version: 'v1', kind: 'Scale', plural: 'scale' } as ResourceInfo;

export function toScale(obj: Obj): Scale {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: unknown };
  const status = (obj.status ?? {}) as { replicas?: number };
  const sel = spec.selector as Parameters<typeof formatLabelSelector>[0] & Record<string, string>;
  const selector = obj.kind === 'ReplicationController' ? formatMatchLabels(sel as Record<string, string>) : formatLabelSelector(sel);
  const m = obj.metadata ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

/** Applies a new Scale (from PUT) or a patch of the Scale (from PATCH) to the scaled object. */
export async function updateScale(
  reg: Registry,
  info: ResourceInfo,
  ns: string | undefined,
  name: string,
  change: { put: unknown } | { patch: unknown; kind: PatchKind },
  dryRun: boolean,
  manager?: FieldManagerInfo,
): Promise<Scale> {
  const updated = await reg.guaranteedUpdate(
    info,
    ns,
    name,
    (cur) => {
      const scale = toScale(cur);
      const next = 'put' in change ? change.put : applyPatch(change.kind, scale, change.patch);
      if (!isPlainObject(next)) throw badRequest('Scale must be an object');
      const meta = (next.metadata ?? {}) as { resourceVersion?: string };
      if (meta.resourceVersion && meta.resourceVersion !== cur.metadata?.resourceVersion) throw conflict(info, name);
      const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas ?? 0;
      if (!Number.isInteger(replicas) || (replicas as number) < 0) {
        throw invalid(SCALE_INFO, name, [invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0')]);
      }
      return { ...cur, spec: { ...(cur.spec as object), replicas } };
    },
    // managedFields record the writer of spec.replicas with `subresource: scale`, as upstream.
    { dryRun, subresource: manager ? 'scale' : undefined, manager },
  );
  return toScale(updated);
}
