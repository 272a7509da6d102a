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

/** Validates metadata; names of generateName-created objects are checked once generated. */
export function validateObjectMeta(meta: ObjectMeta | undefined, namespaced: boolean, nameFn: NameValidator): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (!m.name) errs.push(required('metadata.name', 'name or generateName is required'));
  else for (const d of nameFn(m.name)) errs.push(invalidValue('metadata.name', m.name, d));
  if (namespaced) {
    if (!m.namespace) errs.push(required('metadata.namespace'));
    else for (const d of isDNS1123Label(m.namespace)) errs.push(invalidValue('metadata.namespace', m.namespace, d));
  } else if (m.namespace) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  return errs;
}
