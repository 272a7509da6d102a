/**
 * Checks shared by many kinds (pkg/apis/core/validation): non-negative numbers, immutable fields,
 * int-or-percent values, label selectors (apimachinery ValidateLabelSelector).
 */
import type { LabelSelector } from '../types.js';
import { type FieldError, forbidden, invalidValue, required } from './field-errors.js';
import { validateLabels } from './meta.js';
import { isQualifiedName, isValidLabelValue, isValidPercent } from './names.js';

export const NONNEGATIVE = 'must be greater than or equal to 0';

/** ValidateNonnegativeField: nothing when unset. */
export function nonNegative(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'number' && value >= 0 ? [] : [invalidValue(path, value, NONNEGATIVE)];
}

/** JSON with sorted keys, so key order does not count as a change. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** ValidateImmutableField: the new value, "field is immutable". */
export function immutable(next: unknown, prev: unknown, path: string): FieldError[] {
  return canonical(next ?? null) === canonical(prev ?? null) ? [] : [invalidValue(path, next ?? null, 'field is immutable')];
}

/** apps' ValidatePositiveIntOrPercent: `5` or `5%`, never negative. */
export function validateIntOrPercent(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return isValidPercent(v).map((d) => invalidValue(path, v, d));
  if (typeof v === 'number') return nonNegative(v, path);
  return [invalidValue(path, v, "must be an integer or percentage (e.g '5%')")];
}

/** The number an int-or-percent stands for, of 100 (GetValueFromIntOrPercent): `25%` → 25. */
export function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return Number(v.slice(0, -1));
  return 0;
}

export function notMoreThan100Percent(v: unknown, path: string): FieldError[] {
  return typeof v === 'string' && /^[0-9]+%$/.test(v) && intOrPercentValue(v) > 100 ? [invalidValue(path, v, 'must not be greater than 100%')] : [];
}

/** metav1.LabelSelector syntax: matchLabels as labels, matchExpressions' operators and values. */
export function validateLabelSelector(sel: LabelSelector | undefined, path: string): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  (sel.matchExpressions ?? []).forEach((r, i) => {
    const rp = `${path}.matchExpressions[${i}]`;
    const values = r.values ?? [];
    if (r.operator === 'In' || r.operator === 'NotIn') {
      if (values.length === 0) errs.push(required(`${rp}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (r.operator === 'Exists' || r.operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(`${rp}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else errs.push(invalidValue(`${rp}.operator`, r.operator, 'not a valid selector operator'));
    for (const d of isQualifiedName(r.key ?? '')) errs.push(invalidValue(`${rp}.key`, r.key ?? '', d));
    values.forEach((v, j) => {
      for (const d of isValidLabelValue(v)) errs.push(invalidValue(`${rp}.values[${j}]`, v, d));
    });
  });
  return errs;
}

export const isSupported = (list: readonly string[], v: unknown): boolean => typeof v === 'string' && list.includes(v);
