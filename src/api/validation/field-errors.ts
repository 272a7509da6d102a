/**
 * Field errors, as apimachinery's field.Error: a type, a field path (`spec.containers[0].image`),
 * the bad value and a detail. The message format is upstream's, which kubectl users know.
 */

export type FieldErrorType = 'Required' | 'Invalid' | 'NotSupported' | 'Duplicate' | 'Forbidden' | 'TooLong' | 'TooMany' | 'NotFound';

export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: unknown;
  detail?: string;
}

export const required = (field: string, detail?: string): FieldError => ({ type: 'Required', field, detail });
export const invalidValue = (field: string, value: unknown, detail?: string): FieldError => ({ type: 'Invalid', field, value, detail });
export const duplicate = (field: string, value: unknown): FieldError => ({ type: 'Duplicate', field, value });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'Forbidden', field, detail });
export const tooLong = (field: string, value: unknown, max: number): FieldError => ({
  type: 'TooLong',
  field,
  value,
  detail: `may not be more than ${max} bytes`,
});
/** `TooMany(field, actual, max)`: a list longer than its limit. */
export const tooMany = (field: string, actual: number, max: number): FieldError => ({
  type: 'TooMany',
  field,
  value: actual,
  detail: `must have at most ${max} items`,
});
/** `NotFound`: a reference (a volume mount's volume) to something that does not exist. */
export const notFound = (field: string, value: unknown): FieldError => ({ type: 'NotFound', field, value });
export const notSupported = (field: string, value: unknown, supported: readonly string[]): FieldError => ({
  type: 'NotSupported',
  field,
  value,
  detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});

const REASONS: Record<FieldErrorType, string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Duplicate: 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  NotFound: 'FieldValueNotFound',
};

const LABELS: Record<FieldErrorType, string> = {
  Required: 'Required value',
  Invalid: 'Invalid value',
  NotSupported: 'Unsupported value',
  Duplicate: 'Duplicate value',
  Forbidden: 'Forbidden',
  TooLong: 'Too long',
  TooMany: 'Too many',
  NotFound: 'Not found',
};

/** The Status cause reason: `FieldValueRequired`, ... */
export const fieldErrorReason = (e: FieldError): string => REASONS[e.type];

/** Values print as apimachinery (1.31+) prints them: strings quoted, scalars bare, the rest as JSON. */
function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `spec.containers[0].image: Required value`, `spec.ports[0].port: Invalid value: 0: must be ...`. */
export function fieldErrorMessage(e: FieldError): string {
  let s = `${e.field}: ${LABELS[e.type]}`;
  const showsValue = e.type !== 'Required' && e.type !== 'Forbidden' && e.type !== 'TooLong';
  if (showsValue) s += `: ${showValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** Field path helpers: `child('spec', 'ports')`, `index('spec.ports', 0)`. */
export const child = (...parts: string[]): string => parts.filter((p) => p !== '').join('.');
export const index = (path: string, i: number): string => `${path}[${i}]`;
export const key = (path: string, k: string): string => `${path}[${k}]`;
