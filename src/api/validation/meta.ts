/** ObjectMeta validation (apimachinery ValidateObjectMeta): name, namespace, labels, annotations. */
import type { ObjectMeta } from '../types.js';
import { type FieldError, forbidden, invalidValue, required, tooLong } from './field-errors.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue } from './names.js';

export type NameValidator = (name: string) => string[];

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const d of isQualifiedName(k)) errs.push(invalidValue(path, k, d));
    if (typeof v !== 'string') errs.push(invalidValue(`${path}[${k}]`, v, 'must be a string'));
    else for (const d of isValidLabelValue(v)) errs.push(invalidValue(path, v, d));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const d of isQualifiedName(k.toLowerCase())) errs.push(invalidValue(path, k, d));
    if (typeof v !== 'string') errs.push(invalidValue(`${path}[${k}]`, v, 'must be a string'));
    size += k.length + String(v).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE) errs.push(tooLong(path, '', TOTAL_ANNOTATION_SIZE));
  return errs;
}

/** ValidateOwnerReferences: each reference complete; at most one controller. */
export function validateOwnerReferences(refs: ObjectMeta['ownerReferences'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  let controller = '';
  for (const r of refs ?? []) {
    const version = (r.apiVersion ?? '').split('/').pop() ?? '';
    if (!version) errs.push(invalidValue(`${path}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    for (const f of ['kind', 'name', 'uid'] as const) if (!r[f]) errs.push(invalidValue(`${path}.${f}`, r[f] ?? '', 'must not be empty'));
    if (!r.controller) continue;
    const name = `${r.kind}/${r.name}`;
    if (controller) {
      errs.push(invalidValue(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${name}`));
    } else controller = name;
  }
  return errs;
}

/** ValidateFinalizers: qualified names; orphan and foreground deletion exclude each other. */
export function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const list = finalizers ?? [];
  const errs = list.flatMap((f) => isQualifiedName(f).map((d) => invalidValue(path, f, d)));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalidValue(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** Validates metadata; names of generateName-created objects are checked once generated. */
export function validateObjectMeta(meta: ObjectMeta | undefined, namespaced: boolean, nameFn: NameValidator): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    // A prefix may end with '-' (upstream masks a trailing dash before checking).
    const masked = m.generateName.replace(/-$/, 'a');
    for (const d of nameFn(masked)) errs.push(invalidValue('metadata.generateName', m.generateName, d));
  }
  if (!m.name) errs.push(required('metadata.name', 'name or generateName is required'));
  else for (const d of nameFn(m.name)) errs.push(invalidValue('metadata.name', m.name, d));
  if (namespaced) {
    if (!m.namespace) errs.push(required('metadata.namespace'));
    else for (const d of isDNS1123Label(m.namespace)) errs.push(invalidValue('metadata.namespace', m.namespace, d));
  } else if (m.namespace) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  if (m.generation !== undefined && m.generation < 0) errs.push(invalidValue('metadata.generation', m.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(m.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(m.finalizers, 'metadata.finalizers'));
  return errs;
}
