/** Tolerations (ValidateTolerations) and taint effects, shared with Node taints. */
import type { PodSpec } from '../types.js';
import { type FieldError, invalidValue, notSupported } from './field-errors.js';
import { isQualifiedName, isValidLabelValue } from './names.js';
import { goToleration } from './go-values.js';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const OPERATORS = ['Equal', 'Exists'];

export function validateTolerations(list: PodSpec['tolerations'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  (list ?? []).forEach((t, i) => {
    const tp = `${path}[${i}]`;
    if (t.key) errs.push(...isQualifiedName(t.key).map((d) => invalidValue(`${tp}.key`, t.key, d)));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(invalidValue(`${tp}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(invalidValue(`${tp}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (!t.operator || t.operator === 'Equal') {
      errs.push(...isValidLabelValue(t.value ?? '').map((d) => invalidValue(`${tp}.value`, t.value, d)));
    } else if (t.operator === 'Exists') {
      if (t.value) errs.push(invalidValue(`${tp}.operator`, goToleration(t), "value must be empty when `operator` is 'Exists'"));
    } else errs.push(notSupported(`${tp}.operator`, t.operator, OPERATORS));
    if (t.effect && !TAINT_EFFECTS.includes(t.effect)) errs.push(notSupported(`${tp}.effect`, t.effect, TAINT_EFFECTS));
  });
  return errs;
}
