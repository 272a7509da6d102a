/** apps/v1 DaemonSet validation (ValidateDaemonSet): selector, template, update strategy. */
import type { DaemonSet } from '../types.js';
import { type FieldError, invalidValue, notSupported, required } from './field-errors.js';
import { intOrPercentValue, nonNegative, notMoreThan100Percent, validateIntOrPercent } from './common.js';
import { validateTemplate } from './pod-template.js';
import { immutableSelector, validateWorkloadSelector } from './workloads.js';
import { goStrategy } from './go-values.js';

function validateUpdateStrategy(s: NonNullable<DaemonSet['spec']>['updateStrategy']): FieldError[] {
  const strategy = s ?? {};
  if (strategy.type === 'OnDelete') return [];
  if (strategy.type !== 'RollingUpdate') return [notSupported('spec.updateStrategy', goStrategy(strategy), ['RollingUpdate', 'OnDelete'])];
  const ru = strategy.rollingUpdate;
  const p = 'spec.updateStrategy.rollingUpdate';
  if (!ru) return [required(p)];
  const errs = [...validateIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${p}.maxSurge`)];
  errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`), ...notMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`));
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) errs.push(invalidValue(`${p}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
  else if (!hasUnavailable && !hasSurge) errs.push(required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  const spec = ds.spec;
  if (!spec) return [required('spec')];
  const sel = validateWorkloadSelector(spec, 'daemonset');
  const errs = [...sel.errs, ...validateTemplate(spec.template, 'spec.template', sel.matches, 'DaemonSet')];
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateUpdateStrategy(spec.updateStrategy));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

export function validateDaemonSetUpdate(next: DaemonSet, prev: DaemonSet): FieldError[] {
  return [...validateDaemonSet(next), ...immutableSelector(next.spec?.selector, prev.spec?.selector)];
}
