/**
 * metadata.managedFields, as upstream's field manager keeps them: one entry per manager,
 * operation (Apply | Update) and subresource, holding the set of fields that manager owns
 * (`fieldsType: FieldsV1`). An Update (create, update, non-apply patch) takes the fields whose
 * value it changed, from whoever owned them; fields that vanish from the object leave every set; an entry
 * left with no fields is dropped. Writes to the main resource never own status, and /status
 * writes own only status (upstream's reset fields).
 */
import type { Obj } from './codec.js';
import { nowTimestamp } from './codec.js';
import { type FlatFields, flattenFields, fromFieldsV1, splitPath, toFieldsV1 } from './field-set.js';

export type ManagedOperation = 'Apply' | 'Update';

/** Who is writing, from the request: ?fieldManager (or the User-Agent) and the verb. */
export interface FieldManagerInfo {
  manager: string;
  operation: ManagedOperation;
  /** The group/version the request used (`apps/v1`). */
  apiVersion: string;
  subresource?: string;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: ManagedOperation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** An entry with its fields decoded. */
export interface Owner {
  entry: ManagedFieldsEntry;
  fields: Set<string>;
}

/** Fields the system sets: nobody owns them (upstream strips them before tracking). */
const SYSTEM_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

/** The fields of `obj` that can be owned at all. */
export function ownableFields(kind: string, obj: unknown): FlatFields {
  const flat = flattenFields(kind, obj);
  for (const key of [...flat.keys()]) {
    const [first, second] = splitPath(key);
    if (first === 'f:apiVersion' || first === 'f:kind' || (first === 'f:metadata' && SYSTEM_META.has(second?.slice(2) ?? ''))) flat.delete(key);
  }
  return flat;
}

/** The part of the ownable fields a write to `subresource` may own. */
export function scopedFields(flat: FlatFields, subresource: string | undefined, hasStatus: boolean): FlatFields {
  const isStatus = (key: string): boolean => key === 'f:status' || key.startsWith('f:status\n');
  if (subresource === 'status') return new Map([...flat].filter(([k]) => isStatus(k)));
  if (hasStatus) return new Map([...flat].filter(([k]) => !isStatus(k)));
  return flat;
}

export function decodeManagedFields(entries: unknown): Owner[] {
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((e): e is ManagedFieldsEntry => typeof e?.manager === 'string' && (e.operation === 'Apply' || e.operation === 'Update'))
    .map((e) => ({ entry: { ...e, fieldsType: 'FieldsV1' }, fields: fromFieldsV1(e.fieldsV1) }));
}

export function encodeManagedFields(owners: Owner[]): ManagedFieldsEntry[] {
  return owners.filter((o) => o.fields.size).map((o) => ({ ...o.entry, fieldsV1: toFieldsV1([...o.fields].sort()) }));
}

/** The entry of `m` among the owners, created (empty) when missing. */
export function ownerOf(owners: Owner[], m: FieldManagerInfo): Owner {
  const found = owners.find((o) => o.entry.manager === m.manager && o.entry.operation === m.operation && (o.entry.subresource ?? '') === (m.subresource ?? ''));
  if (found) return found;
  const entry: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} };
  if (m.subresource) entry.subresource = m.subresource;
  const owner = { entry, fields: new Set<string>() };
  owners.push(owner);
  return owner;
}

/** Stamps an entry whose fields changed (an unchanged one keeps its time, so a no-op write stays one). */
export function touch(owner: Owner, m: FieldManagerInfo): void {
  owner.entry.apiVersion = m.apiVersion;
  owner.entry.time = nowTimestamp();
}

/**
 * Records an Update by `m` on `next` (whose previous state is `prev`, none on create), setting
 * next.metadata.managedFields. Managed fields the request itself carries win over the stored
 * ones (kubectl rewrites them when it upgrades client-side apply to server-side apply).
 */
export function updateManagedFields(kind: string, hasStatus: boolean, next: Obj, prev: Obj | undefined, m: FieldManagerInfo): void {
  const sent = next.metadata?.managedFields;
  const reset = Array.isArray(sent) && sent.length === 1 && Object.keys(sent[0] ?? {}).length === 0;
  const owners = reset ? [] : decodeManagedFields(sent?.length ? sent : prev?.metadata?.managedFields);
  const all = ownableFields(kind, next);
  const before = prev ? ownableFields(kind, prev) : new Map<string, string>();
  const changed = [...scopedFields(all, m.subresource, hasStatus)].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
  // An update takes the fields it changed from their other owners (it never conflicts).
  const taken = new Set(changed);
  for (const o of owners) for (const f of [...o.fields]) if (!all.has(f) || taken.has(f)) o.fields.delete(f);
  if (changed.length) {
    const self = ownerOf(owners, m);
    for (const k of changed) self.fields.add(k);
    touch(self, m);
  }
  next.metadata = { ...(next.metadata ?? {}), managedFields: encodeManagedFields(owners) as never };
  if (!next.metadata.managedFields?.length) delete next.metadata.managedFields;
}

/** The manager a request names: ?fieldManager, else the User-Agent's product (`kubectl/v1.32` → `kubectl`). */
export function managerName(fieldManager: string | null, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const product = (userAgent ?? '').split('/')[0].trim().slice(0, 128);
  return product || 'unknown';
}
