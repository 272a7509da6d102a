/**
 * Field selectors (apimachinery pkg/fields): `f=v`, `f==v`, `f!=v`, AND-ed, over the fields each
 * kind supports (pkg/apis/core/v1/conversion.go); any other field is a 400.
 */
import type { UnstructuredObject as KubeObject } from '../api/types.js';
import { badRequest } from './status.js';

export interface FieldRequirement {
  field: string;
  equal: boolean;
  value: string;
}
export type FieldSelector = FieldRequirement[];

const SUPPORTED: Record<string, string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.podIPs',
    'status.nominatedNodeName',
  ],
  Node: ['spec.unschedulable'],
  Service: ['spec.clusterIP', 'spec.type'],
  Namespace: ['status.phase'],
  Secret: ['type'],
  ReplicaSet: ['status.replicas'],
  ReplicationController: ['status.replicas'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
};

/** Parses a selector string for a kind; throws 400 `field label not supported: f`. */
export function parseFieldSelector(s: string | null | undefined, kind: string): FieldSelector {
  if (!s) return [];
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(SUPPORTED[kind] ?? [])]);
  return s
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => {
      const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(t);
      if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${t}'`);
      if (!allowed.has(m[1])) throw badRequest(`field label not supported: ${m[1]}`);
      return { field: m[1], equal: m[2] !== '!=', value: m[3] };
    });
}

/** The string value of a selectable field, as upstream's field label conversion renders it. */
export function fieldValue(obj: KubeObject, field: string): string {
  if (field === 'status.podIPs') {
    const ips = (obj.status as { podIPs?: { ip: string }[] } | undefined)?.podIPs ?? [];
    return ips.map((p) => p.ip).join(',');
  }
  if (field === 'source') {
    const src = (obj as { source?: { component?: string } }).source;
    return src?.component ?? '';
  }
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return field === 'spec.unschedulable' || field === 'spec.hostNetwork' ? 'false' : '';
  return String(cur);
}

export function matchesFields(sel: FieldSelector, obj: KubeObject): boolean {
  return sel.every((r) => (fieldValue(obj, r.field) === r.value) === r.equal);
}
