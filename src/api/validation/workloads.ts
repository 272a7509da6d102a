/**
 * apps/v1 Deployment and ReplicaSet validation (pkg/apis/apps/validation): replicas, selector
 * (required, non-empty, matching the template, immutable), template, rolling update strategy.
 */
import type { Deployment, LabelSelector, PodTemplateSpec, ReplicaSet } from '../types.js';
import { type FieldError, forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { canonical, intOrPercentValue, nonNegative, notMoreThan100Percent, validateIntOrPercent, validateLabelSelector } from './common.js';
import { validateTemplate } from './pod-template.js';
import { goLabelSelector, goStrategy } from './go-values.js';

/** Whether a metav1.LabelSelector selects the given labels. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export const isEmptySelector = (s: LabelSelector): boolean =>
  Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;

interface WorkloadSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: LabelSelector;
  template?: PodTemplateSpec;
}

/** Selector rules shared by Deployment, ReplicaSet and DaemonSet; returns whether it matches the template. */
export function validateWorkloadSelector(spec: WorkloadSpec, kind: string): { errs: FieldError[]; matches: boolean | undefined } {
  const sel = spec.selector;
  // A missing selector selects nothing, so the template never matches (LabelSelectorAsSelector(nil)).
  if (!sel) return { errs: kind === 'daemonset' ? [] : [required('spec.selector')], matches: false };
  const errs = validateLabelSelector(sel, 'spec.selector');
  if (isEmptySelector(sel)) errs.push(invalidValue('spec.selector', goLabelSelector(sel), `empty selector is invalid for ${kind}`));
  const matches = isEmptySelector(sel) ? undefined : selectorMatches(sel, spec.template?.metadata?.labels ?? {});
  return { errs, matches };
}

function validateWorkloadSpec(spec: WorkloadSpec | undefined, kind: 'deployment' | 'replicaset'): FieldError[] {
  if (!spec) return [required('spec')];
  const errs = nonNegative(spec.replicas, 'spec.replicas');
  const sel = validateWorkloadSelector(spec, kind);
  errs.push(...sel.errs);
  errs.push(...validateTemplate(spec.template, 'spec.template', sel.matches, 'ReplicaSet'));
  return errs;
}

function validateStrategy(strategy: NonNullable<Deployment['spec']>['strategy']): FieldError[] {
  const s = strategy ?? {};
  if (s.type === 'Recreate') return s.rollingUpdate ? [forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")] : [];
  if (s.type !== 'RollingUpdate') return [notSupported('spec.strategy', goStrategy(s), ['Recreate', 'RollingUpdate'])];
  const ru = s.rollingUpdate;
  if (!ru) return [required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
  const p = 'spec.strategy.rollingUpdate';
  const errs = [...validateIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${p}.maxSurge`)];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(invalidValue(`${p}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
  return errs;
}

export function validateDeployment(d: Deployment): FieldError[] {
  const errs = validateWorkloadSpec(d.spec, 'deployment');
  if (!d.spec) return errs;
  errs.push(...validateStrategy(d.spec.strategy));
  errs.push(...nonNegative(d.spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(d.spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const pds = d.spec.progressDeadlineSeconds;
  if (pds !== undefined) {
    errs.push(...nonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (d.spec.minReadySeconds ?? 0)) errs.push(invalidValue('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  return [...validateWorkloadSpec(rs.spec, 'replicaset'), ...nonNegative(rs.spec?.minReadySeconds, 'spec.minReadySeconds')];
}

/** apps/v1 selectors are immutable. */
export function validateSelectorUpdate(next: { spec?: WorkloadSpec }, prev: { spec?: WorkloadSpec }): FieldError[] {
  return immutableSelector(next.spec?.selector, prev.spec?.selector);
}

/** ValidateImmutableField on a selector, printed as the versioned LabelSelector. */
export function immutableSelector(next: LabelSelector | undefined, prev: LabelSelector | undefined): FieldError[] {
  return canonical(next ?? null) === canonical(prev ?? null) ? [] : [invalidValue('spec.selector', goLabelSelector(next), 'field is immutable')];
}
