/**
 * Server-side apply (PATCH `application/apply-patch+yaml`), simplified from upstream's
 * structured-merge-diff: the applied configuration is merged into the live object as a strategic
 * merge patch; the applier then owns exactly the fields of its configuration. A field another
 * manager owns with a different value is a conflict (409, upstream's message and causes) unless
 * `force=true`, which takes it over. A field the applier owned before, dropped from its new
 * configuration and owned by nobody else, is removed from the object.
 */
import type { Obj } from './codec.js';
import { type FlatFields, pathString, splitPath } from './field-set.js';
import { type FieldManagerInfo, type Owner, decodeManagedFields, encodeManagedFields, ownableFields, ownerOf, scopedFields, touch } from './managed-fields.js';
import { StatusError } from './status.js';
import { strategicMergePatch } from './strategic-merge-patch.js';

interface Conflict {
  owner: Owner;
  path: string;
}

export interface ApplyRequest {
  kind: string;
  /** Whether the kind has a status subresource (the main resource then never owns status). */
  hasStatus: boolean;
  manager: FieldManagerInfo;
  force: boolean;
}

/** The object after applying `config` to `live` (`{}` when creating), with its managedFields. */
export function serverSideApply(live: Obj, config: Obj, req: ApplyRequest): Obj {
  const applied = scopedFields(ownableFields(req.kind, config), req.manager.subresource, req.hasStatus);
  const owners = decodeManagedFields(live.metadata?.managedFields);
  const self = ownerOf(owners, req.manager);
  const others = owners.filter((o) => o !== self);
  const conflicts = findConflicts(applied, ownableFields(req.kind, live), others);
  if (conflicts.length && !req.force && !upgradesClientSideApply(req, live, conflicts)) throw applyConflict(conflicts);
  for (const c of conflicts) c.owner.fields.delete(c.path);
  const merged = strategicMergePatch(live, config) as Obj;
  const dropped = [...self.fields].filter((p) => !applied.has(p) && !others.some((o) => o.fields.has(p)));
  removeFields(merged, dropped);
  self.fields = new Set(applied.keys());
  touch(self, req.manager);
  const present = ownableFields(req.kind, merged);
  for (const o of others) for (const f of [...o.fields]) if (!present.has(f)) o.fields.delete(f);
  merged.metadata = { ...(merged.metadata ?? {}), managedFields: encodeManagedFields(owners) as never };
  keepLastAppliedInStep(req, merged, config);
  return merged;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const annotationsOf = (o: Obj): Record<string, string> | undefined => o.metadata?.annotations ?? undefined;

/**
 * Upstream's lastAppliedManager: `kubectl apply --server-side` (manager "kubectl") on an object
 * managed by client-side apply wins the conflicts on fields its last-applied annotation holds,
 * so moving from client-side to server-side apply needs no --force-conflicts.
 */
function upgradesClientSideApply(req: ApplyRequest, live: Obj, conflicts: Conflict[]): boolean {
  const annotation = annotationsOf(live)?.[LAST_APPLIED];
  if (req.manager.manager !== 'kubectl' || !annotation) return false;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(annotation);
  } catch {
    return false;
  }
  const allowed = ownableFields(req.kind, lastApplied);
  return conflicts.every((c) => allowed.has(c.path));
}

/** Upstream's lastAppliedUpdater: a "kubectl" apply keeps an existing last-applied annotation current. */
function keepLastAppliedInStep(req: ApplyRequest, merged: Obj, config: Obj): void {
  const annotations = annotationsOf(merged);
  if (req.manager.manager !== 'kubectl' || !annotations?.[LAST_APPLIED]) return;
  const applied = structuredClone(config);
  const own = annotationsOf(applied);
  if (own) {
    delete own[LAST_APPLIED];
    if (!Object.keys(own).length) delete applied.metadata!.annotations;
  }
  annotations[LAST_APPLIED] = JSON.stringify(applied);
}

function findConflicts(applied: FlatFields, live: FlatFields, others: Owner[]): Conflict[] {
  const out: Conflict[] = [];
  for (const [path, value] of applied) {
    if (!live.has(path) || live.get(path) === value) continue; // same value: shared ownership
    for (const owner of others) if (owner.fields.has(path)) out.push({ owner, path });
  }
  return out;
}

/**
 * How upstream names a manager in a conflict: from its identifier, which leaves out the time
 * (and, for appliers, the version): `"kubectl-patch" using apps/v1`, `"other"`.
 */
function printManager(o: Owner): string {
  const e = o.entry;
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  return e.operation === 'Update' ? `${s} using ${e.apiVersion}` : s;
}

/** 409 Conflict with upstream's message (fieldmanager/internal/conflict.go) and one cause per field. */
function applyConflict(conflicts: Conflict[]): StatusError {
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].owner)}: ${pathString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(printManager(c.owner), [...(byManager.get(printManager(c.owner)) ?? []), pathString(c.path)]);
    const lines = [...byManager.keys()].sort().flatMap((m) => [`conflicts with ${m}:`, ...byManager.get(m)!.map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.owner)}`, field: pathString(c.path) }));
  return new StatusError(409, 'Conflict', message, { causes });
}

/** Removes each path (deepest first) from the object; a `.` path removes the map or list element. */
function removeFields(obj: Obj, paths: string[]): void {
  const sorted = paths.map(splitPath).sort((a, b) => b.length - a.length);
  for (const path of sorted) {
    const target = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
    const parent = navigate(obj, target.slice(0, -1));
    if (parent !== undefined) removeChild(parent, target[target.length - 1]);
  }
}

function navigate(node: unknown, path: string[]): unknown {
  let cur = node;
  for (const el of path) {
    if (cur === undefined) return undefined;
    cur = Array.isArray(cur) ? cur[findIndex(cur, el)] : (cur as Record<string, unknown>)[el.slice(2)];
  }
  return cur;
}

function findIndex(list: unknown[], el: string): number {
  if (el.startsWith('k:')) {
    const keys = Object.entries(JSON.parse(el.slice(2)) as Record<string, unknown>);
    return list.findIndex((e) => keys.every(([k, v]) => (e as Record<string, unknown>)?.[k] === v));
  }
  if (el.startsWith('v:')) return list.findIndex((e) => JSON.stringify(e) === el.slice(2));
  return Number(el.slice(2));
}

function removeChild(parent: unknown, el: string): void {
  if (Array.isArray(parent)) {
    const i = findIndex(parent, el);
    if (i >= 0) parent.splice(i, 1);
  } else if (parent !== null && typeof parent === 'object' && el.startsWith('f:')) delete (parent as Record<string, unknown>)[el.slice(2)];
}
