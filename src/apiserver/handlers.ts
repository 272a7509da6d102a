/**
 * The REST verbs on a resource URL: get, list (or watch), create, update, patch, delete,
 * deletecollection, and the status and scale subresources; responses as JSON or Table.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceInfo } from '../api/resources.js';
import { type Obj, decodeBody, isPlainObject } from './codec.js';
import { type DeleteOptionsBody, deleteObject, parseDeleteOptions } from './delete.js';
import { matchesFields, parseFieldSelector } from './field-selector.js';
import { readBody, readBodyBytes, writeJSON } from './http-util.js';
import { decodeProtobufObject } from './protobuf.js';
import { checkFields, parseFieldValidation, pruneUnknownFields } from './field-validation.js';
import { matchesLabels, parseLabelSelector } from './label-selector.js';
import type { NamespaceLifecycle } from './namespace-lifecycle.js';
import { type PodLogs, parseLogQuery } from './pod-logs.js';
import { type FieldManagerInfo, type ManagedOperation, managerName } from './managed-fields.js';
import { type PatchKind, applyPatch, parsePatch, patchKind } from './patch.js';
import { serverSideApply } from './server-side-apply.js';
import { hasStatusSubresource } from './strategy.js';
import type { RequestInfo } from './request-info.js';
import { toScale, updateScale } from './scale.js';
import { StatusError, badRequest, conflict, methodNotSupported } from './status.js';
import { parseIncludeObject, toTable, wantsTable } from './table.js';
import { type WatchContext, serveWatch } from './watch.js';
import { serveList } from './list-stream.js';

export interface HandlerContext extends WatchContext {
  lifecycle: NamespaceLifecycle;
  /** pods/log; absent when the server does not know the cluster's state root. */
  podLogs?: PodLogs;
}

interface Call {
  ctx: HandlerContext;
  req: IncomingMessage;
  res: ServerResponse;
  ri: RequestInfo;
  q: URLSearchParams;
  dryRun: boolean;
  /** `Warning` headers for the response (unknown fields under fieldValidation=Warn). */
  warnings: string[];
}

/** Checks a body or patch for fields the kind does not have, per ?fieldValidation. */
function validateFields(c: Call, obj: unknown, isPatch = false): void {
  const kind = c.ri.subresource === 'scale' ? 'Scale' : c.ri.info.kind;
  const decoding = isPatch ? undefined : { version: c.ri.info.version };
  c.warnings.push(...checkFields(kind, obj, parseFieldValidation(c.q.get('fieldValidation')), decoding));
}

function warningHeaders(c: Call): Record<string, string | string[]> {
  return c.warnings.length ? { Warning: c.warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : {};
}

const gvOf = (info: ResourceInfo): string => (info.group ? `${info.group}/${info.version}` : info.version);

/** The managedFields entry this request writes under. */
function fieldManager(c: Call, operation: ManagedOperation): FieldManagerInfo {
  const m: FieldManagerInfo = { manager: managerName(c.q.get('fieldManager'), c.req.headers['user-agent']), operation, apiVersion: gvOf(c.ri.info) };
  if (c.ri.subresource) m.subresource = c.ri.subresource;
  return m;
}

function respond(c: Call, code: number, obj: Obj): void {
  if (wantsTable(c.req.headers.accept) && obj.kind === c.ri.info.kind) {
    writeJSON(c.res, code, toTable(c.ri.info.kind, [obj], obj.metadata?.resourceVersion, parseIncludeObject(c.q.get('includeObject'))), warningHeaders(c));
  } else writeJSON(c.res, code, obj, warningHeaders(c));
}

async function list(c: Call): Promise<void> {
  const { info, namespace } = c.ri;
  const labels = parseLabelSelector(c.q.get('labelSelector'));
  const fields = parseFieldSelector(c.q.get('fieldSelector'), info.kind);
  const page = parseContinue(c.q.get('continue'));
  const limit = Number(c.q.get('limit')) || undefined;
  const filtered = labels.length > 0 || fields.length > 0;
  await serveList(c.ctx.registry.store, c.res, {
    info,
    namespace,
    ...page,
    limit: limit && limit > 0 ? limit : undefined,
    matches: filtered ? (o) => matchesLabels(labels, o.metadata?.labels) && matchesFields(fields, o) : undefined,
    table: wantsTable(c.req.headers.accept) ? parseIncludeObject(c.q.get('includeObject')) : undefined,
    continueToken: encodeContinue,
  });
}

/** A continue token: the revision of the first page and the key the next page starts at. */
function encodeContinue(revision: number, startKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'podnet/v1', rv: revision, start: startKey })).toString('base64url');
}

function parseContinue(token: string | null): { revision?: number; startKey?: string } {
  if (!token) return {};
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (t.v === 'podnet/v1' && Number.isInteger(t.rv) && typeof t.start === 'string') return { revision: t.rv, startKey: t.start };
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version podnet/v1)');
}

async function get(c: Call): Promise<void> {
  const { info, namespace, name, subresource } = c.ri;
  const obj = await c.ctx.registry.get(info, namespace, name!);
  if (subresource === 'scale') writeJSON(c.res, 200, toScale(obj));
  else respond(c, 200, obj);
}

async function body(c: Call): Promise<Obj> {
  const bytes = await readBodyBytes(c.req);
  const type = c.req.headers['content-type'] ?? '';
  // kubectl >= 1.32 sends its `create <generator>` objects as protobuf, with no JSON fallback.
  if (type.split(';')[0].trim() === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(bytes) as Obj;
  return decodeBody(bytes.toString('utf8'), type);
}

async function create(c: Call): Promise<void> {
  if (c.ri.name) throw methodNotSupported(c.ri.info, 'create');
  const input = await body(c);
  validateFields(c, input);
  const obj = await c.ctx.registry.create(c.ri.info, c.ri.namespace, input, { dryRun: c.dryRun, manager: fieldManager(c, 'Update') });
  respond(c, 201, obj);
}

async function update(c: Call): Promise<void> {
  const { info, namespace, name, subresource } = c.ri;
  const obj = await body(c);
  validateFields(c, obj);
  if (subresource === 'scale') {
    writeJSON(c.res, 200, await updateScale(c.ctx.registry, info, namespace, name!, { put: obj }, c.dryRun, fieldManager(c, 'Update')));
    return;
  }
  const rv = obj.metadata?.resourceVersion;
  const updated = await c.ctx.registry.guaranteedUpdate(
    info,
    namespace,
    name!,
    (cur) => {
      if (rv && rv !== cur.metadata?.resourceVersion) throw conflict(info, name!);
      if (subresource === 'finalize') return { ...cur, spec: { ...(cur.spec as object), finalizers: (obj.spec as { finalizers?: string[] })?.finalizers ?? [] } };
      return obj;
    },
    { dryRun: c.dryRun, subresource: subresource === 'finalize' ? undefined : subresource, manager: fieldManager(c, 'Update') },
  );
  respond(c, 200, updated);
}

async function patch(c: Call): Promise<void> {
  const { info, namespace, name, subresource } = c.ri;
  const kind = patchKind(c.req.headers['content-type']);
  const doc = parsePatch(kind, await readBody(c.req));
  if (subresource === 'scale') {
    writeJSON(c.res, 200, await updateScale(c.ctx.registry, info, namespace, name!, { patch: doc, kind }, c.dryRun, fieldManager(c, 'Update')));
    return;
  }
  const manager = fieldManager(c, kind === 'apply' ? 'Apply' : 'Update');
  if (kind === 'apply' && !c.q.get('fieldManager')) {
    throw new StatusError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  }
  const tryPatch = (cur: Obj): Obj => {
    const patched = patchObject(c, kind, cur, doc, manager);
    c.warnings = [];
    validateFields(c, patched, true);
    const rv = patched.metadata?.resourceVersion;
    // A resourceVersion written by the patch is a precondition (kubectl apply sends one).
    if (rv !== undefined && rv !== cur.metadata?.resourceVersion) throw conflict(info, name!);
    return patched;
  };
  try {
    const updated = await c.ctx.registry.guaranteedUpdate(info, namespace, name!, tryPatch, { dryRun: c.dryRun, subresource, manager });
    respond(c, 200, updated);
  } catch (e) {
    // Server-side apply creates what is missing.
    if (!(kind === 'apply' && e instanceof StatusError && e.code === 404 && !subresource)) throw e;
    const obj = tryPatch({} as Obj);
    obj.metadata = { ...(obj.metadata ?? {}), name };
    respond(c, 201, await c.ctx.registry.create(info, namespace, obj, { dryRun: c.dryRun, manager }));
  }
}

/** The patched object; an apply also takes field ownership (server-side-apply.ts). */
function patchObject(c: Call, kind: PatchKind, cur: Obj, doc: unknown, manager: FieldManagerInfo): Obj {
  if (kind === 'apply') {
    if (!isPlainObject(doc)) throw badRequest('the apply configuration must be an object');
    const config = structuredClone(doc) as Obj;
    pruneUnknownFields(c.ri.info.kind, config);
    const force = c.q.get('force') === 'true';
    return serverSideApply(cur, config, { kind: c.ri.info.kind, hasStatus: hasStatusSubresource(c.ri.info), manager, force });
  }
  const patched = applyPatch(kind, cur, doc);
  if (!isPlainObject(patched)) throw badRequest('the patch did not produce an object');
  return patched as Obj;
}

async function readDeleteOptions(c: Call): Promise<DeleteOptionsBody> {
  const text = await readBody(c.req);
  return parseDeleteOptions(text.trim() ? decodeBody(text, 'application/json') : {}, c.q);
}

async function remove(c: Call): Promise<void> {
  const { info, namespace, name } = c.ri;
  const opts = await readDeleteOptions(c);
  const r = await deleteObject(c.ctx.registry, info, namespace, name!, opts, c.dryRun);
  if (info.kind === 'Namespace' && !r.removed && !c.dryRun) c.ctx.lifecycle.finalize(name!);
  respond(c, r.removed ? 200 : 202, r.obj);
}

async function removeCollection(c: Call): Promise<void> {
  const { info, namespace } = c.ri;
  const opts = await readDeleteOptions(c);
  const labels = parseLabelSelector(c.q.get('labelSelector'));
  const fields = parseFieldSelector(c.q.get('fieldSelector'), info.kind);
  const all = await c.ctx.registry.list(info, namespace);
  const items: Obj[] = [];
  for (const o of all.items) {
    if (!matchesLabels(labels, o.metadata?.labels) || !matchesFields(fields, o)) continue;
    const r = await deleteObject(c.ctx.registry, info, o.metadata?.namespace, o.metadata!.name!, opts, c.dryRun).catch((e: unknown) => {
      if (e instanceof StatusError && e.code === 404) return undefined;
      throw e;
    });
    if (r) items.push(r.obj);
    if (info.kind === 'Namespace' && r && !r.removed && !c.dryRun) c.ctx.lifecycle.finalize(o.metadata!.name!);
  }
  writeJSON(c.res, 200, { kind: `${info.kind}List`, apiVersion: gvOf(info), metadata: { resourceVersion: String(all.revision) }, items });
}

const OBJECT_SUBRESOURCES = new Set(['status', 'scale', 'finalize']);

/** Dispatches a resource request by method. */
export async function handleResource(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, ri: RequestInfo, q: URLSearchParams): Promise<void> {
  const dryRunValues = q.getAll('dryRun');
  if (dryRunValues.some((v) => v !== 'All')) throw badRequest(`Invalid dryRun value: ${JSON.stringify(dryRunValues)}; only "All" is supported`);
  const c: Call = { ctx, req, res, ri, q, dryRun: dryRunValues.length > 0, warnings: [] };
  const { info, name, subresource } = ri;
  if (subresource === 'log' && info.kind === 'Pod' && name && req.method === 'GET') {
    if (!ctx.podLogs) throw new StatusError(404, 'NotFound', 'pods/log is not served: the apiserver was started without stateRoot');
    return ctx.podLogs.serve(info, ri.namespace!, name, parseLogQuery(q), res);
  }
  if (subresource && (!info.subresources.includes(subresource) || !OBJECT_SUBRESOURCES.has(subresource))) {
    throw new StatusError(404, 'NotFound', `the server could not find the requested resource (${info.plural}/${subresource} is not served)`);
  }
  if (subresource === 'scale' && !['GET', 'PUT', 'PATCH'].includes(req.method ?? '')) throw methodNotSupported(info, req.method ?? '');
  const watching = q.get('watch') === 'true' || q.get('watch') === '1';
  switch (req.method) {
    case 'GET':
      if (watching) return serveWatch(ctx, req, res, ri, q);
      return name ? get(c) : list(c);
    case 'POST':
      return create(c);
    case 'PUT':
      if (!name) throw methodNotSupported(info, 'update');
      return update(c);
    case 'PATCH':
      if (!name) throw methodNotSupported(info, 'patch');
      return patch(c);
    case 'DELETE':
      return name ? remove(c) : removeCollection(c);
    default:
      throw methodNotSupported(info, req.method ?? '');
  }
}

